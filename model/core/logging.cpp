#include "core/logging.h"

Q_LOGGING_CATEGORY(lcCore, "tiersync.core", QtInfoMsg)
Q_LOGGING_CATEGORY(lcRedis, "tiersync.redis", QtInfoMsg)
Q_LOGGING_CATEGORY(lcPg, "tiersync.pg", QtInfoMsg)
Q_LOGGING_CATEGORY(lcZoho, "tiersync.zoho", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSync, "tiersync.sync", QtInfoMsg)
Q_LOGGING_CATEGORY(lcHttp, "tiersync.http", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSandbox, "tiersync.sandbox", QtInfoMsg)
