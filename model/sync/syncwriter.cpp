#include "sync/syncwriter.h"

#include "cache/statsstore.h"
#include "cache/zohocallstore.h"
#include "cache/zohocalltally.h"
#include "core/logging.h"
#include "redis/redisconnection.h"
#include "store/pgconnection.h"
#include "sync/commitstep.h"

#include <QElapsedTimer>
#include <QThread>

namespace tiersync {

SyncWriter::SyncWriter(EntityDefinition entity, PgSettings pg, RedisSettings redis, qint64 stateTtlSeconds,
                       qint64 redisRetryIntervalMs, int maxQueuedBatches, ZohoCallTally *callTally,
                       EpochClock clock, bool cachingEnabled)
    : m_entity(std::move(entity))
    , m_pg(std::move(pg))
    , m_redis(std::move(redis))
    , m_stateTtlSeconds(stateTtlSeconds)
    , m_redisRetryIntervalMs(redisRetryIntervalMs)
    , m_maxQueued(std::max(1, maxQueuedBatches))
    , m_callTally(callTally)
    , m_clock(orSystemEpochClock(std::move(clock)))
    , m_cachingEnabled(cachingEnabled)
{
    m_sinceStart.start();
    m_thread = QThread::create([this] {
        loop();
        // Thread-local connections go with the thread; make it explicit for Redis.
        RedisConnection::dropForCurrentThread();
    });
    m_thread->setObjectName(QStringLiteral("sync-writer-%1").arg(m_entity.name));
    m_thread->start();
}

SyncWriter::~SyncWriter()
{
    {
        QMutexLocker locker(&m_mutex);
        m_stopping = true;
        m_cancelled = true;
        m_changed.wakeAll();
    }
    m_thread->wait();
    delete m_thread;
}

bool SyncWriter::submit(QList<Item> batch)
{
    return enqueue(Job{std::move(batch), {}});
}

bool SyncWriter::submitDeletions(QStringList ids)
{
    return enqueue(Job{{}, std::move(ids)});
}

bool SyncWriter::enqueue(Job job)
{
    QMutexLocker locker(&m_mutex);
    while (int(m_queue.size()) >= m_maxQueued && m_error.ok() && !m_cancelled)
        m_changed.wait(&m_mutex);
    if (!m_error.ok() || m_cancelled)
        return false;
    m_queue.push_back(std::move(job));
    m_changed.wakeAll();
    return true;
}

Status SyncWriter::drain()
{
    QMutexLocker locker(&m_mutex);
    while ((!m_queue.empty() || m_busy) && m_error.ok() && !m_cancelled)
        m_changed.wait(&m_mutex);
    while (m_busy)  // a cancelled batch in progress still finishes its commit and states
        m_changed.wait(&m_mutex);
    if (!m_error.ok())
        return m_error;
    if (m_cancelled)
        return makeError(ErrorKind::Cancelled, QStringLiteral("sync cancelled"));
    return {};
}

void SyncWriter::cancel()
{
    QMutexLocker locker(&m_mutex);
    m_cancelled = true;
    m_queue.clear();
    m_changed.wakeAll();
}

Status SyncWriter::error() const
{
    QMutexLocker locker(&m_mutex);
    return m_error;
}

SyncWriter::Totals SyncWriter::totals() const
{
    return Totals{m_synced.load(), m_upsertNs.load(), m_stateWriteNs.load(), m_redisDegraded.load()};
}

void SyncWriter::loop()
{
    QMutexLocker locker(&m_mutex);
    while (true) {
        while (m_queue.empty() && !m_stopping)
            m_changed.wait(&m_mutex);
        if (m_queue.empty() || m_cancelled)
            return;
        Job job = std::move(m_queue.front());
        m_queue.pop_front();
        m_busy = true;
        m_changed.wakeAll();  // room in the queue
        locker.unlock();
        Status written = write(job);
        locker.relock();
        m_busy = false;
        if (!written) {
            m_error = written;
            m_queue.clear();
        }
        m_changed.wakeAll();
        if (!written)
            return;
    }
}

Status SyncWriter::write(const Job &job)
{
    QElapsedTimer phase;
    phase.start();
    static const Result<CommitStep::Layout> layout = CommitStep::builtInLayout();
    if (!layout)
        return layout.error();
    CommitStep::Batch batch;
    batch.upserts.reserve(job.items.size());
    for (const Item &item : job.items)
        batch.upserts.append(CommitStep::Upsert{item.id, item.hash, item.record});
    batch.deletedIds = job.deletedIds;

    // Redis down: the commit still goes to PostgreSQL; Redis is tried again after the interval.
    const qint64 sinceStartMs = m_sinceStart.elapsed();
    CommitStep::Options options;
    options.stateTtlSeconds = m_stateTtlSeconds;
    options.cachingEnabled = m_cachingEnabled;
    options.clock = m_clock;
    options.writeRedis = m_redisRetryAtMs < 0 || sinceStartMs >= m_redisRetryAtMs;
    // The run's Zoho calls since the last write ride along (the organisation's budget).
    const qint64 calls = options.writeRedis && m_callTally ? m_callTally->take() : 0;
    batch.countingCommands =
        ZohoCallStore::addCommands(StatsStore::epochMinute(m_clock()), ZohoCallPurpose::Sync, quint64(calls));

    CommitStep step(m_entity, *layout, PgConnection::forCurrentThread(m_pg), RedisConnection::forCurrentThread(m_redis));
    auto committed = step.commit(batch, options);
    if (!committed) {
        if (calls > 0)
            m_callTally->giveBack(calls);
        m_upsertNs += phase.nsecsElapsed();
        return committed.error();
    }
    m_synced += committed->rowsUpserted;
    m_deleted += committed->rowsDeleted;
    m_upsertNs += phase.nsecsElapsed() - committed->redisNs;
    m_stateWriteNs += committed->redisNs;
    if (calls > 0 && !committed->countingApplied)
        m_callTally->giveBack(calls);
    if (!options.writeRedis)
        return {};
    if (committed->redisWritten) {
        m_redisRetryAtMs = -1;
    } else {
        if (m_redisRetryAtMs < 0)
            qCWarning(lcSync) << "Redis unavailable, states not written:" << committed->redisError.toString();
        m_redisDegraded = true;
        m_redisRetryAtMs = sinceStartMs + m_redisRetryIntervalMs;
    }
    return {};
}

}  // namespace tiersync
