#pragma once

#include "core/redissettings.h"
#include "core/result.h"
#include "sync/syncoptions.h"
#include "sync/syncreport.h"

#include <functional>
#include <memory>

namespace tiersync {

class DatabaseOpener;
class SyncOrchestrator;
class ZohoService;

// Runs one sync the way every front end does it (`tiersync sync`, the console's Sync
// page): finds the entity type, makes sure the database is migrated (once per process,
// through the shared opener), and runs a SyncOrchestrator on the process's one Zoho
// service. Blocks: call it on a worker thread (or a CLI's QtConcurrent task).
class SyncRunner final {
public:
    SyncRunner(std::shared_ptr<ZohoService> zoho, std::shared_ptr<DatabaseOpener> database, RedisSettings redis);

    // What the caller does around the run, on the running thread: attached() sees the
    // orchestrator before it starts (connect its signals, keep it for cancel(), which is
    // thread-safe) and detached() comes after it ended, before it is destroyed.
    struct Hooks {
        std::function<void(SyncOrchestrator &)> attached;
        std::function<void()> detached;
    };

    // An unknown type is InvalidArgument naming the known ones; a migration failure is
    // that error (no run is recorded); otherwise the orchestrator's result.
    [[nodiscard]] Result<SyncReport> run(const QString &entityType, SyncOptions options, const Hooks &hooks = {}) const;

private:
    std::shared_ptr<ZohoService> m_zoho;
    std::shared_ptr<DatabaseOpener> m_database;
    RedisSettings m_redis;
};

}  // namespace tiersync
