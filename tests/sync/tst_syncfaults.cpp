#include "pgtestdatabase.h"
#include "privatezohosim.h"
#include "simcontrol.h"
#include "synctesthelpers.h"
#include "testsandbox.h"

#include "sandbox/sandbox.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "store/retryeventrecorder.h"
#include "store/syncrunrepository.h"
#include "sync/syncorchestrator.h"
#include "zoho/zohoclient.h"
#include "zoho/zohoservice.h"

#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

#include <pqxx/pqxx>

#include <memory>

using namespace tiersync;
using namespace tiersync::test;
using sandbox::Sandbox;
using sandbox::Service;

namespace {

constexpr int kRedisDb = 42;  // this executable's Redis database on the fixture's server
constexpr int kProducts = 1312;

Result<qint64> countRetryEvents(const PgSettings &pg)
{
    PgConnection connection(pg);
    qint64 count = 0;
    Status counted = connection.transaction(QStringLiteral("count retry events"), [&count](pqxx::transaction_base &tx) {
        count = tx.exec1("SELECT count(*) FROM tiersync.retry_events WHERE outcome = 'retry'")[0].as<qint64>();
        return Status();
    });
    if (!counted)
        return counted.error();
    return count;
}

}  // namespace

// Faults during a sync: PostgreSQL or Redis stopped in the middle (a private sandbox,
// never the fixture's servers) and a zoho-sim answering errors (a private sim).
class TestSyncFaults final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_directory;
    std::unique_ptr<Sandbox> m_sandbox;
    ConnectionProfile m_private;  // the private sandbox
    std::unique_ptr<ZohoService> m_service;

    void setSimLatency(int latencyMs)
    {
        QJsonObject faults = noSimFaults();
        faults.insert(QStringLiteral("latency_ms"), QJsonArray{latencyMs, latencyMs});
        SYNC_VERIFY_OK(simPost(m_private.zoho.apiBase, QStringLiteral("/_sim/faults"), faults));
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_directory.isValid());
        m_sandbox = std::make_unique<Sandbox>(
            Sandbox::Options{m_directory.filePath(QStringLiteral("sandbox")), qEnvironmentVariable("TIERSYNC_ZOHO_SIM"), {}});
        auto state = m_sandbox->up();
        SYNC_VERIFY_OK(state);
        m_private = state->profile;
        PgConnection connection(m_private.pg);
        SYNC_VERIFY_OK(Migrator().migrate(connection));
        m_service = std::make_unique<ZohoService>(m_private.zoho, fastClientOptions());
    }

    void cleanupTestCase()
    {
        m_service.reset();
        if (m_sandbox)
            (void)m_sandbox->down();
    }

    void postgresKilledMidRun()
    {
        setSimLatency(40);
        SyncOptions options;
        options.pagesInFlight = 1;
        options.batchSize = 10;
        SyncOrchestrator sync(entityDefinition(QStringLiteral("products")), m_service->client(), m_private.pg,
                              m_private.redis, options);
        bool stopped = false;
        connect(&sync, &SyncOrchestrator::progress, this, [this, &stopped](const SyncProgress &) {
            if (stopped)
                return;
            stopped = true;
            QVERIFY(m_sandbox->stopService(Service::Postgres).ok());  // while the worker goes on
        }, Qt::QueuedConnection);
        auto report = runOnWorker(sync);
        QVERIFY(stopped);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Failed);
        QVERIFY(!report->run.error.isEmpty());
        QVERIFY(report->run.counters.synced < kProducts);
        setSimLatency(0);

        SYNC_VERIFY_OK(m_sandbox->startService(Service::Postgres));
        // No state claims a row that did not commit.
        auto stored = pgHashes(m_private.pg, QStringLiteral("products"));
        SYNC_VERIFY_OK(stored);
        auto states = redisStateHashes(m_private.redis, QStringLiteral("products"));
        SYNC_VERIFY_OK(states);
        for (auto it = states->cbegin(); it != states->cend(); ++it)
            QCOMPARE(stored->value(it.key()), it.value());

        // The next run completes to exact parity, and the failed run is recorded as failed.
        SyncOrchestrator again(entityDefinition(QStringLiteral("products")), m_service->client(), m_private.pg,
                               m_private.redis);
        auto next = runOnWorker(again);
        SYNC_VERIFY_OK(next);
        QCOMPARE(next->run.status, SyncRunStatus::Succeeded);
        auto expected = zohoHashes(m_service->client(), entityDefinition(QStringLiteral("products")));
        SYNC_VERIFY_OK(expected);
        auto after = pgHashes(m_private.pg, QStringLiteral("products"));
        SYNC_VERIFY_OK(after);
        QVERIFY(*after == *expected);
        auto statesAfter = redisStateHashes(m_private.redis, QStringLiteral("products"));
        SYNC_VERIFY_OK(statesAfter);
        QVERIFY(*statesAfter == *expected);
        PgConnection connection(m_private.pg);
        auto failedRun = SyncRunRepository(connection).get(report->run.id);
        SYNC_VERIFY_OK(failedRun);
        QVERIFY(failedRun->has_value());
        QCOMPARE((*failedRun)->status, SyncRunStatus::Failed);
    }

    void redisKilledMidRun()
    {
        setSimLatency(40);
        SyncOptions options;
        options.pagesInFlight = 1;
        options.mode = SyncMode::Full;  // write every entity: states go to Redis on every page
        options.batchSize = 10;
        SyncOrchestrator sync(entityDefinition(QStringLiteral("products")), m_service->client(), m_private.pg,
                              m_private.redis, options);
        bool stopped = false;
        connect(&sync, &SyncOrchestrator::progress, this, [this, &stopped](const SyncProgress &) {
            if (stopped)
                return;
            stopped = true;
            QVERIFY(m_sandbox->stopService(Service::Redis).ok());
        }, Qt::QueuedConnection);
        auto report = runOnWorker(sync);
        setSimLatency(0);
        QVERIFY(stopped);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
        QCOMPARE(report->run.counters.synced, kProducts);
        QVERIFY(report->redisDegraded);
        auto expected = zohoHashes(m_service->client(), entityDefinition(QStringLiteral("products")));
        SYNC_VERIFY_OK(expected);
        auto stored = pgHashes(m_private.pg, QStringLiteral("products"));
        SYNC_VERIFY_OK(stored);
        QVERIFY(*stored == *expected);

        // Redis back (empty): the next run skips everything on PostgreSQL's hashes.
        SYNC_VERIFY_OK(m_sandbox->startService(Service::Redis));
        SyncOrchestrator again(entityDefinition(QStringLiteral("products")), m_service->client(), m_private.pg,
                               m_private.redis);
        auto next = runOnWorker(again);
        SYNC_VERIFY_OK(next);
        QCOMPARE(next->run.status, SyncRunStatus::Succeeded);
        QCOMPARE(next->run.counters.synced, 0);
        QCOMPARE(next->run.counters.skipped, kProducts);
    }

    void flakyZohoStillSyncsEverything()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        auto database = PgTestDatabase::create(profile.pg, QStringLiteral("syncflaky"));
        SYNC_VERIFY_OK(database);
        {
            PgConnection connection((*database)->settings());
            SYNC_VERIFY_OK(Migrator().migrate(connection));
        }
        RedisSettings redis = profile.redis;
        redis.db = kRedisDb;
        SYNC_VERIFY_OK(flushRedisDb(redis));
        auto sim = PrivateZohoSim::start();
        SYNC_VERIFY_OK(sim);
        ZohoClientOptions clientOptions = fastClientOptions(12);
        clientOptions.requestTimeoutMs = 400;
        ZohoService service((*sim)->settings(), clientOptions);
        RetryEventRecorder recorder((*database)->settings());
        connect(service.client(), &ZohoClient::retryEvent, &recorder, &RetryEventRecorder::record);
        // Token first, then faults on the data calls only.
        auto expectedClean = zohoHashes(service.client(), entityDefinition(QStringLiteral("customers")));
        SYNC_VERIFY_OK(expectedClean);
        QJsonObject faults = noSimFaults();
        faults.insert(QStringLiteral("error_5xx"), 0.20);
        faults.insert(QStringLiteral("rate_429"), 0.05);
        faults.insert(QStringLiteral("timeout"), 0.05);
        faults.insert(QStringLiteral("timeout_ms"), 1500);
        SYNC_VERIFY_OK(simPost((*sim)->apiBase(), QStringLiteral("/_sim/faults"), faults));
        const quint64 retriesBefore = service.client()->stats().retries;

        // A run of 7 pages may draw no fault at all (about 1 in 10); over both runs
        // (20 pages) that is about 1 in 700, so the retry count is checked on the sum.
        qint64 runRetries = 0;
        for (const QString &type : {QStringLiteral("products"), QStringLiteral("customers")}) {
            SyncOrchestrator sync(entityDefinition(type), service.client(), (*database)->settings(), redis);
            auto report = runOnWorker(sync);
            SYNC_VERIFY_OK(report);
            QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
            QVERIFY(report->run.counters.zohoCalls > report->run.counters.pages);
            runRetries += report->run.counters.retries;
            QCOMPARE(report->run.counters.failed, 0);
            QCOMPARE(report->run.counters.synced, report->run.counters.fetched);
        }
        SYNC_VERIFY_OK(simPost((*sim)->apiBase(), QStringLiteral("/_sim/faults"), noSimFaults()));
        QVERIFY(runRetries > 0);
        QVERIFY(service.client()->stats().retries >= retriesBefore + quint64(runRetries));

        auto products = pgHashes((*database)->settings(), QStringLiteral("products"));
        SYNC_VERIFY_OK(products);
        auto expectedProducts = zohoHashes(service.client(), entityDefinition(QStringLiteral("products")));
        SYNC_VERIFY_OK(expectedProducts);
        QVERIFY(*products == *expectedProducts);
        auto customers = pgHashes((*database)->settings(), QStringLiteral("customers"));
        SYNC_VERIFY_OK(customers);
        QVERIFY(*customers == *expectedClean);

        // Every retry the client made is in retry_events.
        const qint64 retries = qint64(service.client()->stats().retries);
        QTRY_COMPARE_WITH_TIMEOUT(countRetryEvents((*database)->settings()).valueOr(-1), retries, 10000);
        SYNC_VERIFY_OK(flushRedisDb(redis));
    }
};

QTEST_GUILESS_MAIN(TestSyncFaults)
#include "tst_syncfaults.moc"
