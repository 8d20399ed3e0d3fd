#pragma once

#include "console/overviewsnapshot.h"
#include "console/workerprofile.h"
#include "core/connectionprofile.h"
#include "core/epochclock.h"
#include "zoho/zoholimits.h"

#include <QStringList>

#include <memory>

namespace tiersync {

class RedisConnection;

// Reads one OverviewSnapshot, in a few round trips: the shared per-minute statistics of
// the last hour for every endpoint (one pipeline), the organisation's Zoho calls per
// minute by purpose (one pipeline), the live instance heartbeats (SCAN, one pipeline),
// settings.caching_enabled and the Zoho limits, and the organisation's shared Zoho
// budget (one script, ZohoBudgetStore). A server that cannot be reached is reported
// inside the snapshot, in words naming it; the rest still shows. Short timeouts keep a
// poll from hanging on a dead server. Blocking: EngineStatisticsService runs it on the
// console's loading thread, and it is used on that thread only.
class OverviewReader final {
public:
    // clock: "now" (the statistics are keyed by minute); null: the system clock, and the
    // budget is read at Redis's TIME.
    OverviewReader(std::shared_ptr<EngineServicesPool> pool, EpochClock clock);
    ~OverviewReader();
    Q_DISABLE_COPY_MOVE(OverviewReader)

    void setProfile(const ConnectionProfile &profile);
    [[nodiscard]] OverviewSnapshot read();

private:
    void readRedis(OverviewSnapshot *snapshot);
    void readPostgres(OverviewSnapshot *snapshot);
    // After readPostgres: the limits come from tiersync.zoho_limits (returned; Zoho's
    // defaults when PostgreSQL cannot be read).
    [[nodiscard]] ZohoLimits readBudget(OverviewSnapshot *snapshot);

    WorkerProfile m_profile;
    QStringList m_endpoints;
    QString m_registryError;
    EpochClock m_clock;
    bool m_clockPinned = false;  // the budget is read at the pinned time, else at Redis TIME
    std::unique_ptr<RedisConnection> m_redis;
};

}  // namespace tiersync
