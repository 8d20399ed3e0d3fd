#include "cache/tieredreader.h"

#include "cache/cachedentry.h"
#include "cache/channelhealthfacts.h"
#include "cache/cachekeys.h"
#include "cache/rawcachedentry.h"
#include "cache/endpointfetcher.h"
#include "cache/endpointpayload.h"
#include "cache/endpointregistry.h"
#include "cache/feedstatecache.h"
#include "cache/readstatistics.h"
#include "core/logging.h"
#include "redis/redisconnection.h"
#include "store/pgconnection.h"
#include "store/feedstaterepository.h"
#include "store/snapshotrepository.h"


#include <pqxx/pqxx>
#include <QDateTime>
#include <QElapsedTimer>

#include <chrono>

namespace tiersync {

namespace {

// A failure that means the server is not there (rather than one bad command).
bool isOutage(const Error &error)
{
    return error.kind == ErrorKind::Unavailable || error.kind == ErrorKind::Timeout;
}

// What the caller gets when the source failed and nothing is cached: kinds the HTTP
// server maps to 503, except a request Zoho rejected as malformed (a registry bug: 500).
Error unavailableError(const Error &cause, const EndpointDefinition &endpoint, qint64 moodleUserId, bool caching)
{
    ErrorKind kind = ErrorKind::Unavailable;
    if (cause.kind == ErrorKind::CircuitOpen || cause.kind == ErrorKind::Timeout
        || cause.kind == ErrorKind::RateLimited)
        kind = cause.kind;
    else if (cause.kind == ErrorKind::InvalidArgument || cause.kind == ErrorKind::NotFound)
        kind = ErrorKind::Internal;
    Error error = makeError(kind, caching ? QStringLiteral("Zoho is unavailable and %1 of student %2 was never cached: %3")
                                                .arg(endpoint.name)
                                                .arg(moodleUserId)
                                                .arg(cause.message)
                                          : QStringLiteral("Zoho is unavailable (caching is off) for %1 of student %2: %3")
                                                .arg(endpoint.name)
                                                .arg(moodleUserId)
                                                .arg(cause.message));
    error.httpStatus = cause.httpStatus;
    error.code = cause.code;
    return error;
}

}  // namespace

TieredReader::TieredReader(const EndpointRegistry &registry, EndpointFetcher &fetcher, ReadStatistics &statistics,
                           CachingEnabled cachingEnabled, Options options)
    : m_registry(registry)
    , m_fetcher(fetcher)
    , m_statistics(statistics)
    , m_cachingEnabled(std::move(cachingEnabled))
    , m_options(std::move(options))
    , m_earlyRefresh(m_options.earlyRefreshBeta, m_options.random)
    , m_redisGate(m_options.redisBackoffMs)
    , m_pgGate(m_options.pgBackoffMs)
{
    m_options.clock = orSystemEpochClock(std::move(m_options.clock));
    if (!m_cachingEnabled)
        m_cachingEnabled = [] { return true; };
    m_options.redis.connectTimeoutMs = qMin(m_options.redis.connectTimeoutMs, m_options.redisConnectTimeoutMs);
    m_options.redis.commandTimeoutMs = qMin(m_options.redis.commandTimeoutMs, m_options.redisCommandTimeoutMs);
    m_refreshPool.setMaxThreadCount(qMax(1, m_options.refreshThreads));
    m_refreshPool.setObjectName(QStringLiteral("tiersync-early-refresh"));
    m_feeds = std::make_unique<FeedStateCache>([this] { return loadFeedStates(); }, m_options.clock,
                                               m_options.feedStateCacheMs, [this] { return loadChannels(); });
}

TieredReader::~TieredReader()
{
    waitForBackgroundRefreshes();
}

void TieredReader::waitForBackgroundRefreshes()
{
    m_refreshPool.waitForDone();
}

qint64 TieredReader::steadyMs() const
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

Result<EndpointResponse> TieredReader::read(const QString &endpointName, qint64 moodleUserId, bool forceRefresh)
{
    const EndpointDefinition *endpoint = m_registry.find(endpointName);
    if (!endpoint)
        return makeError(ErrorKind::NotFound, QStringLiteral("unknown endpoint \"%1\"").arg(endpointName));
    if (moodleUserId <= 0)
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("moodle_user_id must be a positive integer"));

