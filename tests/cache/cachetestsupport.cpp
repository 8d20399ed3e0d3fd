#include "cachetestsupport.h"

#include "cache/cachekeys.h"
#include "redis/redisconnection.h"
#include "simcontrol.h"

#include <QSet>

namespace tiersync::test {

ZohoClientOptions readPathZohoOptions()
{
    ZohoClientOptions options;
    options.retry.maxAttempts = 2;
    options.retry.baseDelayMs = 5;
    options.retry.maxDelayMs = 20;
    options.requestTimeoutMs = 10000;
    options.readRetry = options.retry;
    FamilyLimits generous;  // no test reaches them by accident
    generous.perWindow = 1000000;
    generous.windowMs = 1000;  // an injected 44 holds the family for 1 s, not a minute
    generous.windowSlackMs = 0;
    generous.perDay = 0;
    generous.concurrency = 64;
    options.limits = ZohoLimits::uniform(generous);
    options.circuitFailureThreshold = 1000;  // tests of stale data want Zoho's own errors
    return options;
}

CacheEngine::Options testEngineOptions(const ConnectionProfile &profile)
{
    CacheEngine::Options options;
    options.profile = profile;
    options.zoho = readPathZohoOptions();
    options.environment = QProcessEnvironment();
    options.earlyRefreshBeta = 0.0;
    return options;
}

Result<qint64> simRequestCount(const QString &apiBase, const QString &request)
{
    auto stats = simGet(apiBase, QStringLiteral("/_sim/stats"));
    if (!stats)
        return stats.error();
    return qint64(stats->value(QStringLiteral("requests")).toObject().value(request).toDouble());
}

Status flushRedisDb(const RedisSettings &settings)
{
    RedisConnection connection(settings);
    auto reply = connection.command({QByteArrayLiteral("FLUSHDB")});
    if (!reply)
        return reply.error();
    return {};
}

Result<qint64> countEndpointKeys(const RedisSettings &settings)
{
    RedisConnection connection(settings);
    QSet<QByteArray> keys;  // SCAN may repeat a key
    quint64 cursor = 0;
    do {
        auto page = connection.scan(cursor, QByteArray(cachekeys::kNamespace) + "ep:*", 1000);
        if (!page)
            return page.error();
        for (const QByteArray &key : page->keys)
            keys.insert(key);
        cursor = page->nextCursor;
    } while (cursor != 0);
    return qint64(keys.size());
}

}  // namespace tiersync::test
