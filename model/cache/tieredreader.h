#pragma once

#include "cache/backoffgate.h"
#include "cache/rawcachedentry.h"
#include "cache/earlyrefreshpolicy.h"
#include "cache/endpointresponse.h"
#include "cache/singleflight.h"
#include "core/epochclock.h"
#include "core/pgsettings.h"
#include "core/redissettings.h"
#include "core/result.h"

#include <QByteArray>
#include <QHash>
#include <QSet>
#include <QString>
#include <QThreadPool>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>

namespace tiersync {

class EndpointFetcher;
class FeedStateCache;
class PgConnection;
struct ChannelHealthFacts;
class EndpointRegistry;
class ReadStatistics;
struct EndpointDefinition;

// The three-tier read (DESIGN.md "The read path"):
//   1. Redis tiersync:v1:ep:{endpoint}:{id} → "redis"
//   2. else, for a fed endpoint whose feed is healthy (now - data_as_of <= the feed's
//      max lag, by Options::clock; the longer channel max lag while a notification
//      channel of the feed's module is healthy, ChannelHealthFacts), its snapshot →
//      "postgres" with cache_age from the feed's data_as_of (the data is current as of
//      then), written back to Redis for at most the remaining lag; Zoho is not asked. Otherwise (no feed, a feed
//      behind its lag or without state, no snapshot) endpoint_snapshots fresher than the
//      endpoint's window → "postgres" (and written back to Redis)
//   3. else the fetcher (Zoho) → "zoho", written to PostgreSQL and Redis
//   4. the fetch failing and any snapshot → "stale" with its age; none → an error of
//      a kind the server maps to 503 (Unavailable, CircuitOpen, Timeout, RateLimited).
// Steps 2–4 run once per key at a time (SingleFlight): concurrent misses wait for one
// result and are counted as coalesced. force_refresh skips steps 1–2.
//
// Faults: Redis or PostgreSQL failing is counted (redis_failures / pg_failures), never
// an error for the caller; after an Unavailable/Timeout failure that server is skipped
// for backoffMs (one caller probes after that), so a stopped Redis costs nothing per
// request and hits resume by themselves. A Redis value that does not decode is a miss
// and is overwritten by the write-back. So is a value whose stored_at + ttl has passed by
// Options::clock (a skewed Redis, or a simulation running on a virtual clock).
//
// Early refresh: a Redis hit may, by the XFetch rule (EarlyRefreshPolicy), start a
// background refresh of that key (at most one queued or running per key), counted as
// early_refreshes; the caller is answered from Redis at once.
//
// Caching off (the switch, or TIERSYNC_CACHE_ENABLED=false): every read goes to the
// fetcher and nothing is read from or written to Redis or the snapshots, as before the
// cache existed; hence no stale fallback either, a failing Zoho is an error. Concurrent
// identical reads still share one fetch (all of them get an answer fresh from Zoho).
//
// Thread-safe: read() is called from many threads at once; each thread uses its own
// Redis and PostgreSQL connections (forCurrentThread); the fetcher is shared.
class TieredReader final {
public:
    using CachingEnabled = std::function<bool()>;

    struct Options {
        RedisSettings redis;
        PgSettings pg;
        qint64 redisBackoffMs = 1000;
        qint64 pgBackoffMs = 1000;
        // Per-request bounds on a hung server (the profile's own are for batch work).
        int redisConnectTimeoutMs = 500;
        int redisCommandTimeoutMs = 1000;
        int pgConnectTimeoutSeconds = 2;
        int pgStatementTimeoutMs = 2000;
        double earlyRefreshBeta = 1.0;               // 0 turns early refresh off
        EarlyRefreshPolicy::RandomSource random;     // default: QRandomGenerator
        EpochClock clock;                            // default: the system clock
        int refreshThreads = 2;
        // The feeds' states are read at most this often (FeedStateCache).
        qint64 feedStateCacheMs = 1000;
    };