    QElapsedTimer timer;
    timer.start();
    Result<EndpointResponse> result = readTiers(*endpoint, moodleUserId, forceRefresh);
    m_statistics.add(endpoint->name, StatsCounter::Requests);
    if (!result) {
        m_statistics.add(endpoint->name, StatsCounter::Errors);
    } else {
        switch (result->source) {
        case ReadSource::Redis: m_statistics.add(endpoint->name, StatsCounter::Redis); break;
        case ReadSource::Postgres: m_statistics.add(endpoint->name, StatsCounter::Postgres); break;
        case ReadSource::Zoho: m_statistics.add(endpoint->name, StatsCounter::Zoho); break;
        case ReadSource::Stale: m_statistics.add(endpoint->name, StatsCounter::Stale); break;
        }
    }
    m_statistics.addLatency(endpoint->name, timer.nsecsElapsed() / 1000);
    return result;
}

Result<EndpointResponse> TieredReader::readTiers(const EndpointDefinition &endpoint, qint64 moodleUserId,
                                                 bool forceRefresh)
{
    const bool caching = m_cachingEnabled();
    const QByteArray key = cachekeys::endpointKey(endpoint.name, moodleUserId);
    if (caching && !forceRefresh) {
        if (std::optional<RawCachedEntry> entry = redisGet(endpoint, key)) {
            const qint64 nowMs = m_options.clock();
            // Redis expires the key by its own clock; this engine's clock decides too, so a
            // skewed server (or a simulation on a virtual clock) never serves past the TTL.
            if (nowMs < entry->expiresAtMs()) {
                if (m_earlyRefresh.shouldRefresh(nowMs, entry->expiresAtMs(), entry->costMs))
                    scheduleEarlyRefresh(endpoint, moodleUserId, key);
                return respond(endpoint, moodleUserId, std::move(entry->dataJson), ReadSource::Redis,
                               entry->fetchedAtMs, nowMs);
            }
        }
    }
    m_statistics.add(endpoint.name, StatsCounter::Misses);
    // A forced refresh must not be answered by a concurrent plain miss (which may be
    // served from a snapshot), so it flies under a key of its own.
    const QByteArray flightKey = forceRefresh ? key + "#force" : key;
    SingleFlight::Outcome outcome =
        m_flight.run(flightKey, [&] { return fill(endpoint, moodleUserId, forceRefresh, caching); });
    if (outcome.shared)
        m_statistics.add(endpoint.name, StatsCounter::Coalesced);
    return std::move(outcome.result);
}

Result<EndpointResponse> TieredReader::fill(const EndpointDefinition &endpoint, qint64 moodleUserId,
                                            bool forceRefresh, bool caching)
{
    std::optional<Snapshot> snapshot;
    bool snapshotRead = false;
    if (caching && !forceRefresh) {
        snapshot = snapshotGet(endpoint, moodleUserId, &snapshotRead);
        if (snapshot) {
            const qint64 nowMs = m_options.clock();
            if (const std::optional<HealthyFeed> feed = healthyFeed(endpoint, nowMs)) {
                // The feed vouches for every student it knows as of data_as_of (a snapshot
                // fetched later on its own is newer still).
                const qint64 dataAtMs = qMax(feed->asOfMs, snapshot->fetchedAtMs);
                const qint64 remainingSeconds = feed->maxLagSeconds - qMax<qint64>(0, nowMs - feed->asOfMs) / 1000;
                const qint64 ttlSeconds = qMax<qint64>(1, qMin(endpoint.redisTtlSeconds, remainingSeconds));
                redisSet(endpoint, cachekeys::endpointKey(endpoint.name, moodleUserId),
                         RawCachedEntry{snapshot->dataJson, dataAtMs, nowMs, ttlSeconds, 0});
                return respond(endpoint, moodleUserId, snapshot->dataJson, ReadSource::Postgres, dataAtMs, nowMs);
            }
            const qint64 ageMs = qMax<qint64>(0, nowMs - snapshot->fetchedAtMs);
            if (ageMs <= endpoint.pgFreshnessSeconds * 1000) {
                // Redis keeps it no longer than the snapshot stays fresh, so an answer is
                // never older than the longer of the two windows.
                const qint64 ttlSeconds =
                    qMax<qint64>(1, qMin(endpoint.redisTtlSeconds, endpoint.pgFreshnessSeconds - ageMs / 1000));
                redisSet(endpoint, cachekeys::endpointKey(endpoint.name, moodleUserId),
                         RawCachedEntry{snapshot->dataJson, snapshot->fetchedAtMs, nowMs, ttlSeconds, 0});
                return respond(endpoint, moodleUserId, snapshot->dataJson, ReadSource::Postgres,
                               snapshot->fetchedAtMs, nowMs);
            }
        }
    }
    return fetchAndStore(endpoint, moodleUserId, caching, std::move(snapshot), snapshotRead);
}

