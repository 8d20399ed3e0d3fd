#include "sync/syncwriter.h"

#include "cache/cachekeys.h"
#include "cache/statsstore.h"
#include "cache/zohocallstore.h"
#include "cache/zohocalltally.h"
#include "core/logging.h"
#include "redis/redisbatch.h"
#include "redis/redisconnection.h"
#include "store/entityrepository.h"
#include "store/pgconnection.h"
#include "store/pgvalues.h"
#include "sync/canonicaljson.h"
#include "sync/entitystate.h"
#include "sync/zohotime.h"

#include <QElapsedTimer>
#include <QThread>

#include <pqxx/pqxx>

namespace tiersync {

SyncWriter::SyncWriter(EntityDefinition entity, PgSettings pg, RedisSettings redis, qint64 stateTtlSeconds,
                       qint64 redisRetryIntervalMs, int maxQueuedBatches, ZohoCallTally *callTally,
                       EpochClock clock)
    : m_entity(std::move(entity))
    , m_pg(std::move(pg))
    , m_redis(std::move(redis))
    , m_stateTtlSeconds(stateTtlSeconds)
    , m_redisRetryIntervalMs(redisRetryIntervalMs)
    , m_maxQueued(std::max(1, maxQueuedBatches))
    , m_callTally(callTally)
    , m_clock(orSystemEpochClock(std::move(clock)))
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
    QMutexLocker locker(&m_mutex);
    while (int(m_queue.size()) >= m_maxQueued && m_error.ok() && !m_cancelled)
        m_changed.wait(&m_mutex);
    if (!m_error.ok() || m_cancelled)
        return false;
    m_queue.push_back(Job{std::move(batch), {}});
    m_changed.wakeAll();
    return true;
}

