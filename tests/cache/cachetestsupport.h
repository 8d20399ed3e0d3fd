#pragma once

#include "cache/cacheengine.h"
#include "core/connectionprofile.h"
#include "core/result.h"

#include <QByteArray>
#include <QString>

namespace tiersync::test {

// Zoho client tuning for read-path tests: millisecond backoffs, two attempts, limits
// that a test's bursts never reach.
[[nodiscard]] ZohoClientOptions readPathZohoOptions();

// Engine options for a test: the profile as given (callers point pg at a scratch
// database and redis at a db of their own), an empty environment (so the caller's
// TIERSYNC_CACHE_ENABLED never leaks in), fast Zoho options, early refresh off unless
// the test turns it on.
[[nodiscard]] CacheEngine::Options testEngineOptions(const ConnectionProfile &profile);

// How many requests zoho-sim counted for "METHOD /path" (from /_sim/stats).
[[nodiscard]] Result<qint64> simRequestCount(const QString &apiBase, const QString &request);

// FLUSHDB on the settings' db (the test's own).
[[nodiscard]] Status flushRedisDb(const RedisSettings &settings);
// Endpoint keys (tiersync:v1:ep:*) in the settings' db.
[[nodiscard]] Result<qint64> countEndpointKeys(const RedisSettings &settings);

}  // namespace tiersync::test
