#include "console/retrylogreader.h"

#include "cache/instancestore.h"
#include "console/connectioncheck.h"
#include "console/pollsettings.h"
#include "console/statisticsservice.h"
#include "redis/redisconnection.h"
#include "store/pgconnection.h"

#include <QDateTime>

#include <algorithm>

namespace tiersync {

namespace {

// The first load reads up to kFirstLoadLimit rows.
constexpr int kStatementTimeoutMs = 5000;

}  // namespace

RetryLogReader::RetryLogReader(std::shared_ptr<EngineServicesPool> pool, EpochClock clock)
    : m_clock(orSystemEpochClock(std::move(clock)))
{
    m_profile.setPool(std::move(pool));
}

RetryLogReader::~RetryLogReader() = default;

void RetryLogReader::setProfile(const ConnectionProfile &profile)
{
    m_profile.set(profile);
    m_loaded = false;
    m_lastId = 0;
    m_perMinute.clear();
    m_redis.reset();
}

RetryLogUpdate RetryLogReader::read()
{
    RetryLogUpdate update;
    if (!m_profile.isSet()) {
        update.logMessage = update.instancesMessage = QObject::tr("No connection profile is active yet.");
        return update;
    }
    readEvents(&update);
    readInstances(&update);
    return update;
}

void RetryLogReader::readEvents(RetryLogUpdate *update)
{
    const qint64 lastMinute = m_clock() / 60000;
    update->firstMinute = lastMinute - StatisticsService::kMinutes + 1;
    const auto fillChart = [&] {
        // Drop minutes that left the hour; the chart always has kMinutes points.
        while (!m_perMinute.isEmpty() && m_perMinute.firstKey() < update->firstMinute)
            m_perMinute.erase(m_perMinute.begin());
        update->retriesPerMinute.resize(StatisticsService::kMinutes);
        for (auto it = m_perMinute.cbegin(); it != m_perMinute.cend(); ++it) {
            const qint64 index = it.key() - update->firstMinute;
            if (index >= 0 && index < StatisticsService::kMinutes)
                update->retriesPerMinute[index] = it.value();
        }
    };

    PgConnection &connection =
        PgConnection::forCurrentThread(m_profile.profile().pg, pollPgOptions(kStatementTimeoutMs));
    if (auto migrated = m_profile.ensureMigrated(connection); !migrated) {
        update->logMessage = describeForAdmin(ConnectionCheck::Service::Postgres, migrated.error());
        fillChart();
        return;
    }
    auto events = RetryEventRepository(connection).newerThan(m_lastId, m_loaded ? kPollLimit : kFirstLoadLimit);
    if (!events) {
        update->logMessage = describeForAdmin(ConnectionCheck::Service::Postgres, events.error());
        fillChart();
        return;
    }
    update->logOk = true;
    update->reset = !m_loaded;
    m_loaded = true;
    update->added = *events;
    for (const RetryEventRepository::Stored &stored : std::as_const(update->added)) {
        m_lastId = std::max(m_lastId, stored.id);
        const qint64 minute = stored.event.at.toMSecsSinceEpoch() / 60000;
        if (minute >= update->firstMinute)
            ++m_perMinute[minute];
    }
    fillChart();
}

void RetryLogReader::readInstances(RetryLogUpdate *update)
{
    if (!m_redis)
        m_redis = std::make_unique<RedisConnection>(pollRedisSettings(m_profile.profile().redis));
    auto instances = InstanceStore(*m_redis).readAll();
    if (!instances) {
        update->instancesMessage = describeForAdmin(ConnectionCheck::Service::Redis, instances.error());
        return;
    }
    update->instancesKnown = true;
    update->instances = *instances;
}

}  // namespace tiersync