// FEED-BRANCH MINIMAL VERSION: replaced by wip-commit's (the commit step) at the merge.
bool SyncWriter::submitDeletions(QStringList ids)
{
    QMutexLocker locker(&m_mutex);
    while (int(m_queue.size()) >= m_maxQueued && m_error.ok() && !m_cancelled)
        m_changed.wait(&m_mutex);
    if (!m_error.ok() || m_cancelled)
        return false;
    if (ids.isEmpty())
        return true;
    m_queue.push_back(Job{{}, std::move(ids)});
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
        Status written = job.deletions.isEmpty() ? write(job.items) : writeDeletions(job.deletions);
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

Status SyncWriter::write(const QList<Item> &batch)
{
    QElapsedTimer phase;
    phase.start();
    QList<EntityRepository::Row> rows;
    rows.reserve(batch.size());
    for (const Item &item : batch) {
        EntityRepository::Row row;
        row.entityType = m_entity.name;
        row.zohoId = item.id;
        // The stored payload is the whole record in canonical form (volatile fields
        // included): jsonb normalises it anyway, and this skips a QJsonDocument pass.
        row.payload = canonicaljson::serialize(item.record, {});
        row.contentHash = item.hash;
        row.lastModifiedTime = parseZohoTime(item.record.value(m_entity.modifiedField));
        rows.append(std::move(row));
    }
    auto upserted = EntityRepository(PgConnection::forCurrentThread(m_pg)).upsert(rows);
    m_upsertNs += phase.nsecsElapsed();
    if (!upserted)
        return upserted.error();
    m_synced += rows.size();
    phase.restart();

    // Committed: now, and only now, the states may say so.
    const qint64 sinceStartMs = m_sinceStart.elapsed();
    if (m_redisRetryAtMs >= 0 && sinceStartMs < m_redisRetryAtMs)
        return {};
    RedisConnection &redis = RedisConnection::forCurrentThread(m_redis);
    QList<RedisHashWrite> states;
    states.reserve(rows.size());
    QList<QByteArray> endpointKeys;
    const QByteArray now = EntityState::nowText();
    for (qsizetype i = 0; i < rows.size(); ++i) {
        const Item &item = batch.at(i);
        const EntityRepository::Row &row = rows.at(i);
        EntityState state;
        state.contentHash = row.contentHash;
        state.localId = row.zohoId;
        state.lastModifiedTime = row.lastModifiedTime;
        state.syncCount = item.previousSyncCount > 0 ? item.previousSyncCount + 1 : (item.existed ? 0 : 1);
        states.append(state.toHashWrite(m_entity.name, row.zohoId, now));
        // A student's keys are named, one per affected endpoint: never a pattern on an id.
        if (item.changed && !m_entity.moodleUserIdField.isEmpty()) {
            bool ok = false;
            const qint64 moodleUserId = item.record.value(m_entity.moodleUserIdField).toVariant().toLongLong(&ok);
            if (ok && moodleUserId > 0)
                for (const QString &endpoint : m_entity.affects)
                    endpointKeys.append(cachekeys::endpointKey(endpoint, moodleUserId));
        }
    }
    // The run's Zoho calls since the last write ride along (the organisation's budget).
    const qint64 calls = m_callTally ? m_callTally->take() : 0;
    auto statesWritten = RedisBatch(redis).hsetExpireManyCounting(
        states, m_stateTtlSeconds,
        ZohoCallStore::addCommands(StatsStore::epochMinute(m_clock()), ZohoCallPurpose::Sync, quint64(calls)));
    if (calls > 0 && !(statesWritten && *statesWritten))
        m_callTally->giveBack(calls);
    Status stored = statesWritten ? Status() : Status(statesWritten.error());
    if (stored && !endpointKeys.isEmpty()) {
        auto removed = RedisBatch(redis).unlinkMany(endpointKeys);
        if (!removed)
            stored = removed.error();
    }
    if (stored) {
        m_redisRetryAtMs = -1;
    } else {
        if (m_redisRetryAtMs < 0)
            qCWarning(lcSync) << "Redis unavailable, states not written:" << stored.error().toString();
        m_redisDegraded = true;
        m_redisRetryAtMs = sinceStartMs + m_redisRetryIntervalMs;
    }
    m_stateWriteNs += phase.nsecsElapsed();
    return {};
}

// FEED-BRANCH MINIMAL VERSION: replaced by wip-commit's (the commit step) at the merge.
Status SyncWriter::writeDeletions(const QStringList &ids)
{
    QElapsedTimer phase;
    phase.start();
    PgConnection &pg = PgConnection::forCurrentThread(m_pg);
    Status marked = pg.transaction(
        QStringLiteral("marking %1 %2 deleted").arg(ids.size()).arg(m_entity.name),
        [&](pqxx::transaction_base &txn) -> Status {
            txn.exec_params("UPDATE tiersync.entities SET deleted_at = now()"
                            " WHERE entity_type = $1 AND zoho_id = ANY($2::text[]) AND deleted_at IS NULL",
                            m_entity.name.toStdString(), toPgTextArray(ids));
            return {};
        },
        PgConnection::Idempotency::Idempotent);
    m_upsertNs += phase.nsecsElapsed();
    if (!marked)
        return marked;
    phase.restart();
    // A deleted row must not look synced, or its return with the same content would be skipped.
    const qint64 sinceStartMs = m_sinceStart.elapsed();
    if (m_redisRetryAtMs >= 0 && sinceStartMs < m_redisRetryAtMs)
        return {};
    QList<QByteArray> keys;
    keys.reserve(ids.size());
    for (const QString &id : ids)
        keys.append(cachekeys::entityStateKey(m_entity.name, id));
    auto removed = RedisBatch(RedisConnection::forCurrentThread(m_redis)).unlinkMany(keys);
    if (removed) {
        m_redisRetryAtMs = -1;
    } else {
        if (m_redisRetryAtMs < 0)
            qCWarning(lcSync) << "Redis unavailable, deleted states not removed:" << removed.error().toString();
        m_redisDegraded = true;
        m_redisRetryAtMs = sinceStartMs + m_redisRetryIntervalMs;
    }
    m_stateWriteNs += phase.nsecsElapsed();
    return {};
}

}  // namespace tiersync
