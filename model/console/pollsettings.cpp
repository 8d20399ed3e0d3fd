#include "console/pollsettings.h"

#include <algorithm>

namespace tiersync {

RedisSettings pollRedisSettings(RedisSettings settings)
{
    // A dead Redis costs a poll at most about three seconds.
    settings.connectTimeoutMs = std::min(settings.connectTimeoutMs, 1000);
    settings.commandTimeoutMs = std::min(settings.commandTimeoutMs, 2000);
    return settings;
}

PgConnection::Options pollPgOptions(int statementTimeoutMs)
{
    PgConnection::Options options;
    options.connectTimeoutSeconds = 2;
    options.statementTimeoutMs = statementTimeoutMs;
    options.applicationName = QStringLiteral("tiersync-console");
    return options;
}

}  // namespace tiersync
