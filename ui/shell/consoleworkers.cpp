#include "shell/consoleworkers.h"

#include "console/cacheadminworker.h"
#include "console/connectionchecker.h"
#include "console/enginekeybrowserservice.h"
#include "console/enginereplicaservice.h"
#include "console/enginestudentreadservice.h"
#include "console/enginesyncrunservice.h"
#include "console/overviewworker.h"
#include "console/retrylogworker.h"
#include "console/servicethread.h"
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
    // Work that blocks its thread for long (a warm) gets a worker of its own, so the
    // lists beside it keep loading meanwhile.
    m_context.cacheActions = adopt<CacheAdminWorker>(m_threads, "console-cache", pooled);
    m_context.cacheLists = adopt<CacheAdminWorker>(m_threads, "console-cache-lists", pooled);
    m_context.zohoLimits = adopt<ZohoLimitsWorker>(m_threads, "console-limits", pooled);
    // Domain services: quick loads share one thread, long jobs get threads of their own
    // while they run; pages call their methods.
    m_replica = std::make_unique<EngineReplicaService>(m_pool, clocks.wall, m_loads);
    m_context.replica = m_replica.get();
    m_syncRuns = std::make_unique<EngineSyncRunService>(m_pool, clocks, m_loads);
    m_context.syncRuns = m_syncRuns.get();
    m_keys = std::make_unique<EngineKeyBrowserService>(m_loads);
    m_context.keyBrowser = m_keys.get();
    // Students: reads through a CacheEngine of its own, on the shared Zoho service.
    m_students = std::make_unique<EngineStudentReadService>(m_pool, clocks);
    m_context.students = m_students.get();
}

ConsoleWorkers::~ConsoleWorkers()
{
    stopAll();
}

void ConsoleWorkers::stopAll()
{
    m_syncRuns->stop();  // cancels a run still going, then joins
    m_replica->stop();
    m_keys->stop();      // cancels a pattern count or delete, then joins
    m_students->stop();  // skips what is left of a lookup, then joins
    m_loads->stop();
    m_threads.stopAll();
}

}  // namespace tiersync::ui
