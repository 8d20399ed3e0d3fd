#include "shell/consoleworkers.h"

#include "console/enginecacheadminservice.h"
#include "console/engineconnectioncheckservice.h"
#include "console/enginekeybrowserservice.h"
#include "console/enginereplicaservice.h"
#include "console/enginestatisticsservice.h"
#include "console/enginestudentreadservice.h"
#include "console/enginesyncrunservice.h"
#include "console/enginezoholimitsservice.h"
#include "console/servicethread.h"

namespace tiersync::ui {

ConsoleWorkers::ConsoleWorkers(ProfileStore *profiles, SecretStore *secrets, Confirmer *confirmer,
                               ConsoleClocks clocks)
    : m_pool(std::make_shared<EngineServicesPool>(engineServicesOptions(clocks))),
      m_loads(std::make_shared<ServiceThread>(QStringLiteral("console-loads")))
{
    m_context.profiles = profiles;
    m_context.secrets = secrets;
    m_context.confirmer = confirmer;
    // Domain services: quick loads share one thread, long jobs get threads of their own
    // while they run; pages call their methods.
    m_replica = std::make_unique<EngineReplicaService>(m_pool, clocks.wall, m_loads);
    m_context.replica = m_replica.get();
    m_syncRuns = std::make_unique<EngineSyncRunService>(m_pool, clocks, m_loads);
    m_context.syncRuns = m_syncRuns.get();
    m_statistics = std::make_unique<EngineStatisticsService>(m_pool, clocks.wall, m_loads);
    m_context.statistics = m_statistics.get();
    m_zohoLimits = std::make_unique<EngineZohoLimitsService>(m_pool, m_loads);
    m_context.zohoLimits = m_zohoLimits.get();
    // Checks wait on servers that may be dead: a thread of their own, not the loading one.
    m_connectionChecks = std::make_unique<EngineConnectionCheckService>(m_pool);
    m_context.connectionChecks = m_connectionChecks.get();
    m_cacheAdmin = std::make_unique<EngineCacheAdminService>(m_pool, clocks, m_loads);
    m_context.cacheAdmin = m_cacheAdmin.get();
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
    m_cacheAdmin->stop();  // the same for a warm
    m_replica->stop();
    m_statistics->stop();
    m_zohoLimits->stop();
    m_connectionChecks->stop();
    m_keys->stop();      // cancels a pattern count or delete, then joins
    m_students->stop();  // skips what is left of a lookup, then joins
    m_loads->stop();
    m_threads.stopAll();
}

}  // namespace tiersync::ui