Result<EndpointResponse> TieredReader::fetchAndStore(const EndpointDefinition &endpoint, qint64 moodleUserId,
                                                     bool caching, std::optional<Snapshot> snapshot,
                                                     bool snapshotRead)
{
    QElapsedTimer timer;
    timer.start();
    m_statistics.add(endpoint.name, StatsCounter::ZohoCalls);
    Result<QJsonValue> fetched = m_fetcher.fetch(endpoint, moodleUserId);
    const qint64 costMs = timer.elapsed();
    const qint64 nowMs = m_options.clock();
    if (fetched) {
        // The shared form: byte-identical to what the commit step regroups from rows.
        QByteArray dataJson = endpointpayload::toJson(*fetched);
        if (caching) {
            snapshotPut(endpoint, moodleUserId, dataJson, nowMs);
            redisSet(endpoint, cachekeys::endpointKey(endpoint.name, moodleUserId),
                     RawCachedEntry{dataJson, nowMs, nowMs, endpoint.redisTtlSeconds, costMs});
        }
        return respond(endpoint, moodleUserId, std::move(dataJson), ReadSource::Zoho, nowMs, nowMs);
    }
    qCDebug(lcZoho) << "fetching" << endpoint.name << "failed:" << fetched.error().message;
    if (caching) {
        if (!snapshotRead)
            snapshot = snapshotGet(endpoint, moodleUserId, &snapshotRead);
        if (snapshot)
            return respond(endpoint, moodleUserId, snapshot->dataJson, ReadSource::Stale, snapshot->fetchedAtMs,
                           nowMs);
    }
    return unavailableError(fetched.error(), endpoint, moodleUserId, caching);
}

std::optional<TieredReader::HealthyFeed> TieredReader::healthyFeed(const EndpointDefinition &endpoint, qint64 nowMs)
{
    if (!endpoint.isFed())
        return std::nullopt;
    const FeedStateCache::Feed feed = m_feeds->feed(endpoint.feedEntity);
    const qint64 maxLagSeconds = feed.channelHealthy ? qMax(endpoint.feedChannelMaxLagSeconds, endpoint.feedMaxLagSeconds)
                                                     : endpoint.feedMaxLagSeconds;
    if (!feed.dataAsOfMs || nowMs - *feed.dataAsOfMs > maxLagSeconds * 1000)
        return std::nullopt;
    return HealthyFeed{*feed.dataAsOfMs, maxLagSeconds};
}

PgConnection &TieredReader::readConnection() const
{
    PgConnection::Options options;
    options.connectTimeoutSeconds = m_options.pgConnectTimeoutSeconds;
    options.statementTimeoutMs = m_options.pgStatementTimeoutMs;
    options.applicationName = QStringLiteral("tiersync-read");
    return PgConnection::forCurrentThread(m_options.pg, options);
}

