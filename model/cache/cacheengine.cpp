#include "cache/cacheengine.h"

#include "cache/heartbeatpublisher.h"
#include "cache/prometheustext.h"
#include "cache/readstatistics.h"
#include "cache/statsflusher.h"
#include "cache/tieredreader.h"
#include "cache/zohoendpointfetcher.h"
#include "core/logging.h"
#include "redis/redisconnection.h"
#include "store/databaseopener.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "zoho/zohobudget.h"
#include "zoho/zohoclient.h"
#include "zoho/zohoservice.h"

#include <QElapsedTimer>
#include <QJsonObject>

#include <pqxx/pqxx>

namespace tiersync {

namespace {

QJsonObject probe(const Status &status, qint64 elapsedMs, const QString &target)
{
    QJsonObject out{{QStringLiteral("ok"), status.ok()},
                    {QStringLiteral("target"), target},
                    {QStringLiteral("latency_ms"), double(elapsedMs)}};
    if (!status)
        out.insert(QStringLiteral("error"), status.error().message);
    return out;
}

}  // namespace

void describeZohoClient(const ZohoClient &client, InstanceHeartbeat &heartbeat)
{
    const ZohoStats zoho = client.stats();
    heartbeat.circuit = circuitStateName(zoho.circuit);
    heartbeat.zohoInFlight = zoho.inFlight;
    heartbeat.zohoQueued = zoho.queued;
    if (const std::shared_ptr<ZohoBudget> budget = client.budget()) {
        const FamilyLimits books = budget->limits().books;
        heartbeat.zohoRequestsPerMinute = double(books.perWindow) * 60000.0 / double(qMax<qint64>(1, books.windowMs));
        heartbeat.zohoBudgetMode = zohoBudgetModeName(budget->mode());  // no round trip
    }
}

CacheEngine::Options CacheEngine::servingOptions(const ConnectionProfile &profile)
{
    // Reads already fail over fast (ZohoClientOptions::readRetry, and a bounded wait for
    // budget); webhooks keep the client's full retry.
    Options options;
    options.profile = profile;
    return options;
}

Result<std::unique_ptr<CacheEngine>> CacheEngine::create(Options options)
{
    EndpointRegistry registry;
    if (options.registry) {
        registry = *options.registry;
    } else {
        auto builtIn = EndpointRegistry::builtIn();
        if (!builtIn)
            return builtIn.error();
        registry = std::move(*builtIn);
    }
    if (options.database || options.migrate) {
        Result<int> migrated = 0;
        if (options.database) {
            migrated = options.database->ensureMigrated();
        } else {
            PgConnection connection(options.profile.pg);
            migrated = Migrator().migrate(connection);
        }
        if (!migrated)
            qCWarning(lcPg) << "cache engine: database not migrated (snapshots and the switch may fail until it is):"
                            << migrated.error().message;
    }
    std::unique_ptr<CacheEngine> engine(new CacheEngine(std::move(options), std::move(registry)));
    engine->m_switch->start();
    engine->m_flusher->start();
    return engine;
}

CacheEngine::CacheEngine(Options options, EndpointRegistry registry)
    : m_options(std::move(options))
    , m_registry(std::move(registry))
{
    if (m_options.fetcher) {
        m_fetcher = m_options.fetcher;
    } else {
        m_zoho = m_options.zohoService ? m_options.zohoService
                                       : std::make_shared<ZohoService>(m_options.profile.zoho, m_options.zoho);
        m_fetcher = std::make_shared<ZohoEndpointFetcher>(m_zoho->api());
    }
    m_statistics = std::make_unique<ReadStatistics>(m_registry.names());

    CachingSwitch::Options switchOptions = m_options.cachingSwitch;
    switchOptions.forcedOff = switchOptions.forcedOff || CachingSwitch::forcedOffBy(m_options.environment);
    if (switchOptions.forcedOff)
        qCInfo(lcCore) << "caching forced off for this process by" << CachingSwitch::kEnvironmentVariable;
    m_switch = std::make_unique<CachingSwitch>(m_options.profile.pg, switchOptions);

    TieredReader::Options readerOptions;
    readerOptions.redis = m_options.profile.redis;
    readerOptions.pg = m_options.profile.pg;
    readerOptions.redisBackoffMs = m_options.redisBackoffMs;
    readerOptions.pgBackoffMs = m_options.pgBackoffMs;
    readerOptions.earlyRefreshBeta = m_options.earlyRefreshBeta;
    readerOptions.random = m_options.random;
    readerOptions.clock = m_options.clock;
    CachingSwitch *cachingSwitch = m_switch.get();
    m_reader = std::make_unique<TieredReader>(m_registry, *m_fetcher, *m_statistics,
                                              [cachingSwitch] { return cachingSwitch->isEnabled(); },
                                              readerOptions);
    m_flusher = std::make_unique<StatsFlusher>(*m_statistics, m_options.profile.redis,
                                               m_options.statsFlushIntervalMs, m_options.clock);
    // Circuit and switch are per process: the heartbeat lets the console see each one.
    // A shared Zoho service reports its own state to the process's heartbeat.
    const bool ownZoho = m_zoho && !m_options.zohoService;
    const auto describe = [this, ownZoho](InstanceHeartbeat &heartbeat) {
        heartbeat.cachingEnabled = m_switch->isEnabled();
        heartbeat.cachingForcedOff = m_switch->isForcedOff();
        if (ownZoho)
            describeZohoClient(*m_zoho->client(), heartbeat);
    };
    if (m_options.heartbeat) {
        m_heartbeatSource = m_options.heartbeat->addSource(describe);
    } else {
        m_flusher->setHeartbeatSource([describe] {
            InstanceHeartbeat heartbeat;
            describe(heartbeat);
            return heartbeat;
        });
    }
}

CacheEngine::~CacheEngine()
{
    if (m_options.heartbeat)
        m_options.heartbeat->removeSource(m_heartbeatSource);
    // Order: no more refreshes, then the last counts out, then the switch, then Zoho.
    m_reader.reset();
    m_flusher.reset();
    m_switch.reset();
    m_fetcher.reset();
    m_zoho.reset();
}

bool CacheEngine::hasEndpoint(const QString &endpoint) const
{
    return m_registry.contains(endpoint);
}

Result<EndpointResponse> CacheEngine::read(const QString &endpoint, qint64 moodleUserId, bool forceRefresh)
{
    return m_reader->read(endpoint, moodleUserId, forceRefresh);
}

ZohoClient *CacheEngine::zohoClient() const
{
    return m_zoho ? m_zoho->client() : nullptr;
}

CircuitState CacheEngine::zohoCircuit() const
{
    return m_zoho ? m_zoho->client()->stats().circuit : CircuitState::Closed;
}

QJsonObject CacheEngine::health()
{
    QElapsedTimer timer;
    timer.start();
    const Status redisStatus = RedisConnection::forCurrentThread(m_reader->redisSettings()).ping();
    const QJsonObject redis = probe(redisStatus, timer.restart(), m_reader->redisSettings().toUrl());

    PgConnection::Options pgOptions;
    pgOptions.connectTimeoutSeconds = 2;
    pgOptions.statementTimeoutMs = 2000;
    pgOptions.applicationName = QStringLiteral("tiersync-health");
    const Status pgStatus = PgConnection::forCurrentThread(m_options.profile.pg, pgOptions)
                                .nonTransaction(QStringLiteral("health check"),
                                                [](pqxx::transaction_base &txn) -> Status {
                                                    txn.exec("SELECT 1");
                                                    return {};
                                                },
                                                PgConnection::Idempotency::Idempotent);
    const QJsonObject postgres = probe(pgStatus, timer.elapsed(), m_options.profile.pg.describe());

    const CircuitState circuit = zohoCircuit();
    const bool healthy = redisStatus.ok() && pgStatus.ok() && circuit == CircuitState::Closed;
    return QJsonObject{
        {QStringLiteral("status"), healthy ? QStringLiteral("ok") : QStringLiteral("degraded")},
        {QStringLiteral("redis"), redis},
        {QStringLiteral("postgres"), postgres},
        {QStringLiteral("zoho"), QJsonObject{{QStringLiteral("circuit"), circuitStateName(circuit)}}},
        {QStringLiteral("caching_enabled"), m_switch->isEnabled()},
        {QStringLiteral("caching_forced_off"), m_switch->isForcedOff()},
        {QStringLiteral("settings_listener"), m_switch->isListening()},
    };
}

QByteArray CacheEngine::metrics()
{
    PrometheusInput input;
    for (const QString &endpoint : m_registry.names())
        input.endpoints.append({endpoint, m_statistics->counts(endpoint)});
    input.cachingEnabled = m_switch->isEnabled();
    input.circuit = zohoCircuit();
    return prometheusText(input);
}

Status CacheEngine::flushStatistics()
{
    return m_flusher->flush(RedisConnection::forCurrentThread(m_options.profile.redis));
}

}  // namespace tiersync
