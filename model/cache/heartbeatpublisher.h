#pragma once

#include "cache/instanceheartbeat.h"
#include "core/epochclock.h"
#include "core/redissettings.h"
#include "core/result.h"

#include <QMap>

#include <condition_variable>
#include <functional>
#include <mutex>

class QThread;

namespace tiersync {

class RedisConnection;

// This process's heartbeat (InstanceStore: tiersync:v1:instance:{host}:{pid} and the
// tiersync:v1:instances registry), published about once a second on a thread and Redis
// connection of its own, and removed on stop(). One per process and profile
// (EngineServices owns it), so every process that calls Zoho — a `tiersync serve`, a CLI
// sync, the console — is seen once, and the count of live instances it gives is what
// each process's share of Zoho's limits is computed from when Redis is away.
//
// The parts of the process fill in what they know (the cache engine its caching switch,
// the Zoho client its circuit and queue) through sources, which run on the publisher's
// thread and must be thread-safe. Redis failures are logged once and retried next round.
class HeartbeatPublisher final {
public:
    using Source = std::function<void(InstanceHeartbeat &)>;

    explicit HeartbeatPublisher(RedisSettings redis, int intervalMs = 1000, EpochClock clock = {});
    ~HeartbeatPublisher();  // stop()
    Q_DISABLE_COPY_MOVE(HeartbeatPublisher)

    // Thread-safe; the id removes it again (before what it reads goes away).
    [[nodiscard]] int addSource(Source source);
    void removeSource(int id);

    // Idempotent. stop() removes the heartbeat so the instance disappears at once.
    void start();
    void stop();
    [[nodiscard]] bool isRunning() const;

    // The heartbeat as the next round would publish it.
    [[nodiscard]] InstanceHeartbeat current() const;
    // One round now, on the calling thread and connection (tests).
    [[nodiscard]] Status publish(RedisConnection &connection) const;

private:
    void run();

    RedisSettings m_redis;
    int m_intervalMs;
    EpochClock m_clock;
    qint64 m_startedAtMs = 0;

    mutable std::mutex m_sourcesMutex;
    QMap<int, Source> m_sources;
    int m_nextSourceId = 1;

    std::mutex m_threadMutex;  // start/stop
    QThread *m_thread = nullptr;
    std::mutex m_waitMutex;
    std::condition_variable m_wake;
    bool m_stopRequested = false;  // guarded by m_waitMutex
};

}  // namespace tiersync
