#pragma once

#include "console/overviewsnapshot.h"
#include "console/retrylogupdate.h"
#include "core/connectionprofile.h"

#include <QObject>

namespace tiersync {

// What every running engine reports, as the console's monitoring pages see it: the
// Overview's snapshot (shared statistics, Zoho calls, instances, the caching switch, the
// organisation's Zoho budget) and the Retries page's retry log with the circuit of every
// instance. One service for both: they read the same stores (the statistics and
// heartbeats in Redis, PostgreSQL beside them) and poll the same way. Methods return at
// once; each answer arrives as one signal, on the thread that called. A server that
// cannot be read is reported inside the answer (in words naming it, made where the call
// was made), beside what could be read: a poll never fails as a whole.
// EngineStatisticsService is the engine's implementation; page tests use a fake.
class StatisticsService : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StatisticsService)

public:
    // Both answers cover the last hour, one value per minute.
    static constexpr int kMinutes = 60;

    explicit StatisticsService(QObject *parent = nullptr);
    ~StatisticsService() override;

    // A new profile: the retry log starts over (its next answer has reset set). Each page
    // of the service says which profile it shows; the same profile twice starts over twice.
    virtual void setProfile(const tiersync::ConnectionProfile &profile) = 0;
    // overviewLoaded, always.
    virtual void loadOverview() = 0;
    // retryLogLoaded, always: the first after setProfile holds the newest events, each
    // later one the events stored since the previous answer.
    virtual void loadRetryLog() = 0;

Q_SIGNALS:
    void overviewLoaded(const tiersync::OverviewSnapshot &snapshot);
    void retryLogLoaded(const tiersync::RetryLogUpdate &update);
};

}  // namespace tiersync
