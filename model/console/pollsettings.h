#pragma once

#include "core/redissettings.h"
#include "store/pgconnection.h"

namespace tiersync {

// What a console poll (the Overview's, the Retries page's) waits for a dead server: a
// few seconds, not the profile's timeouts, so a poll never holds the loading thread long.
[[nodiscard]] RedisSettings pollRedisSettings(RedisSettings settings);
// statementTimeoutMs: what the poll's longest query may take.
[[nodiscard]] PgConnection::Options pollPgOptions(int statementTimeoutMs);

}  // namespace tiersync
