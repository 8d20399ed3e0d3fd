#include "cache/statsflusher.h"

#include "cache/instancestore.h"
#include "cache/readstatistics.h"
#include "cache/statsstore.h"
#include "core/logging.h"
#include "redis/redisconnection.h"

#include <QThread>

#include <chrono>

namespace tiersync {

StatsFlusher::StatsFlusher(const ReadStatistics &statistics, RedisSettings redis, int intervalMs,
                           EpochClock clock)
    : m_statistics(statistics)
    , m_redis(std::move(redis))
    , m_intervalMs(qMax(intervalMs, 10))
    , m_clock(orSystemEpochClock(std::move(clock)))
{
    m_startedAtMs = m_clock();
}

void StatsFlusher::setHeartbeatSource(HeartbeatSource source)
{
    m_heartbeatSource = std::move(source);
}

StatsFlusher::~StatsFlusher()
{
    stop();
}

void StatsFlusher::start()
{
    if (m_thread)
        return;
    {
        std::lock_guard lock(m_waitMutex);
        m_stopRequested = false;
    }
    m_thread = QThread::create([this] { run(); });
    m_thread->setObjectName(QStringLiteral("tiersync-stats-flush"));
    m_thread->start();
}

void StatsFlusher::stop()
{
    if (!m_thread)
        return;
    {
        std::lock_guard lock(m_waitMutex);
        m_stopRequested = true;
    }
    m_wake.notify_all();
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
}

void StatsFlusher::run()
{
    // A short command timeout: a hung Redis must not stall the flush thread for long.
    RedisSettings settings = m_redis;
    settings.connectTimeoutMs = qMin(settings.connectTimeoutMs, 1000);
    settings.commandTimeoutMs = qMin(settings.commandTimeoutMs, 2000);
    RedisConnection connection(settings);
    bool reportedFailure = false;
    bool reportedHeartbeatFailure = false;
    for (;;) {
        bool stopping = false;
        {
            std::unique_lock lock(m_waitMutex);
            m_wake.wait_for(lock, std::chrono::milliseconds(m_intervalMs), [this] { return m_stopRequested; });
            stopping = m_stopRequested;
        }
        const Status flushed = flush(connection);
        if (!flushed && !reportedFailure)
            qCWarning(lcRedis) << "statistics not flushed (kept for the next try):" << flushed.error().message;
        reportedFailure = !flushed;
        if (stopping) {
            if (m_heartbeatSource) {
                if (Status removed = InstanceStore(connection).remove(currentHeartbeat()); !removed)
                    qCInfo(lcRedis) << "instance heartbeat not removed (it expires by itself):"
                                    << removed.error().message;
            }
            return;
        }
        const Status published = publishHeartbeat(connection);
        if (!published && !reportedHeartbeatFailure)
            qCWarning(lcRedis) << "instance heartbeat not published:" << published.error().message;
        reportedHeartbeatFailure = !published;
    }
}

InstanceHeartbeat StatsFlusher::currentHeartbeat()
{
    InstanceHeartbeat heartbeat = m_heartbeatSource ? m_heartbeatSource() : InstanceHeartbeat{};
    if (heartbeat.host.isEmpty()) {
        const InstanceHeartbeat self = InstanceHeartbeat::forThisProcess();
        heartbeat.host = self.host;
        heartbeat.pid = self.pid;
    }
    if (heartbeat.startedAtMs == 0)
        heartbeat.startedAtMs = m_startedAtMs;
    heartbeat.lastSeenMs = m_clock();
    return heartbeat;
}

Status StatsFlusher::publishHeartbeat(RedisConnection &connection)
{
    if (!m_heartbeatSource)
        return {};
    return InstanceStore(connection).publish(currentHeartbeat());
}

Status StatsFlusher::flush(RedisConnection &connection)
{
    std::lock_guard lock(m_flushMutex);
    QList<QPair<QString, StatsCounts>> deltas;
    QHash<QString, StatsCounts> current;
    for (const QString &endpoint : m_statistics.endpoints()) {
        const StatsCounts now = m_statistics.counts(endpoint);
        current.insert(endpoint, now);
        const StatsCounts delta = now.since(m_flushed.value(endpoint));
        if (!delta.isZero())
            deltas.append({endpoint, delta});
    }
    if (deltas.isEmpty())
        return {};
    if (Status added = StatsStore(connection).add(StatsStore::epochMinute(m_clock()), deltas); !added)
        return added;
    m_flushed = current;
    m_flushes.fetch_add(1);
    return {};
}

}  // namespace tiersync
