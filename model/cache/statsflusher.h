#pragma once

#include "cache/instanceheartbeat.h"
#include "cache/statscounts.h"
#include "core/epochclock.h"
#include "core/redissettings.h"
#include "core/result.h"

#include <QHash>
#include <QString>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>

class QThread;

namespace tiersync {

class ReadStatistics;
class RedisConnection;

// Adds what ReadStatistics counted since the last flush to the shared stats hashes in
// Redis, about once a second, on a thread (and Redis connection) of its own. Only the
// difference is sent, and it is only marked as sent once Redis took it: while Redis is
// down the counts accumulate and go out with the first flush that succeeds (attributed
// to that minute). HINCRBY is not idempotent, so a pipeline whose connection broke
// mid-way may have been partly applied and is sent again whole: a count can come out
// slightly high after a Redis failure, never lost.
//
// With a heartbeat source, each round also publishes this instance's heartbeat
// (InstanceStore, TTL 10 s) so the console sees every running engine, and stop()
// removes it.
class StatsFlusher final {
public:
    // The engine's current state; host, pid, started_at and last_seen are filled in
    // here when left empty (last_seen always).
    using HeartbeatSource = std::function<InstanceHeartbeat()>;

    StatsFlusher(const ReadStatistics &statistics, RedisSettings redis, int intervalMs = 1000,
                 EpochClock clock = {});
    ~StatsFlusher();  // stops (with a last flush)
    Q_DISABLE_COPY_MOVE(StatsFlusher)

    // Before start().
    void setHeartbeatSource(HeartbeatSource source);
    void start();
    void stop();

    // One flush now, on the calling thread with the given connection (tests; shutdown).
    [[nodiscard]] Status flush(RedisConnection &connection);
    [[nodiscard]] quint64 flushCount() const { return m_flushes.load(); }
    // Publishes the heartbeat now (no-op without a source).
    [[nodiscard]] Status publishHeartbeat(RedisConnection &connection);

private:
    void run();
    [[nodiscard]] InstanceHeartbeat currentHeartbeat();

    const ReadStatistics &m_statistics;
    RedisSettings m_redis;
    int m_intervalMs;
    EpochClock m_clock;
    QThread *m_thread = nullptr;
    HeartbeatSource m_heartbeatSource;
    qint64 m_startedAtMs = 0;

    std::mutex m_flushMutex;  // one flush at a time; guards m_flushed
    QHash<QString, StatsCounts> m_flushed;
    std::atomic<quint64> m_flushes{0};

    std::mutex m_waitMutex;
    std::condition_variable m_wake;
    bool m_stopRequested = false;  // guarded by m_waitMutex
};

}  // namespace tiersync
