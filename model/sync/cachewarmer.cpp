#include "sync/cachewarmer.h"

#include "cache/cachedentry.h"
#include "cache/cachekeys.h"
#include "redis/redisbatch.h"
#include "redis/redisconnection.h"
#include "store/entityrepository.h"
#include "store/pgconnection.h"
#include "store/settingsrepository.h"
#include "store/snapshotrepository.h"
#include "sync/entitystate.h"

#include <QDateTime>
#include <QElapsedTimer>

#include <algorithm>

namespace tiersync {

CacheWarmer::CacheWarmer(PgSettings pg, RedisSettings redis, EndpointRegistry endpoints, Options options,
                         QObject *parent)
    : QObject(parent)
    , m_pg(std::move(pg))
    , m_redis(std::move(redis))
    , m_endpoints(std::move(endpoints))
    , m_options(std::move(options))
{
    m_options.chunkSize = std::max(1, m_options.chunkSize);
    m_options.clock = orSystemEpochClock(std::move(m_options.clock));
}

CacheWarmer::CacheWarmer(PgSettings pg, RedisSettings redis, EndpointRegistry endpoints, QObject *parent)
    : CacheWarmer(std::move(pg), std::move(redis), std::move(endpoints), Options{}, parent)
{
}

Status CacheWarmer::checkCaching()
{
    auto enabled = SettingsRepository(PgConnection::forCurrentThread(m_pg)).cachingEnabled();
    if (!enabled)
        return enabled.error();
    if (!*enabled)
        return makeError(ErrorKind::Conflict, QStringLiteral("caching is disabled: nothing is written to Redis"));
    return {};
}

Result<CacheWarmer::Report> CacheWarmer::warmEntities(const QStringList &entityTypes)
{
    QElapsedTimer timer;
    timer.start();
    if (Status caching = checkCaching(); !caching)
        return caching.error();
    PgConnection &pg = PgConnection::forCurrentThread(m_pg);
    RedisConnection &redis = RedisConnection::forCurrentThread(m_redis);
    EntityRepository entities(pg);
    Report report;
    qint64 total = 0;
    for (const QString &type : entityTypes) {
        if (!cachekeys::isValidName(type))
            return makeError(ErrorKind::InvalidArgument, QStringLiteral("\"%1\" is not an entity type").arg(type));
        auto count = entities.count(type);
        if (!count)
            return count.error();
        total += *count;
    }
    for (const QString &type : entityTypes) {
        Status failure;
        Status walked = entities.forEachChunk(type, m_options.chunkSize, [&](const QList<EntityRepository::StoredRow> &rows) {
            if (m_cancelled.load()) {
                failure = makeError(ErrorKind::Cancelled, QStringLiteral("warming cancelled"));
                return false;
            }
            QList<RedisHashWrite> writes;
            writes.reserve(rows.size());
            const QByteArray now = EntityState::nowText();
            for (const EntityRepository::StoredRow &stored : rows) {
                EntityState state;
                state.contentHash = stored.row.contentHash;
                state.localId = stored.row.zohoId;
                state.lastModifiedTime = stored.row.lastModifiedTime;
                state.syncCount = stored.syncCount;
                writes.append(state.toHashWrite(type, stored.row.zohoId, now));
            }
            Status written = RedisBatch(redis).hsetExpireMany(writes, m_options.stateTtlSeconds);
            if (!written) {
                m_failedOn = Server::Redis;
                failure = written;
                return false;
            }
            report.rows += rows.size();
            report.keys += writes.size();
            emit progress(report.rows, total);
            return true;
        });
        if (!walked)
            return walked.error();
        if (!failure)
            return failure.error();
    }
    report.durationMs = timer.elapsed();
    return report;
}

Result<CacheWarmer::Report> CacheWarmer::warmEndpoints(const QString &endpoint)
{
    QElapsedTimer timer;
    timer.start();
    if (!endpoint.isEmpty() && !m_endpoints.contains(endpoint))
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("unknown endpoint \"%1\" (known: %2)")
                                                         .arg(endpoint, m_endpoints.names().join(QStringLiteral(", "))));
    if (Status caching = checkCaching(); !caching)
        return caching.error();
    PgConnection &pg = PgConnection::forCurrentThread(m_pg);
    RedisConnection &redis = RedisConnection::forCurrentThread(m_redis);
    SnapshotRepository snapshots(pg);
    auto total = snapshots.count(endpoint);
    if (!total)
        return total.error();
    Report report;
    Status failure;
    Status walked = snapshots.forEachChunk(m_options.chunkSize, [&](const QList<SnapshotRepository::Snapshot> &chunk) {
        if (m_cancelled.load()) {
            failure = makeError(ErrorKind::Cancelled, QStringLiteral("warming cancelled"));
            return false;
        }
        const qint64 nowMs = m_options.clock();
        QList<QList<QByteArray>> commands;
        commands.reserve(chunk.size());
        for (const SnapshotRepository::Snapshot &snapshot : chunk) {
            const EndpointDefinition *definition = m_endpoints.find(snapshot.endpoint);
            auto data = CachedEntry::dataFromJson(snapshot.payload);
            const qint64 fetchedAtMs = snapshot.fetchedAt.toMSecsSinceEpoch();
            const qint64 ageMs = std::max<qint64>(0, nowMs - fetchedAtMs);
            // A snapshot past its freshness window would be served as fresh from Redis:
            // leave it to the read path, which refreshes it from Zoho.
            if (definition == nullptr || !data || ageMs > definition->pgFreshnessSeconds * 1000) {
                ++report.skipped;
                continue;
            }
            // The TTL the read path gives a key filled from PostgreSQL (TieredReader).
            const qint64 ttlSeconds = std::max<qint64>(
                1, std::min(definition->redisTtlSeconds, definition->pgFreshnessSeconds - ageMs / 1000));
            const CachedEntry entry{*data, fetchedAtMs, nowMs, ttlSeconds, 0};
            commands.append({QByteArrayLiteral("SET"), cachekeys::endpointKey(snapshot.endpoint, snapshot.moodleUserId),
                             entry.encode(), QByteArrayLiteral("EX"), QByteArray::number(ttlSeconds)});
        }
        if (!commands.isEmpty()) {
            auto replies = redis.pipeline(commands);
            if (!replies) {
                m_failedOn = Server::Redis;
                failure = replies.error();
                return false;
            }
            for (const RedisReply &reply : std::as_const(*replies)) {
                if (reply.isError()) {
                    m_failedOn = Server::Redis;
                    failure = RedisConnection::errorFromReply(reply);
                    return false;
                }
            }
            report.keys += commands.size();
        }
        report.rows += chunk.size();
        emit progress(report.rows, *total);
        return true;
    }, endpoint);
    if (!walked)
        return walked.error();
    if (!failure)
        return failure.error();
    report.durationMs = timer.elapsed();
    return report;
}

}  // namespace tiersync
