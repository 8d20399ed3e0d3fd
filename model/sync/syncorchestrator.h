#pragma once

#include "core/pgsettings.h"
#include "core/redissettings.h"
#include "core/result.h"
#include "sync/entitydefinition.h"
#include "sync/syncoptions.h"
#include "sync/syncprogress.h"
#include "sync/syncreport.h"

#include <QObject>

#include <atomic>

namespace tiersync {

class ZohoClient;

// One sync run of one entity type (DESIGN.md "The sync path"). run() blocks and must
// be called on a worker thread (never the GUI thread, never the Zoho client's): it
// uses that thread's own PostgreSQL and Redis connections.
//
// Per page from Zoho: canonical hash of every entity → one pipelined HMGET of their
// Redis states → for ids Redis does not know (or all of them while Redis is down) one
// query of the content hashes in PostgreSQL → changed entities upserted in
// transactions of batchSize → only after each commit the batch's new states written
// to Redis in one pipeline (HSET + EXPIRE 24 h), and the affected endpoint keys of the
// changed students unlinked by name. An entity is never marked synced in Redis unless
// its row committed.
//
// Redis is an accelerator here, not a source of truth: while it is unreachable the
// run goes on with the hashes in PostgreSQL (slower, same result) and writes no
// states; the next run repairs the missing states from PostgreSQL as it skips.
//
// The run's Zoho calls (SyncPageFetcher::calls()) are counted in the organisation's
// per-minute budget (ZohoCallStore, purpose sync) inside those state pipelines, the
// rest in one write at the end; exactly the run's zoho_calls unless Redis failed.
//
// Modes: incremental skips unchanged entities; full writes every one, and is what runs
// whenever the caching switch is off. Only a full run that listed every page marks
// the live rows Zoho no longer returns as deleted (and drops their states), and only
// those Zoho confirms gone (GET by id: Books 404, CRM 204). A full run proves its listing
// complete: a catch-up lists what changed since the run began (minus an overlap) and
// syncs what the pages missed (records inserted or moved meanwhile); CRM's deleted list
// since the run began names records deleted after the listing passed them. A listing that
// shifted (ids twice, records the catch-up or a check by id found, deletions behind the
// cursor) is reported (listingShifted) and listed again, at most maxListingPasses times.
//
// One run per type across all instances: a PostgreSQL advisory lock; a second run is
// refused (ErrorKind::Conflict) naming the running one. Runs are recorded in
// sync_runs. cancel() may come at any moment: the run stops at the next page or batch
// boundary, after the batch in progress has committed and its states are written,
// and is recorded as cancelled.
class SyncOrchestrator final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SyncOrchestrator)

public:
    SyncOrchestrator(EntityDefinition entity, ZohoClient *client, PgSettings pg, RedisSettings redis,
                     SyncOptions options = {}, QObject *parent = nullptr);
    ~SyncOrchestrator() override;

    // The whole run. An Error only when no run could start (lock held elsewhere:
    // Conflict; PostgreSQL unreachable); a run that started always gives a report,
    // with status succeeded, failed (and the error) or cancelled.
    [[nodiscard]] Result<SyncReport> run();

    // Thread-safe; also before run() (the run then ends cancelled at once).
    void cancel();
    [[nodiscard]] bool isCancelled() const { return m_cancelled.load(); }

    [[nodiscard]] const EntityDefinition &entity() const { return m_entity; }
    [[nodiscard]] const SyncOptions &options() const { return m_options; }

signals:
    void started(qint64 runId, const QString &mode);
    // Once per page (and at the end), from the worker thread.
    void progress(const tiersync::SyncProgress &progress);
    void finished(const tiersync::SyncReport &report);

private:
    class Run;

    EntityDefinition m_entity;
    ZohoClient *m_client;
    PgSettings m_pg;
    RedisSettings m_redis;
    SyncOptions m_options;
    std::atomic_bool m_cancelled{false};
};

}  // namespace tiersync