    TieredReader(const EndpointRegistry &registry, EndpointFetcher &fetcher, ReadStatistics &statistics,
                 CachingEnabled cachingEnabled, Options options);
    ~TieredReader();  // waits for background refreshes
    Q_DISABLE_COPY_MOVE(TieredReader)

    [[nodiscard]] Result<EndpointResponse> read(const QString &endpoint, qint64 moodleUserId, bool forceRefresh);

    [[nodiscard]] bool redisLooksUp() const { return m_redisGate.isOpen(); }
    [[nodiscard]] bool postgresLooksUp() const { return m_pgGate.isOpen(); }
    [[nodiscard]] const RedisSettings &redisSettings() const { return m_options.redis; }
    [[nodiscard]] const PgSettings &pgSettings() const { return m_options.pg; }
    // Blocks until queued early refreshes are done (tests, shutdown).
    void waitForBackgroundRefreshes();

private:
    struct Snapshot {
        QByteArray dataJson;  // as RawCachedEntry::dataJson
        qint64 fetchedAtMs = 0;
    };

    [[nodiscard]] Result<EndpointResponse> readTiers(const EndpointDefinition &endpoint, qint64 moodleUserId,
                                                     bool forceRefresh);
    [[nodiscard]] Result<EndpointResponse> fill(const EndpointDefinition &endpoint, qint64 moodleUserId,
                                                bool forceRefresh, bool caching);
    [[nodiscard]] Result<EndpointResponse> fetchAndStore(const EndpointDefinition &endpoint, qint64 moodleUserId,
                                                         bool caching, std::optional<Snapshot> snapshot,
                                                         bool snapshotRead);
    [[nodiscard]] std::optional<RawCachedEntry> redisGet(const EndpointDefinition &endpoint, const QByteArray &key);
    void redisSet(const EndpointDefinition &endpoint, const QByteArray &key, const RawCachedEntry &entry);
    // nullopt + *failed when PostgreSQL could not be asked.
    [[nodiscard]] std::optional<Snapshot> snapshotGet(const EndpointDefinition &endpoint, qint64 moodleUserId,
                                                      bool *read);
    void snapshotPut(const EndpointDefinition &endpoint, qint64 moodleUserId, const QByteArray &dataJson,
                     qint64 fetchedAtMs);
    void scheduleEarlyRefresh(const EndpointDefinition &endpoint, qint64 moodleUserId, const QByteArray &key);
    [[nodiscard]] EndpointResponse respond(const EndpointDefinition &endpoint, qint64 moodleUserId,
                                           QByteArray dataJson, ReadSource source, qint64 fetchedAtMs,
                                           qint64 nowMs) const;
    [[nodiscard]] qint64 steadyMs() const;
    struct HealthyFeed {
        qint64 asOfMs = 0;          // the feed's data_as_of
        qint64 maxLagSeconds = 0;   // the lag in force: the channel's while it is healthy
    };
    // The fed endpoint's feed when it is healthy at nowMs; nullopt otherwise.
    [[nodiscard]] std::optional<HealthyFeed> healthyFeed(const EndpointDefinition &endpoint, qint64 nowMs);
    [[nodiscard]] Result<QHash<QString, qint64>> loadFeedStates();
    [[nodiscard]] Result<QList<ChannelHealthFacts>> loadChannels();
    // This thread's PostgreSQL session of the read path (its timeouts and name).
    [[nodiscard]] PgConnection &readConnection() const;

    const EndpointRegistry &m_registry;
    EndpointFetcher &m_fetcher;
    ReadStatistics &m_statistics;
    CachingEnabled m_cachingEnabled;
    Options m_options;
    EarlyRefreshPolicy m_earlyRefresh;
    SingleFlight m_flight;
    BackoffGate m_redisGate;
    BackoffGate m_pgGate;
    std::unique_ptr<FeedStateCache> m_feeds;

    std::mutex m_refreshMutex;
    QSet<QByteArray> m_refreshQueued;  // guarded by m_refreshMutex
    QThreadPool m_refreshPool;
};

}  // namespace tiersync
