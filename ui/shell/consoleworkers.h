#pragma once

#include "common/consolecontext.h"
#include "console/consoleclocks.h"
#include "console/workerthreads.h"
#include "host/engineservices.h"

#include <memory>

namespace tiersync {
class EngineCacheAdminService;
class EngineConnectionCheckService;
class EngineKeyBrowserService;
class EngineReplicaService;
class EngineStatisticsService;
class EngineStudentReadService;
class EngineSyncRunService;
class EngineZohoLimitsService;
class ServiceThread;
}

namespace tiersync::ui {

// Every engine worker the window talks to, each on a thread of its own, and the context
// that hands them to MainWindow. The app, the UI tests and the benchmarks build the
// console this one way, so what they test is what ships. Stores and the confirmer stay
// the caller's (tests swap them for in-memory ones), and so are the clocks (tests pin them;
// the app leaves them to the system).
class ConsoleWorkers final {
public:
    ConsoleWorkers(ProfileStore *profiles, SecretStore *secrets, Confirmer *confirmer, ConsoleClocks clocks = {});
    // Stops and joins every worker thread.
    ~ConsoleWorkers();
    Q_DISABLE_COPY_MOVE(ConsoleWorkers)

    [[nodiscard]] const ConsoleContext &context() const { return m_context; }
    // For workers the caller adds (the embedded server, the traffic generator).
    [[nodiscard]] WorkerThreads &threads() { return m_threads; }
    // The process's services per profile, shared by every worker (and the embedded
    // server): one Zoho client, one token and one migration per profile.
    [[nodiscard]] const std::shared_ptr<EngineServicesPool> &servicesPool() const { return m_pool; }
    // Stops every worker; the context's workers are gone afterwards.
    void stopAll();

private:
    std::shared_ptr<EngineServicesPool> m_pool;  // outlives the workers that hold its services
    // The domain services' quick loads, one after another (long jobs run elsewhere).
    std::shared_ptr<ServiceThread> m_loads;
    WorkerThreads m_threads;
    std::unique_ptr<EngineReplicaService> m_replica;
    std::unique_ptr<EngineSyncRunService> m_syncRuns;
    std::unique_ptr<EngineStatisticsService> m_statistics;
    std::unique_ptr<EngineZohoLimitsService> m_zohoLimits;
    std::unique_ptr<EngineConnectionCheckService> m_connectionChecks;  // on a thread of its own
    std::unique_ptr<EngineCacheAdminService> m_cacheAdmin;
    std::unique_ptr<EngineKeyBrowserService> m_keys;
    std::unique_ptr<EngineStudentReadService> m_students;
    ConsoleContext m_context;
};

}  // namespace tiersync::ui
