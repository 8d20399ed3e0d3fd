#include "console/connectioncheckservice.h"

namespace tiersync {

ConnectionCheckService::ConnectionCheckService(QObject *parent) : QObject(parent) {}

ConnectionCheckService::~ConnectionCheckService() = default;

}  // namespace tiersync
