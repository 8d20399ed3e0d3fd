#pragma once

#include "core/epochclock.h"
#include "core/pgsettings.h"
#include "core/redissettings.h"
#include "core/result.h"
#include "sync/entitydefinition.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QList>
#include <QMutex>
#include <QString>
#include <QStringList>
#include <QWaitCondition>

#include <atomic>
#include <deque>
#include <memory>

class QThread;

namespace tiersync {

class ZohoCallTally;

// The write half of a sync run, on a thread of its own so that PostgreSQL commits
// overlap with fetching, hashing and looking up the next pages: each submitted batch
// is upserted in one transaction, and only after that commit are its Redis states
// written (one pipeline) and the changed students' endpoint keys unlinked by name.
// Batches are written in submission order. The first failed commit stops the writer:
// later batches are dropped unwritten, and error() reports it. cancel() drops what
// has not started; the batch in progress completes (commit, then states), so a
// cancelled run is consistent.
//
// Uses its thread's own PostgreSQL and Redis connections (opened on first use, so a
// run with nothing to write never connects). Redis failures never stop it: states are
// then not written (PostgreSQL keeps the truth) and Redis is tried again after
// redisRetryIntervalMs.
class SyncWriter final {
public:
    struct Item {
        QString id;
        QString hash;
        QJsonObject record;
        int previousSyncCount = 0;  // from the Redis state; 0 when unknown
        bool existed = false;       // a live row (or state) existed before
        bool changed = true;        // content differs from what was stored
    };
    struct Totals {
        qint64 synced = 0;
        qint64 upsertNs = 0;
        qint64 stateWriteNs = 0;
        bool redisDegraded = false;
    };

    // callTally (optional, outlives the writer): the run's Zoho calls not yet counted in
    // Redis; each state pipeline takes them along (ZohoCallStore, purpose sync), in the
    // minute of clock (null: the system clock).
    SyncWriter(EntityDefinition entity, PgSettings pg, RedisSettings redis, qint64 stateTtlSeconds,
               qint64 redisRetryIntervalMs, int maxQueuedBatches = 8, ZohoCallTally *callTally = nullptr,
               EpochClock clock = {});
    ~SyncWriter();  // cancels and joins
    Q_DISABLE_COPY_MOVE(SyncWriter)

    // Queues one batch (one transaction); blocks while maxQueuedBatches are waiting.
    // False once the writer has failed or was cancelled.
    bool submit(QList<Item> batch);
    // FEED-BRANCH MINIMAL VERSION (wip-feed): the commit engineer's SyncWriter::submitDeletions
    // (wip-commit, through the commit step) replaces this one at the merge; keep theirs.
    // Queues the ids proven gone (CRM's deleted-records list) like a batch: in one
    // transaction their live rows get deleted_at, then their Redis states are unlinked.
    bool submitDeletions(QStringList ids);
    // Waits until every queued batch is written (or the writer failed / was cancelled).
    [[nodiscard]] Status drain();
    void cancel();

    [[nodiscard]] Status error() const;
    [[nodiscard]] qint64 synced() const { return m_synced.load(); }
    [[nodiscard]] Totals totals() const;

private:
    void loop();
    // One queued unit: a batch to upsert, or (feed branch) ids to mark deleted.
    struct Job {
        QList<Item> items;
        QStringList deletions;
    };

    [[nodiscard]] Status write(const QList<Item> &batch);
    [[nodiscard]] Status writeDeletions(const QStringList &ids);  // FEED-BRANCH MINIMAL VERSION

    EntityDefinition m_entity;
    PgSettings m_pg;
    RedisSettings m_redis;
    qint64 m_stateTtlSeconds;
    qint64 m_redisRetryIntervalMs;
    int m_maxQueued;
    ZohoCallTally *m_callTally;
    EpochClock m_clock;

    mutable QMutex m_mutex;
    QWaitCondition m_changed;
    std::deque<Job> m_queue;
    bool m_busy = false;
    bool m_stopping = false;
    bool m_cancelled = false;
    Status m_error;

    std::atomic<qint64> m_synced{0};
    std::atomic<qint64> m_upsertNs{0};
    std::atomic<qint64> m_stateWriteNs{0};
    std::atomic_bool m_redisDegraded{false};
    QElapsedTimer m_sinceStart;    // writer thread only: paces the Redis retries
    qint64 m_redisRetryAtMs = -1;  // writer thread only; on m_sinceStart
    QThread *m_thread = nullptr;
};

}  // namespace tiersync
