#include "host/engineservices.h"

#include "cache/cacheengine.h"
#include "cache/heartbeatpublisher.h"
#include "store/databaseopener.h"
#include "store/retryeventrecorder.h"
#include "zoho/zohoclient.h"
#include "zoho/zohoservice.h"

namespace tiersync {

std::shared_ptr<EngineServices> EngineServices::create(ConnectionProfile profile, Options options)
{
    return std::shared_ptr<EngineServices>(new EngineServices(std::move(profile), std::move(options)));
}

EngineServices::EngineServices(ConnectionProfile profile, Options options)
    : m_profile(std::move(profile))
    , m_options(std::move(options))
    , m_database(std::make_shared<DatabaseOpener>(m_profile.pg, DatabaseOpener::Options{1000, m_options.clock}))
    , m_heartbeat(std::make_unique<HeartbeatPublisher>(m_profile.redis, 1000, m_options.clock))
{
}

EngineServices::~EngineServices()
{
    // The heartbeat first (its sources read the client), then the client (its last retry
    // events go out), then the recorder writes them.
    m_heartbeat->stop();
    m_zoho.reset();
    m_retries.reset();
}

std::shared_ptr<ZohoService> EngineServices::zoho()
{
    QMutexLocker lock(&m_mutex);
    if (m_zoho)
        return m_zoho;
    if (!m_retries)
        m_retries = std::make_unique<RetryEventRecorder>(m_profile.pg);
    m_zoho = std::make_shared<ZohoService>(m_profile.zoho, m_options.zoho);
    // record() is thread-safe; direct, because the Zoho thread must not wait for another.
    QObject::connect(m_zoho->client(), &ZohoClient::retryEvent, m_retries.get(), &RetryEventRecorder::record,
                     Qt::DirectConnection);
    // stats() is thread-safe; the source goes with the heartbeat, before the client.
    (void)m_heartbeat->addSource([client = m_zoho->client(), options = m_options.zoho](InstanceHeartbeat &beat) {
        describeZohoClient(*client, options, beat);
    });
    m_heartbeat->start();
    return m_zoho;
}

bool EngineServices::zohoStarted() const
{
    QMutexLocker lock(&m_mutex);
    return m_zoho != nullptr;
}

HeartbeatPublisher &EngineServices::heartbeat()
{
    m_heartbeat->start();
    return *m_heartbeat;
}

RetryEventRecorder *EngineServices::retries()
{
    QMutexLocker lock(&m_mutex);
    if (!m_retries)
        m_retries = std::make_unique<RetryEventRecorder>(m_profile.pg);
    return m_retries.get();
}

EngineServicesPool::EngineServicesPool(EngineServices::Options options) : m_options(std::move(options)) {}

std::shared_ptr<EngineServices> EngineServicesPool::servicesFor(const ConnectionProfile &profile)
{
    QMutexLocker lock(&m_mutex);
    for (qsizetype i = m_services.size() - 1; i >= 0; --i) {
        std::shared_ptr<EngineServices> services = m_services.at(i).lock();
        if (!services) {
            m_services.removeAt(i);
            continue;
        }
        if (services->profile() == profile)
            return services;
    }
    std::shared_ptr<EngineServices> services = EngineServices::create(profile, m_options);
    m_services.append(services);
    return services;
}

int EngineServicesPool::liveCount() const
{
    QMutexLocker lock(&m_mutex);
    int live = 0;
    for (const auto &weak : m_services)
        live += weak.expired() ? 0 : 1;
    return live;
}

}  // namespace tiersync
