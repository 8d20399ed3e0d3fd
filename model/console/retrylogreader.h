#pragma once

#include "console/retrylogupdate.h"
#include "console/workerprofile.h"
#include "core/connectionprofile.h"
#include "core/epochclock.h"

#include <QMap>

#include <memory>

namespace tiersync {

class RedisConnection;

// Reads the retry log for the Retries page. The first read() after setProfile() loads
// the newest kFirstLoadLimit retry events; each later one only the events stored since
// (by row id, so an event whose timestamp is older than one already seen — a recorder's
// late batch — is still found). It keeps the retries per minute of the last hour from
// what it has read, and reads the live instance heartbeats (circuit breakers) from
// Redis. Blocking: EngineStatisticsService runs it on the console's loading thread, and
// it is used on that thread only.
class RetryLogReader final {
public:
    static constexpr int kFirstLoadLimit = 5000;
    static constexpr int kPollLimit = 2000;

    // clock: "now" (the chart's minutes); null: the system clock.
    RetryLogReader(std::shared_ptr<EngineServicesPool> pool, EpochClock clock);
    ~RetryLogReader();
    Q_DISABLE_COPY_MOVE(RetryLogReader)

    void setProfile(const ConnectionProfile &profile);
    [[nodiscard]] RetryLogUpdate read();

private:
    void readEvents(RetryLogUpdate *update);
    void readInstances(RetryLogUpdate *update);

    WorkerProfile m_profile;
    bool m_loaded = false;  // the first load for this profile went through
    qint64 m_lastId = 0;
    QMap<qint64, int> m_perMinute;  // epoch minute → retries (the last kMinutes only)
    EpochClock m_clock;
    std::unique_ptr<RedisConnection> m_redis;
};

}  // namespace tiersync
