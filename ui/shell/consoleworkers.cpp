#include "shell/consoleworkers.h"

#include "console/cacheadminworker.h"
#include "console/connectionchecker.h"
#include "console/keybrowserworker.h"
#include "console/overviewworker.h"
#include "console/retrylogworker.h"
#include "console/studentworker.h"
#include "console/syncworker.h"

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
{
    m_context.profiles = profiles;
    m_context.secrets = secrets;
    m_context.confirmer = confirmer;
    m_context.keyBrowser = adopt<KeyBrowserWorker>(m_threads, "console-keys");
    m_context.healthChecker = adopt<ConnectionChecker>(m_threads, "console-health");
    m_context.tester = adopt<ConnectionChecker>(m_threads, "console-tester");
    // Work that blocks its thread for long (a sync, a warm) gets a worker of its own, so
    // the lists beside it keep loading meanwhile.
    m_context.syncRunner =
        adopt<SyncWorker>(m_threads, "console-sync", [&clocks](SyncWorker *worker) { worker->setClocks(clocks); });
    m_context.syncHistory = adopt<SyncWorker>(m_threads, "console-sync-history");
    m_context.overview = adopt<OverviewWorker>(m_threads, "console-overview",
                                               [&clocks](OverviewWorker *worker) { worker->setClock(clocks.wall); });
    m_context.retryLog = adopt<RetryLogWorker>(m_threads, "console-retries",
                                               [&clocks](RetryLogWorker *worker) { worker->setClock(clocks.wall); });
    // Students: reads through a CacheEngine of its own.
    m_context.students = adopt<StudentWorker>(m_threads, "console-students",
                                              [&clocks](StudentWorker *worker) { worker->setClocks(clocks); });
    m_context.cacheActions = adopt<CacheAdminWorker>(m_threads, "console-cache");
    m_context.cacheLists = adopt<CacheAdminWorker>(m_threads, "console-cache-lists");
}

ConsoleWorkers::~ConsoleWorkers()
{
    stopAll();
}

void ConsoleWorkers::stopAll()
{
    m_threads.stopAll();
}

}  // namespace tiersync::ui
