#include "host/engineservices.h"

#include "budget/redistokenstore.h"
#include "budget/rediszohobudget.h"
#include "budget/zoholimitsrepository.h"
#include "cache/cacheengine.h"
#include "cache/heartbeatpublisher.h"
#include "core/logging.h"
#include "store/databaseopener.h"
#include "store/pgconnection.h"
#include "store/pglistener.h"
#include "store/retryeventrecorder.h"
#include "store/settingsrepository.h"
#include "zoho/zohobudget.h"
#include "zoho/zohoclient.h"
#include "zoho/zohoservice.h"

namespace tiersync {

std::shared_ptr<EngineServices> EngineServices::create(ConnectionProfile profile)
{
    return create(std::move(profile), Options{});
}

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
    // The limits listener first (it writes to the budget), the heartbeat (its sources read
    // the client), then the client (its last retry events go out), then the recorder
    // writes them.
    if (m_limitsListener)
        m_limitsListener->stop();
    m_limitsListener.reset();
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
    ZohoClientOptions zoho = m_options.zoho;
    if (m_options.shareThroughRedis) {
        if (!zoho.tokenStore)
            zoho.tokenStore = makeRedisTokenStore(m_profile.redis, m_profile.zoho, zoho.epochClock);
        if (!zoho.budget) {
            RedisZohoBudget::Options budgetOptions;
            budgetOptions.clock = zoho.epochClock;  // null: Redis TIME, one clock for every process
            zoho.budget = std::make_shared<RedisZohoBudget>(m_profile.redis, m_profile.zoho, loadLimits(zoho.limits),
                                                            std::move(budgetOptions));
            watchLimits(zoho.budget);
        }
    }
    m_zoho = std::make_shared<ZohoService>(m_profile.zoho, zoho);
    // record() is thread-safe; direct, because the Zoho thread must not wait for another.
    QObject::connect(m_zoho->client(), &ZohoClient::retryEvent, m_retries.get(), &RetryEventRecorder::record,
                     Qt::DirectConnection);
    // stats() is thread-safe; the source goes with the heartbeat, before the client.
    (void)m_heartbeat->addSource([client = m_zoho->client()](InstanceHeartbeat &beat) {
        describeZohoClient(*client, beat);
    });
    m_heartbeat->start();
    return m_zoho;
}

ZohoLimits EngineServices::loadLimits(const ZohoLimits &fallback) const
{
    // A missing or unreachable database costs this process its configured limits, never
    // its start: Zoho's defaults are the safe side (the free plan's).
    if (auto migrated = m_database->ensureMigrated(); !migrated) {
        qCWarning(lcZoho).noquote() << "Zoho limits: the database is not available (" << migrated.error().message
                                    << "); using the defaults until it is";
        return fallback;
    }
    ZohoLimitsRepository repository(PgConnection::forCurrentThread(m_profile.pg));
    auto limits = repository.load();
    if (!limits) {
        qCWarning(lcZoho).noquote() << "Zoho limits could not be read (" << limits.error().message
                                    << "); using the defaults";
        return fallback;
    }
    return *limits;
}

void EngineServices::watchLimits(const std::shared_ptr<ZohoBudget> &budget)
{
    // A change from `tiersync limits set` or the console NOTIFYs tiersync_settings in the
    // same transaction; every (re)connect re-reads, because NOTIFYs sent meanwhile are lost.
    PgListener::Options listenerOptions;
    listenerOptions.connectTimeoutSeconds = 2;
    listenerOptions.maxReconnectDelayMs = 5000;
    m_limitsListener = std::make_unique<PgListener>(
        m_profile.pg, QStringList{QString::fromLatin1(SettingsRepository::kChannel)}, listenerOptions);
    const std::weak_ptr<ZohoBudget> weak = budget;
    auto reread = [this, weak] {
        const std::shared_ptr<ZohoBudget> target = weak.lock();
        if (!target)
            return;
        ZohoLimitsRepository repository(PgConnection::forCurrentThread(m_profile.pg));
        auto limits = repository.load();
        if (!limits) {
            qCWarning(lcZoho).noquote() << "Zoho limits could not be re-read:" << limits.error().message;
            return;
        }
        if (*limits != target->limits()) {
            target->setLimits(*limits);
            qCInfo(lcZoho) << "Zoho limits changed: Books" << limits->books.perWindow << "per window,"
                           << limits->books.perDay << "per day; CRM" << limits->crm.perWindow << "per window,"
                           << limits->crm.perDay << "credits per day," << limits->crm.concurrency << "at once";
        }
    };
    // Both run on the listener's thread, which has its own PostgreSQL connection.
    QObject::connect(m_limitsListener.get(), &PgListener::notification, m_limitsListener.get(),
                     [reread](const QString &, const QString &payload) {
                         if (payload == QLatin1String(ZohoLimitsRepository::kNotifyKey))
                             reread();
                     },
                     Qt::DirectConnection);
    // Once LISTEN is in place (first and every later connect), a change saved before it
    // was would otherwise never be heard of.
    QObject::connect(m_limitsListener.get(), &PgListener::listening, m_limitsListener.get(), reread,
                     Qt::DirectConnection);
    m_limitsListener->start();
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

EngineServicesPool::EngineServicesPool() : EngineServicesPool(EngineServices::Options{}) {}

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
