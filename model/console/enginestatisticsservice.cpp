#include "console/enginestatisticsservice.h"

#include "console/overviewreader.h"
#include "console/retrylogreader.h"

namespace tiersync {

EngineStatisticsService::EngineStatisticsService(std::shared_ptr<EngineServicesPool> pool, EpochClock clock,
                                                 std::shared_ptr<ServiceThread> loads, QObject *parent)
    : StatisticsService(parent),
      m_overview(std::make_unique<OverviewReader>(pool, clock)),
      m_retryLog(std::make_unique<RetryLogReader>(pool, std::move(clock))),
      m_loads(loads ? std::move(loads) : std::make_shared<ServiceThread>(QStringLiteral("console-statistics")))
{
}

EngineStatisticsService::~EngineStatisticsService()
{
    stop();
}

void EngineStatisticsService::stop()
{
    m_loads.close();
}

void EngineStatisticsService::answer(std::function<void()> emitter)
{
    // Dropped by Qt if the service is gone by then.
    QMetaObject::invokeMethod(this, std::move(emitter), Qt::QueuedConnection);
}

void EngineStatisticsService::setProfile(const ConnectionProfile &profile)
{
    m_loads.post([this, profile] {
        m_overview->setProfile(profile);
        m_retryLog->setProfile(profile);
    });
}

void EngineStatisticsService::loadOverview()
{
    m_loads.post([this] { answer([this, snapshot = m_overview->read()] { Q_EMIT overviewLoaded(snapshot); }); });
}

void EngineStatisticsService::loadRetryLog()
{
    m_loads.post([this] { answer([this, update = m_retryLog->read()] { Q_EMIT retryLogLoaded(update); }); });
}

}  // namespace tiersync
