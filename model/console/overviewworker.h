#pragma once

#include "console/workerprofile.h"
#include "console/overviewsnapshot.h"
#include "core/connectionprofile.h"
#include "core/epochclock.h"
#include "zoho/zoholimits.h"

#include <QObject>
#include <QStringList>

#include <functional>
#include <memory>

namespace tiersync {

class RedisConnection;

// The Overview page's engine side, on a worker thread (WorkerThreads). Each refresh()
// reads, in a few round trips: the shared per-minute statistics of the last hour for
// every endpoint (one pipeline), the organisation's Zoho calls per minute by purpose
// (one pipeline), the live instance heartbeats (SCAN, one pipeline),
// settings.caching_enabled and the Zoho limits, and the organisation's shared Zoho budget
// (one script, ZohoBudgetStore), and answers with one overviewLoaded. A service that
// cannot be reached is reported inside the snapshot, in words; the rest still shows.
// Short timeouts keep a poll from hanging on a dead server.
class OverviewWorker final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OverviewWorker)

public:
    // The console's one pool of services (before the worker moves to its thread).
    void setServicesPool(std::shared_ptr<tiersync::EngineServicesPool> pool);
    static constexpr int kMinutes = 60;

    explicit OverviewWorker(QObject *parent = nullptr);
    ~OverviewWorker() override;

    // Tests: pin "now" (the statistics are keyed by minute).
    void setClock(EpochClock clock);

public Q_SLOTS:
    void setProfile(const tiersync::ConnectionProfile &profile);
    void refresh();

Q_SIGNALS:
    void overviewLoaded(const tiersync::OverviewSnapshot &snapshot);

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
