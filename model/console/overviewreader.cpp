#include "console/overviewreader.h"

#include "budget/zohobudgetstore.h"
#include "budget/zoholimitsrepository.h"
#include "cache/endpointregistry.h"
#include "cache/instancestore.h"
#include "cache/statsstore.h"
#include "cache/zohocallstore.h"
#include "console/connectioncheck.h"
#include "console/pollsettings.h"
#include "console/statisticsservice.h"
#include "redis/redisconnection.h"
#include "store/pgconnection.h"
#include "store/settingsrepository.h"
#include "zoho/zoholimits.h"

#include <QElapsedTimer>

#include <algorithm>

namespace tiersync {

namespace {

constexpr int kStatementTimeoutMs = 2000;

}  // namespace

OverviewReader::OverviewReader(std::shared_ptr<EngineServicesPool> pool, EpochClock clock)
    : m_clock(orSystemEpochClock(clock)), m_clockPinned(bool(clock))
{
    m_profile.setPool(std::move(pool));
    // The registry is compiled in: its names are the endpoints the servers count.
    if (auto registry = EndpointRegistry::builtIn())
        m_endpoints = registry->names();
    else
        m_registryError = registry.error().message;
}

OverviewReader::~OverviewReader() = default;

void OverviewReader::setProfile(const ConnectionProfile &profile)
{
    m_profile.set(profile);
    m_redis.reset();
}

OverviewSnapshot OverviewReader::read()
{
    OverviewSnapshot snapshot;
    snapshot.takenAtMs = m_clock();
    snapshot.minutes = StatisticsService::kMinutes;
    snapshot.firstMinute = StatsStore::epochMinute(snapshot.takenAtMs) - StatisticsService::kMinutes + 1;
    if (!m_profile.isSet()) {
        snapshot.redisMessage = snapshot.pgMessage = QObject::tr("No connection profile is active yet.");
        snapshot.zohoBudgetPerMinute = ZohoLimits{}.books.perWindow;
        return snapshot;
    }
    readRedis(&snapshot);
    readPostgres(&snapshot);
    const ZohoLimits limits = readBudget(&snapshot);
    // What the running engines are configured with; the organisation's limit when none says.
    for (const InstanceHeartbeat &instance : std::as_const(snapshot.instances))
        snapshot.zohoBudgetPerMinute = std::max(snapshot.zohoBudgetPerMinute, instance.zohoRequestsPerMinute);
    if (snapshot.zohoBudgetPerMinute <= 0)
        snapshot.zohoBudgetPerMinute =
            double(limits.books.perWindow) * 60000.0 / double(std::max<qint64>(1, limits.books.windowMs));
    return snapshot;
}

void OverviewReader::readRedis(OverviewSnapshot *snapshot)
{
    if (!m_redis)
        m_redis = std::make_unique<RedisConnection>(pollRedisSettings(m_profile.profile().redis));
    QElapsedTimer timer;
    timer.start();
    auto series = StatsStore(*m_redis).series(m_endpoints, snapshot->takenAtMs, snapshot->minutes);
    if (!series) {
        snapshot->redisMessage = describeForAdmin(ConnectionCheck::Service::Redis, series.error());
        return;
    }
    snapshot->redisLatencyMs = timer.elapsed();
    snapshot->redisOk = true;
    if (!m_registryError.isEmpty())
        snapshot->redisMessage = m_registryError;
    for (const QString &name : std::as_const(m_endpoints)) {
        OverviewSnapshot::Endpoint endpoint;
        endpoint.name = name;
        endpoint.perMinute = series->value(name);
        for (const StatsCounts &minute : std::as_const(endpoint.perMinute))
            endpoint.total += minute;
        snapshot->endpoints.append(endpoint);
    }
    auto zohoCalls = ZohoCallStore(*m_redis).series(snapshot->takenAtMs, snapshot->minutes);
    if (!zohoCalls) {
        snapshot->redisMessage = describeForAdmin(ConnectionCheck::Service::Redis, zohoCalls.error());
        return;
    }
    snapshot->zohoCalls = *zohoCalls;
    auto instances = InstanceStore(*m_redis).readAll();
    if (!instances) {
        snapshot->redisMessage = describeForAdmin(ConnectionCheck::Service::Redis, instances.error());
        return;
    }
    snapshot->instances = *instances;
}

void OverviewReader::readPostgres(OverviewSnapshot *snapshot)
{
    QElapsedTimer timer;
    timer.start();
    PgConnection &connection = PgConnection::forCurrentThread(m_profile.profile().pg, pollPgOptions(kStatementTimeoutMs));
    // The switch lives in tiersync.settings: a fresh database gets its schema first.
    if (auto migrated = m_profile.ensureMigrated(connection); !migrated) {
        snapshot->pgMessage = describeForAdmin(ConnectionCheck::Service::Postgres, migrated.error());
        return;
    }
    auto enabled = SettingsRepository(connection).cachingEnabled();
    if (!enabled) {
        snapshot->pgMessage = describeForAdmin(ConnectionCheck::Service::Postgres, enabled.error());
        return;
    }
    snapshot->pgLatencyMs = timer.elapsed();
    snapshot->pgOk = true;
    snapshot->cachingKnown = true;
    snapshot->cachingStored = *enabled;
}

ZohoLimits OverviewReader::readBudget(OverviewSnapshot *snapshot)
{
    ZohoLimits limits;  // Zoho's defaults unless the organisation's own can be read
    if (snapshot->pgOk) {
        PgConnection &connection = PgConnection::forCurrentThread(m_profile.profile().pg, pollPgOptions(kStatementTimeoutMs));
        if (auto stored = ZohoLimitsRepository(connection).load())
            limits = *stored;
        else
            snapshot->budgetLimitsMessage =
                QObject::tr("Zoho's default limits (%1)")
                    .arg(describeForAdmin(ConnectionCheck::Service::Postgres, stored.error()));
    } else {
        snapshot->budgetLimitsMessage = QObject::tr("Zoho's default limits: PostgreSQL could not be read");
    }
    if (!snapshot->redisOk || !m_redis) {
        snapshot->budgetMessage = QObject::tr("Redis could not be read, and the budget is kept there");
        return limits;
    }
    auto usage = ZohoBudgetStore(*m_redis, m_profile.profile().zoho).read(limits, m_clockPinned ? m_clock() : 0);
    if (!usage) {
        snapshot->budgetMessage = describeForAdmin(ConnectionCheck::Service::Redis, usage.error());
        return limits;
    }
    snapshot->budget = *usage;
    snapshot->budgetKnown = true;
    return limits;
}

}  // namespace tiersync
