#pragma once

#include "console/servicethread.h"
#include "console/statisticsservice.h"
#include "core/epochclock.h"

#include <functional>
#include <memory>

namespace tiersync {

class EngineServicesPool;
class OverviewReader;
class RetryLogReader;

// StatisticsService on the engine: OverviewReader and RetryLogReader against the active
// profile's Redis and PostgreSQL (through the console's one EngineServicesPool: the
// database is migrated once per process). Every read is quick and bounded by short
// timeouts, so both run in turn on the console's loading thread (a ServiceLane of it);
// answers hop back to the service's own thread. stop() (and the destructor) drop the
// reads not begun and wait for the one in progress.
class EngineStatisticsService final : public StatisticsService {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EngineStatisticsService)

public:
    // clock: "now" for both (the statistics and retries are counted per minute of it);
    // null: the system clock. loads: the thread the reads run on; null: one of the
    // service's own.
    EngineStatisticsService(std::shared_ptr<EngineServicesPool> pool, EpochClock clock,
                            std::shared_ptr<ServiceThread> loads = {}, QObject *parent = nullptr);
    ~EngineStatisticsService() override;

    // Calls after this do nothing.
    void stop();

    void setProfile(const tiersync::ConnectionProfile &profile) override;
    void loadOverview() override;
    void loadRetryLog() override;

private:
    // Emits on the service's own thread.
    void answer(std::function<void()> emitter);

    std::unique_ptr<OverviewReader> m_overview;  // the loading thread only
    std::unique_ptr<RetryLogReader> m_retryLog;  // the loading thread only
    ServiceLane m_loads;
};

}  // namespace tiersync
