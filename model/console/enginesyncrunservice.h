#pragma once

#include "console/consoleclocks.h"
#include "console/longjobs.h"
#include "console/servicethread.h"
#include "console/syncrunservice.h"
#include "console/workerprofile.h"

#include <functional>
#include <memory>

namespace tiersync {

class EngineServicesPool;

// SyncRunService on the engine: SyncRunner on the console's one EngineServicesPool (one
// Zoho client, one migration per process) and SyncRunRepository for the history.
// A run blocks its thread for minutes, so each run goes to a pool thread that exists only
// while it runs, with a cancel token of its own; the history loads on the console's
// loading thread (a ServiceLane), so a refresh never waits behind a run. Answers hop back
// to the service's own thread. stop() (and the destructor) cancels the runs, waits for
// them to end, then closes its lane: nobody else needs to cancel anything at shutdown.
class EngineSyncRunService final : public SyncRunService {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EngineSyncRunService)

public:
    // clocks: what runs read (the minute Zoho calls are counted in); null: the system's.
    // loads: the thread the history loads on; null: one of the service's own.
    EngineSyncRunService(std::shared_ptr<EngineServicesPool> pool, ConsoleClocks clocks,
                         std::shared_ptr<ServiceThread> loads = {}, QObject *parent = nullptr);
    ~EngineSyncRunService() override;

    // Calls after this do nothing (startRun returns 0).
    void stop();

    void setProfile(const tiersync::ConnectionProfile &profile) override;
    void loadRuns(int limit) override;
    quint64 startRun(const QString &entityType, tiersync::SyncMode mode, int batchSize) override;
    void cancel(quint64 request) override;

private:
    // Emits on the service's own thread.
    void answer(std::function<void()> emitter);
    // On a run thread: the whole run, answered.
    void execute(quint64 request, const ConnectionProfile &profile, const QString &entityType, SyncMode mode,
                 int batchSize, CancelToken &token);
    // On the loading thread.
    void readRuns(int limit);

    ConsoleClocks m_clocks;
    ConnectionProfile m_profile;  // the service's thread
    bool m_haveProfile = false;   // the service's thread
    bool m_stopped = false;       // the service's thread
    quint64 m_lastRequest = 0;    // the service's thread
    WorkerProfile m_runProfile;      // run threads only (one run at a time)
    WorkerProfile m_historyProfile;  // the loading thread only
    LongJobs m_runs;
    ServiceLane m_history;
};

}  // namespace tiersync
