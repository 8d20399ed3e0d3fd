#pragma once

#include "cache/endpointregistry.h"
#include "core/epochclock.h"
#include "core/pgsettings.h"
#include "core/redissettings.h"
#include "core/result.h"

#include <QObject>
#include <QStringList>

#include <atomic>

namespace tiersync {

// Copies PostgreSQL into Redis (DESIGN.md "The sync path": warming): entity rows
// become entity states, endpoint snapshots become endpoint keys in the very format the
// read path writes (CachedEntry), with the TTL the read path would give them. Rows
// are read in keyset chunks and written one pipeline per chunk. Blocking: call on a
// worker thread; it uses that thread's connections. Refused while caching is off
// (nothing may be written to Redis then).
class CacheWarmer final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CacheWarmer)

public:
    struct Options {
        int chunkSize = 1000;
        qint64 stateTtlSeconds = 24 * 3600;
        EpochClock clock;  // "now" for a snapshot's age; null: the system clock
    };
    // The server a failed warm's error came from: Redis for the writes, PostgreSQL for
    // the rows and the caching switch (and for the refusals that are no server's fault).
    enum class Server { Postgres, Redis };
    struct Report {
        qint64 rows = 0;     // rows read from PostgreSQL
        qint64 keys = 0;     // keys written to Redis
        qint64 skipped = 0;  // snapshots past their freshness window or of unknown endpoints
        qint64 durationMs = 0;
    };

    CacheWarmer(PgSettings pg, RedisSettings redis, EndpointRegistry endpoints, Options options,
                QObject *parent = nullptr);
    CacheWarmer(PgSettings pg, RedisSettings redis, EndpointRegistry endpoints, QObject *parent = nullptr);

    // Entity states of the given types (every one given).
    [[nodiscard]] Result<Report> warmEntities(const QStringList &entityTypes);
    // Endpoint keys of one endpoint, or of all when endpoint is empty.
    [[nodiscard]] Result<Report> warmEndpoints(const QString &endpoint = {});

    void cancel() { m_cancelled.store(true); }
    // Where the last warm that failed failed (Postgres until one failed on Redis).
    [[nodiscard]] Server failedOn() const { return m_failedOn; }

signals:
    // After each chunk; total -1 when unknown.
    void progress(qint64 done, qint64 total);

private:
    [[nodiscard]] Status checkCaching();

    PgSettings m_pg;
    RedisSettings m_redis;
    EndpointRegistry m_endpoints;
    Options m_options;
    std::atomic_bool m_cancelled{false};
    Server m_failedOn = Server::Postgres;
};

}  // namespace tiersync