Result<QHash<QString, qint64>> TieredReader::loadFeedStates()
{
    if (!m_pgGate.allow(steadyMs()))
        return makeError(ErrorKind::Unavailable, QStringLiteral("PostgreSQL is backing off"));
    auto states = FeedStateRepository(readConnection()).list();
    if (!states) {
        if (isOutage(states.error()))
            m_pgGate.recordFailure(steadyMs());
        return states.error();
    }
    m_pgGate.recordSuccess();
    QHash<QString, qint64> out;
    for (const FeedStateRepository::State &state : *states)
        if (state.dataAsOf.isValid())
            out.insert(state.entityType, state.dataAsOf.toMSecsSinceEpoch());
    return out;
}

Result<QList<ChannelHealthFacts>> TieredReader::loadChannels()
{
    // After loadFeedStates on the same thread: a PostgreSQL backing off was just refused there.
    if (!m_pgGate.allow(steadyMs()))
        return makeError(ErrorKind::Unavailable, QStringLiteral("PostgreSQL is backing off"));
    auto channels = ChannelHealthFacts::load(readConnection());
    if (!channels) {
        if (isOutage(channels.error()))
            m_pgGate.recordFailure(steadyMs());
        return channels.error();
    }
    m_pgGate.recordSuccess();
    return channels;
}

std::optional<RawCachedEntry> TieredReader::redisGet(const EndpointDefinition &endpoint, const QByteArray &key)
{
    if (!m_redisGate.allow(steadyMs())) {
        m_statistics.add(endpoint.name, StatsCounter::RedisFailures);
        return std::nullopt;
    }
    auto value = RedisConnection::forCurrentThread(m_options.redis).get(key);
    if (!value) {
        m_statistics.add(endpoint.name, StatsCounter::RedisFailures);
        if (isOutage(value.error()))
            m_redisGate.recordFailure(steadyMs());
        qCDebug(lcRedis) << "read path: Redis GET failed:" << value.error().message;
        return std::nullopt;
    }
    m_redisGate.recordSuccess();
    if (!value->has_value())
        return std::nullopt;
    auto entry = RawCachedEntry::decode(**value);
    if (!entry) {
        m_statistics.add(endpoint.name, StatsCounter::Corrupt);
        qCWarning(lcRedis) << "read path: corrupt value under" << key << "treated as a miss";
        return std::nullopt;
    }
    return std::move(*entry);
}

void TieredReader::redisSet(const EndpointDefinition &endpoint, const QByteArray &key, const RawCachedEntry &entry)
{
    if (!m_redisGate.allow(steadyMs())) {
        m_statistics.add(endpoint.name, StatsCounter::RedisFailures);
        return;
    }
    const Status stored = RedisConnection::forCurrentThread(m_options.redis).set(key, entry.encode(), entry.ttlSeconds);
    if (!stored) {
        m_statistics.add(endpoint.name, StatsCounter::RedisFailures);
        if (isOutage(stored.error()))
            m_redisGate.recordFailure(steadyMs());
        return;
    }
    m_redisGate.recordSuccess();
}

