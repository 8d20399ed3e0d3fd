#pragma once

#include "console/workerprofile.h"
#include "console/retrylogupdate.h"
#include "core/connectionprofile.h"
#include "core/epochclock.h"

#include <QMap>
#include <QObject>

#include <functional>
#include <memory>

namespace tiersync {

class RedisConnection;

// The Retries page's engine side, on a worker thread (WorkerThreads). The first
// refresh() after setProfile() loads the newest kFirstLoadLimit retry events; each
// later one only the events stored since (by row id, so an event whose timestamp is
// older than one already seen — a recorder's late batch — is still found). It keeps
// the retries per minute of the last hour from what it has read, and reads the live
// instance heartbeats (circuit breakers) from Redis. One retryLogLoaded per refresh.
class RetryLogWorker final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RetryLogWorker)

public:
    // The console's one pool of services (before the worker moves to its thread).
    void setServicesPool(std::shared_ptr<tiersync::EngineServicesPool> pool);
    static constexpr int kFirstLoadLimit = 5000;
    static constexpr int kPollLimit = 2000;
    static constexpr int kMinutes = 60;

    explicit RetryLogWorker(QObject *parent = nullptr);
    ~RetryLogWorker() override;

    void setClock(EpochClock clock);

public Q_SLOTS:
    void setProfile(const tiersync::ConnectionProfile &profile);
    void refresh();

Q_SIGNALS:
    void retryLogLoaded(const tiersync::RetryLogUpdate &update);

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
