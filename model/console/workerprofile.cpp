#include "console/workerprofile.h"

#include "store/databaseopener.h"

namespace tiersync {

EngineServices::Options engineServicesOptions(const ConsoleClocks &clocks)
{
    EngineServices::Options options;
    options.clock = clocks.wall;
    if (clocks.zohoSteady)
        options.zoho.steadyClock = clocks.zohoSteady;
    return options;
}

void WorkerProfile::setPool(std::shared_ptr<EngineServicesPool> pool)
{
    m_pool = std::move(pool);
    m_services.reset();
}

void WorkerProfile::setFallbackOptions(EngineServices::Options options)
{
    m_fallbackOptions = std::move(options);
}

void WorkerProfile::set(const ConnectionProfile &profile)
{
    if (m_isSet && profile == m_profile)
        return;
    m_profile = profile;
    m_isSet = true;
    m_services.reset();
}

const std::shared_ptr<EngineServices> &WorkerProfile::services()
{
    Q_ASSERT(m_isSet);
    if (!m_services) {
        if (!m_pool)
            m_pool = std::make_shared<EngineServicesPool>(m_fallbackOptions);
        m_services = m_pool->servicesFor(m_profile);
    }
    return m_services;
}

Result<int> WorkerProfile::ensureMigrated(PgConnection &connection)
{
    return services()->database()->ensureMigrated(connection);
}

Result<int> WorkerProfile::ensureMigrated()
{
    return services()->database()->ensureMigrated();
}

}  // namespace tiersync