std::optional<TieredReader::Snapshot> TieredReader::snapshotGet(const EndpointDefinition &endpoint,
                                                                qint64 moodleUserId, bool *read)
{
    *read = false;
    if (!m_pgGate.allow(steadyMs())) {
        m_statistics.add(endpoint.name, StatsCounter::PgFailures);
        return std::nullopt;
    }
    // One autocommitted statement (SnapshotRepository::get wraps it in BEGIN/COMMIT:
    // three round trips, each a chance to wait on a busy server). Only what the read
    // path needs: the payload as text and fetched_at in epoch ms.
    std::optional<std::pair<QByteArray, qint64>> row;
    const std::string endpointName = endpoint.name.toStdString();
    const Status found = readConnection()
                             .nonTransaction(
                                 QStringLiteral("reading a snapshot"),
                                 [&](pqxx::transaction_base &txn) -> Status {
                                     const pqxx::result result = txn.exec_params(
                                         "SELECT payload::text, floor(extract(epoch FROM fetched_at) * 1000)::bigint"
                                         " FROM tiersync.endpoint_snapshots WHERE endpoint = $1 AND moodle_user_id = $2",
                                         endpointName, moodleUserId);
                                     row.reset();
                                     if (!result.empty()) {
                                         const pqxx::field payload = result[0][0];
                                         row.emplace(QByteArray(payload.c_str(), qsizetype(payload.size())),
                                                     result[0][1].as<qint64>());
                                     }
                                     return {};
                                 },
                                 PgConnection::Idempotency::Idempotent);
    if (!found) {
        m_statistics.add(endpoint.name, StatsCounter::PgFailures);
        if (isOutage(found.error()))
            m_pgGate.recordFailure(steadyMs());
        qCDebug(lcPg) << "read path: snapshot read failed:" << found.error().message;
        return std::nullopt;
    }
    m_pgGate.recordSuccess();
    *read = true;
    if (!row)
        return std::nullopt;
    QByteArray payload = std::move(row->first);
    // jsonb's text is valid JSON by construction; only its kind needs checking. Anything
    // unexpected goes through a parse (and comes out compact).
    if (!RawCachedEntry::looksLikeData(payload)) {
        auto data = CachedEntry::dataFromJson(payload);
        if (!data || (!data->isObject() && !data->isArray() && !data->isNull())) {
            qCWarning(lcPg) << "read path: unreadable snapshot of" << endpoint.name << "ignored";
            return std::nullopt;
        }
        payload = CachedEntry::dataToJson(*data);
    }
    return Snapshot{std::move(payload), row->second};
}

void TieredReader::snapshotPut(const EndpointDefinition &endpoint, qint64 moodleUserId, const QByteArray &dataJson,
                               qint64 fetchedAtMs)
{
    if (!m_pgGate.allow(steadyMs())) {
        m_statistics.add(endpoint.name, StatsCounter::PgFailures);
        return;
    }
    SnapshotRepository::Snapshot snapshot;
    snapshot.endpoint = endpoint.name;
    snapshot.moodleUserId = moodleUserId;
    snapshot.payload = dataJson;
    snapshot.contentHash = endpointpayload::contentHash(snapshot.payload);
    snapshot.fetchedAt = QDateTime::fromMSecsSinceEpoch(fetchedAtMs, Qt::UTC);
    auto written = SnapshotRepository(readConnection()).upsert(snapshot);
    if (!written) {
        m_statistics.add(endpoint.name, StatsCounter::PgFailures);
        if (isOutage(written.error()))
            m_pgGate.recordFailure(steadyMs());
        return;
    }
    m_pgGate.recordSuccess();
}

void TieredReader::scheduleEarlyRefresh(const EndpointDefinition &endpoint, qint64 moodleUserId,
                                        const QByteArray &key)
{
    {
        std::lock_guard lock(m_refreshMutex);
        if (m_refreshQueued.contains(key))
            return;
        m_refreshQueued.insert(key);
    }
    m_statistics.add(endpoint.name, StatsCounter::EarlyRefreshes);
    const EndpointDefinition *definition = &endpoint;  // lives as long as the registry
    m_refreshPool.start([this, definition, moodleUserId, key] {
        // A miss already fetching this key makes the refresh pointless: tryRun skips it.
        // So does the switch having been turned off since.
        if (m_cachingEnabled())
            (void)m_flight.tryRun(key, [&] {
                return fetchAndStore(*definition, moodleUserId, true, std::nullopt, true);
            });
        std::lock_guard lock(m_refreshMutex);
        m_refreshQueued.remove(key);
    });
}

EndpointResponse TieredReader::respond(const EndpointDefinition &endpoint, qint64 moodleUserId, QByteArray dataJson,
                                       ReadSource source, qint64 fetchedAtMs, qint64 nowMs) const
{
    EndpointResponse response;
    response.dataJson = std::move(dataJson);
    response.source = source;
    response.cacheAgeSeconds = source == ReadSource::Zoho ? 0 : qMax<qint64>(0, (nowMs - fetchedAtMs) / 1000);
    response.endpoint = endpoint.name;
    response.moodleUserId = moodleUserId;
    return response;
}

}  // namespace tiersync
