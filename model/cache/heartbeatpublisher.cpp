#include "cache/heartbeatpublisher.h"

#include "cache/instancestore.h"
#include "core/logging.h"
#include "redis/redisconnection.h"

#include <QThread>

#include <chrono>

namespace tiersync {

HeartbeatPublisher::HeartbeatPublisher(RedisSettings redis, int intervalMs, EpochClock clock)
    : m_redis(std::move(redis))
    , m_intervalMs(qMax(intervalMs, 10))
    , m_clock(orSystemEpochClock(std::move(clock)))
{
    m_startedAtMs = m_clock();
}

HeartbeatPublisher::~HeartbeatPublisher()
{
    stop();
}

int HeartbeatPublisher::addSource(Source source)
{
    std::lock_guard lock(m_sourcesMutex);
    const int id = m_nextSourceId++;
    m_sources.insert(id, std::move(source));
    return id;
}

void HeartbeatPublisher::removeSource(int id)
{
    // Held while a round reads the sources: once this returns, none of it runs again.
    std::lock_guard lock(m_sourcesMutex);
    m_sources.remove(id);
}

void HeartbeatPublisher::start()
{
    std::lock_guard threadLock(m_threadMutex);
    if (m_thread)
        return;
    {
        std::lock_guard lock(m_waitMutex);
        m_stopRequested = false;
    }
    m_thread = QThread::create([this] { run(); });
    m_thread->setObjectName(QStringLiteral("tiersync-heartbeat"));
    m_thread->start();
}

void HeartbeatPublisher::stop()
{
    std::lock_guard threadLock(m_threadMutex);
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

bool HeartbeatPublisher::isRunning() const
{
    return m_thread != nullptr;
}

InstanceHeartbeat HeartbeatPublisher::current() const
{
    InstanceHeartbeat heartbeat = InstanceHeartbeat::forThisProcess();
    {
        std::lock_guard lock(m_sourcesMutex);
        for (const Source &source : m_sources)
            source(heartbeat);
    }
    heartbeat.startedAtMs = m_startedAtMs;
    heartbeat.lastSeenMs = m_clock();
    return heartbeat;
}

Status HeartbeatPublisher::publish(RedisConnection &connection) const
{
    return InstanceStore(connection).publish(current());
}

void HeartbeatPublisher::run()
{
    // Short timeouts: a hung Redis must not hold the round (or stop()) for long.
    RedisSettings settings = m_redis;
    settings.connectTimeoutMs = qMin(settings.connectTimeoutMs, 1000);
    settings.commandTimeoutMs = qMin(settings.commandTimeoutMs, 2000);
    RedisConnection connection(settings);
    bool reportedFailure = false;
    for (;;) {
        const Status published = publish(connection);
        if (!published && !reportedFailure)
            qCWarning(lcRedis) << "instance heartbeat not published (retried every round):"
                               << published.error().message;
        reportedFailure = !published;
        std::unique_lock lock(m_waitMutex);
        m_wake.wait_for(lock, std::chrono::milliseconds(m_intervalMs), [this] { return m_stopRequested; });
        if (m_stopRequested)
            break;
    }
    if (Status removed = InstanceStore(connection).remove(current()); !removed)
        qCInfo(lcRedis) << "instance heartbeat not removed (it expires by itself):" << removed.error().message;
}

}  // namespace tiersync
