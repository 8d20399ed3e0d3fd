#include "shell/consoleworkers.h"

#include "console/connectionchecker.h"
#include "console/enginecacheadminservice.h"
#include "console/enginereplicaservice.h"
#include "console/enginesyncrunservice.h"
#include "console/keybrowserworker.h"
#include "console/overviewworker.h"
#include "console/retrylogworker.h"
#include "console/servicethread.h"
#include "console/studentworker.h"
#include "console/workerprofile.h"
#include "console/zoholimitsworker.h"

#include <functional>

namespace tiersync::ui {

namespace {

template <typename Worker>
Worker *adopt(WorkerThreads &threads, const char *threadName, const std::function<void(Worker *)> &setUp = {})
{
    auto *worker = new Worker;
    if (setUp)
        setUp(worker);  // before the worker moves to its thread
    threads.adopt(worker, QLatin1String(threadName));
    return worker;
}

}  // namespace

ConsoleWorkers::ConsoleWorkers(ProfileStore *profiles, SecretStore *secrets, Confirmer *confirmer,
                               ConsoleClocks clocks)
    : m_pool(std::make_shared<EngineServicesPool>(engineServicesOptions(clocks))),
      m_loads(std::make_shared<ServiceThread>(QStringLiteral("console-loads")))
{
    m_context.profiles = profiles;
    m_context.secrets = secrets;
    m_context.confirmer = confirmer;
    m_context.keyBrowser = adopt<KeyBrowserWorker>(m_threads, "console-keys");
    const std::shared_ptr<EngineServicesPool> &pool = m_pool;
    const auto pooled = [&pool](auto *worker) { worker->setServicesPool(pool); };
    m_context.healthChecker = adopt<ConnectionChecker>(m_threads, "console-health", pooled);
    m_context.tester = adopt<ConnectionChecker>(m_threads, "console-tester", pooled);
    m_context.overview = adopt<OverviewWorker>(m_threads, "console-overview", [&](OverviewWorker *worker) {
        worker->setClock(clocks.wall);
        pooled(worker);
    });
    m_context.retryLog = adopt<RetryLogWorker>(m_threads, "console-retries", [&](RetryLogWorker *worker) {
        worker->setClock(clocks.wall);
        pooled(worker);
    });
    // Students: reads through a CacheEngine of its own, on the shared Zoho service.
    m_context.students = adopt<StudentWorker>(m_threads, "console-students", [&](StudentWorker *worker) {
        worker->setClocks(clocks);
        pooled(worker);
    });
    m_context.zohoLimits = adopt<ZohoLimitsWorker>(m_threads, "console-limits", pooled);
    // Domain services: quick loads share one thread, long jobs get threads of their own
    // while they run; pages call their methods.
    m_replica = std::make_unique<EngineReplicaService>(m_pool, clocks.wall, m_loads);
    m_context.replica = m_replica.get();
    m_syncRuns = std::make_unique<EngineSyncRunService>(m_pool, clocks, m_loads);
    m_context.syncRuns = m_syncRuns.get();
    m_cacheAdmin = std::make_unique<EngineCacheAdminService>(m_pool, clocks, m_loads);
    m_context.cacheAdmin = m_cacheAdmin.get();
}

ConsoleWorkers::~ConsoleWorkers()
{
    stopAll();
}

void ConsoleWorkers::stopAll()
{
    m_syncRuns->stop();  // cancels a run still going, then joins
    m_cacheAdmin->stop();  // the same for a warm
    m_replica->stop();
    m_loads->stop();
    m_threads.stopAll();
}

}  // namespace tiersync::ui
