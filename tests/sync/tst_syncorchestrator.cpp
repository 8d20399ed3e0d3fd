#include "pgtestdatabase.h"
#include "privatezohosim.h"
#include "simcontrol.h"
#include "synctesthelpers.h"
#include "testsandbox.h"

#include "cache/cachekeys.h"
#include "redis/redisconnection.h"
#include "store/advisorylock.h"
#include "store/entityrepository.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "store/settingsrepository.h"
#include "store/syncrunrepository.h"
#include "sync/syncorchestrator.h"
#include "zoho/zohoclient.h"
#include "zoho/zohoservice.h"

#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace tiersync;
using namespace tiersync::test;

namespace {

constexpr int kRedisDb = 41;  // this executable's Redis database on the fixture's server
constexpr int kProducts = 1312;

}  // namespace

// Syncs products from a private zoho-sim (the tests mutate its data) into a scratch
// database and Redis db 41 of the fixture's servers. The test functions build on each
// other in order: cold sync, no-change resync, mutations, full mode, deletions.
class TestSyncOrchestrator final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<SyncOrchestrator> orchestrator(SyncOptions options = {}, ZohoClient *client = nullptr)
    {
        return std::make_unique<SyncOrchestrator>(entityDefinition(QStringLiteral("products")),
                                                  client ? client : m_service->client(), m_database->settings(),
                                                  m_redis, options);
    }

    // Same ids and hashes in PostgreSQL, in Redis and in the sim.
    void verifyParity(ZohoClient *client = nullptr)
    {
        auto expected = zohoHashes(client ? client : m_service->client(), entityDefinition(QStringLiteral("products")));
        SYNC_VERIFY_OK(expected);
        auto stored = pgHashes(m_database->settings(), QStringLiteral("products"));
        SYNC_VERIFY_OK(stored);
        QCOMPARE(stored->size(), expected->size());
        QVERIFY(*stored == *expected);
        auto states = redisStateHashes(m_redis, QStringLiteral("products"));
        SYNC_VERIFY_OK(states);
        QVERIFY(*states == *expected);
    }

    std::unique_ptr<PrivateZohoSim> m_sim;
    std::unique_ptr<ZohoService> m_service;
    std::unique_ptr<PgTestDatabase> m_database;
    RedisSettings m_redis;

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        auto sim = PrivateZohoSim::start({QStringLiteral("--products"), QString::number(kProducts)});
        SYNC_VERIFY_OK(sim);
        m_sim = std::move(*sim);
        m_service = std::make_unique<ZohoService>(m_sim->settings(), fastClientOptions());
        auto database = PgTestDatabase::create(profile.pg, QStringLiteral("syncorch"));
        SYNC_VERIFY_OK(database);
        m_database = std::move(*database);
        PgConnection connection(m_database->settings());
        SYNC_VERIFY_OK(Migrator().migrate(connection));
        m_redis = profile.redis;
        m_redis.db = kRedisDb;
        SYNC_VERIFY_OK(flushRedisDb(m_redis));
    }

    // The product here runs on fastClientOptions()'s generous limits (these tests are about
    // the sync, not its budget), so the private sim's windows are this test's to reset:
    // each test starts with Zoho's full minute, as its syncs would in a deployment.
    void init()
    {
        SYNC_VERIFY_OK(simSetLimits(m_sim->apiBase(), QJsonObject{{QStringLiteral("reset_budgets"), true}}));
    }

    void cleanupTestCase()
    {
        if (m_redis.db == kRedisDb)
            (void)flushRedisDb(m_redis);
    }

    void coldSyncReachesParity()
    {
        auto sync = orchestrator();
        QSignalSpy progress(sync.get(), &SyncOrchestrator::progress);
        QSignalSpy finished(sync.get(), &SyncOrchestrator::finished);
        auto report = runOnWorker(*sync);
        SYNC_VERIFY_OK(report);
        const SyncRunRepository::Run &run = report->run;
        QCOMPARE(run.status, SyncRunStatus::Succeeded);
        QCOMPARE(run.mode, QStringLiteral("incremental"));
        QCOMPARE(run.counters.fetched, kProducts);
        QCOMPARE(run.counters.synced, kProducts);
        QCOMPARE(run.counters.skipped, 0);
        QCOMPARE(run.counters.failed, 0);
        QCOMPARE(run.counters.pages, 7);
        QVERIFY(run.counters.zohoCalls >= 7);
        QCOMPARE(run.counters.retries, 0);
        QVERIFY(progress.size() >= 7);  // one per page, batched: never per entity
        QVERIFY(progress.size() < 20);
        QCOMPARE(finished.size(), 1);
        const auto last = progress.last().at(0).value<SyncProgress>();
        QCOMPARE(last.done, kProducts);
        QCOMPARE(last.total, -1);  // the first sync cannot know the total
        verifyParity();

        // Recorded in sync_runs as reported.
        PgConnection connection(m_database->settings());
        auto stored = SyncRunRepository(connection).get(run.id);
        SYNC_VERIFY_OK(stored);
        QVERIFY(stored->has_value());
        QCOMPARE((*stored)->status, SyncRunStatus::Succeeded);
        QCOMPARE((*stored)->trigger, QStringLiteral("cli"));
        QVERIFY((*stored)->counters == run.counters);
        QVERIFY((*stored)->durationMs >= 0);
    }

    void noChangeResyncSkipsEverything()
    {
        auto sync = orchestrator();
        QSignalSpy progress(sync.get(), &SyncOrchestrator::progress);
        auto report = runOnWorker(*sync);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
        QCOMPARE(report->run.counters.fetched, kProducts);
        QCOMPARE(report->run.counters.synced, 0);
        QCOMPARE(report->run.counters.skipped, kProducts);
        // The page count known from the last sync is requested at once: no extra call.
        QCOMPARE(report->run.counters.zohoCalls, 7);
        QCOMPARE(report->redisStateHits, kProducts);
        QCOMPARE(report->pgStateLookups, 0);
        QCOMPARE(progress.last().at(0).value<SyncProgress>().total, kProducts);
        verifyParity();
    }

    void mutatedEntitiesAreExactlyThoseResynced()
    {
        auto mutated = simPost(m_sim->apiBase(), QStringLiteral("/_sim/mutate"),
                               {{QStringLiteral("entity"), QStringLiteral("products")},
                                {QStringLiteral("fraction"), 0.05}});
        SYNC_VERIFY_OK(mutated);
        const QJsonArray ids = mutated->value(QStringLiteral("ids")).toArray();
        QCOMPARE(ids.size(), 66);  // round(0.05 * 1312)

        auto sync = orchestrator();
        auto report = runOnWorker(*sync);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.counters.synced, ids.size());
        QCOMPARE(report->run.counters.skipped, kProducts - ids.size());
        verifyParity();

        PgConnection connection(m_database->settings());
        EntityRepository entities(connection);
        for (const QJsonValue &id : ids) {
            auto row = entities.get(QStringLiteral("products"), id.toString());
            SYNC_VERIFY_OK(row);
            QVERIFY(row->has_value());
            QCOMPARE((*row)->syncCount, 2);
        }
        // Redis states carry the count too.
        RedisConnection redis(m_redis);
        auto state = redis.hgetall(cachekeys::entityStateKey(QStringLiteral("products"), ids.first().toString()));
        SYNC_VERIFY_OK(state);
        QCOMPARE(state->value("sync_count"), QByteArray("2"));
        QCOMPARE(state->value("local_id"), ids.first().toString().toUtf8());
        QVERIFY(!state->value("last_modified_time").isEmpty());
        QVERIFY(!state->value("cached_at").isEmpty());
        auto ttl = redis.ttl(cachekeys::entityStateKey(QStringLiteral("products"), ids.first().toString()));
        SYNC_VERIFY_OK(ttl);
        QVERIFY(*ttl > 24 * 3600 - 120 && *ttl <= 24 * 3600);
    }

    void lostRedisStatesFallBackToPostgres()
    {
        SYNC_VERIFY_OK(flushRedisDb(m_redis));
        auto sync = orchestrator();
        auto report = runOnWorker(*sync);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.counters.synced, 0);  // PostgreSQL still knows every hash
        QCOMPARE(report->run.counters.skipped, kProducts);
        QCOMPARE(report->pgStateLookups, kProducts);
        verifyParity();  // and the states were written back
    }

    void fullModeSyncsEverything()
    {
        SyncOptions options;
        options.mode = SyncMode::Full;
        options.batchSize = 200;
        auto sync = orchestrator(options);
        auto report = runOnWorker(*sync);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.mode, QStringLiteral("full"));
        QCOMPARE(report->run.counters.synced, kProducts);
        QCOMPARE(report->run.counters.skipped, 0);
        QCOMPARE(report->run.counters.deleted, 0);
        verifyParity();
    }

    void cachingDisabledRunsFull()
    {
        PgConnection connection(m_database->settings());
        SettingsRepository settings(connection);
        SYNC_VERIFY_OK(settings.setCachingEnabled(false, QStringLiteral("test")));
        auto sync = orchestrator();  // asks for incremental
        auto report = runOnWorker(*sync);
        SYNC_VERIFY_OK(settings.setCachingEnabled(true, QStringLiteral("test")));
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.mode, QStringLiteral("full"));
        QCOMPARE(report->run.counters.synced, kProducts);
    }

    void fullRunMarksVanishedEntitiesDeleted()
    {
        // The same data set, 112 products fewer: those vanished from Zoho.
        // Limits off: each of the 112 is confirmed gone by a GET (one call each), more than
        // the 100 a minute the sim would allow the fast test client.
        auto smaller = PrivateZohoSim::start({QStringLiteral("--products"), QStringLiteral("1200"),
                                              QStringLiteral("--limits"), QStringLiteral("off")});
        SYNC_VERIFY_OK(smaller);
        ZohoService service((*smaller)->settings(), fastClientOptions());

        // An incremental run never deletes.
        auto incremental = orchestrator({}, service.client());
        auto first = runOnWorker(*incremental);
        SYNC_VERIFY_OK(first);
        QCOMPARE(first->run.counters.deleted, 0);
        PgConnection connection(m_database->settings());
        EntityRepository entities(connection);
        QCOMPARE(entities.count(QStringLiteral("products")).valueOr(-1), kProducts);

        SyncOptions options;
        options.mode = SyncMode::Full;
        auto full = orchestrator(options, service.client());
        auto report = runOnWorker(*full);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
        QCOMPARE(report->run.counters.fetched, 1200);
        QCOMPARE(report->run.counters.deleted, kProducts - 1200);
        QCOMPARE(entities.count(QStringLiteral("products")).valueOr(-1), 1200);
        QCOMPARE(entities.count(QStringLiteral("products"), true).valueOr(-1), kProducts);
        verifyParity(service.client());  // states of the deleted rows are gone too

        // Back to the first sim: the 112 rows come back live although their content did
        // not change, with the products mutated earlier (which the smaller sim has in
        // their original form).
        auto bigger = zohoHashes(m_service->client(), entityDefinition(QStringLiteral("products")));
        SYNC_VERIFY_OK(bigger);
        auto smallerHashes = zohoHashes(service.client(), entityDefinition(QStringLiteral("products")));
        SYNC_VERIFY_OK(smallerHashes);
        qint64 differing = 0;
        for (auto it = bigger->cbegin(); it != bigger->cend(); ++it)
            if (smallerHashes->value(it.key()) != it.value())
                ++differing;
        QVERIFY(differing > kProducts - 1200);
        auto back = orchestrator();
        auto returned = runOnWorker(*back);
        SYNC_VERIFY_OK(returned);
        QCOMPARE(returned->run.counters.synced, differing);
        verifyParity();
    }

    void concurrentRunIsRefused()
    {
        PgConnection holder(m_database->settings());
        SyncRunRepository runs(holder);
        auto running = runs.start(QStringLiteral("products"), QStringLiteral("incremental"), QStringLiteral("console"));
        SYNC_VERIFY_OK(running);
        AdvisoryLock lock(holder, AdvisoryLock::syncLockName(QStringLiteral("products")));
        auto locked = lock.tryLock();
        SYNC_VERIFY_OK(locked);
        QVERIFY(*locked);

        auto sync = orchestrator();
        QSignalSpy started(sync.get(), &SyncOrchestrator::started);
        auto refused = runOnWorker(*sync);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().kind, ErrorKind::Conflict);
        const QString message = refused.error().message;
        QVERIFY2(message.contains(QStringLiteral("run %1").arg(*running)), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("console")), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("started")), qPrintable(message));
        QCOMPARE(started.size(), 0);

        // Another type is not blocked.
        auto customers = std::make_unique<SyncOrchestrator>(entityDefinition(QStringLiteral("customers")),
                                                            m_service->client(), m_database->settings(), m_redis);
        auto other = runOnWorker(*customers);
        SYNC_VERIFY_OK(other);
        QCOMPARE(other->run.status, SyncRunStatus::Succeeded);
        QCOMPARE(other->run.counters.synced, 2503);

        // Once the lock is free the next run starts, and closes the abandoned row.
        SYNC_VERIFY_OK(lock.unlock());
        auto next = runOnWorker(*orchestrator());
        SYNC_VERIFY_OK(next);
        auto abandoned = runs.get(*running);
        SYNC_VERIFY_OK(abandoned);
        QCOMPARE((*abandoned)->status, SyncRunStatus::Failed);
        QVERIFY((*abandoned)->error.contains(QStringLiteral("abandoned")));
    }

    void cancelMidRunLeavesAConsistentState()
    {
        // A fresh database and Redis, pages slow enough to cancel in the middle.
        TIERSYNC_REQUIRE_SANDBOX(profile);
        auto database = PgTestDatabase::create(profile.pg, QStringLiteral("synccancel"));
        SYNC_VERIFY_OK(database);
        {
            PgConnection connection((*database)->settings());
            SYNC_VERIFY_OK(Migrator().migrate(connection));
        }
        SYNC_VERIFY_OK(flushRedisDb(m_redis));
        QJsonObject faults = noSimFaults();
        faults.insert(QStringLiteral("latency_ms"), QJsonArray{60, 60});
        SYNC_VERIFY_OK(simPost(m_sim->apiBase(), QStringLiteral("/_sim/faults"), faults));

        SyncOptions options;
        options.pagesInFlight = 1;
        options.batchSize = 20;
        SyncOrchestrator sync(entityDefinition(QStringLiteral("products")), m_service->client(),
                              (*database)->settings(), m_redis, options);
        int pages = 0;
        connect(&sync, &SyncOrchestrator::progress, &sync, [&sync, &pages](const SyncProgress &) {
            if (++pages == 2)
                sync.cancel();
        }, Qt::DirectConnection);
        auto report = runOnWorker(sync);
        SYNC_VERIFY_OK(simPost(m_sim->apiBase(), QStringLiteral("/_sim/faults"), noSimFaults()));
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Cancelled);
        QVERIFY(report->run.counters.synced > 0);
        QVERIFY(report->run.counters.synced < kProducts);

        // Every state in Redis is a committed row with that hash, and every row has its state.
        auto stored = pgHashes((*database)->settings(), QStringLiteral("products"));
        SYNC_VERIFY_OK(stored);
        auto states = redisStateHashes(m_redis, QStringLiteral("products"));
        SYNC_VERIFY_OK(states);
        QCOMPARE(qint64(stored->size()), report->run.counters.synced);
        QVERIFY(*states == *stored);
        PgConnection connection((*database)->settings());
        auto recorded = SyncRunRepository(connection).get(report->run.id);
        SYNC_VERIFY_OK(recorded);
        QCOMPARE((*recorded)->status, SyncRunStatus::Cancelled);
        QCOMPARE((*recorded)->counters.synced, report->run.counters.synced);

        // The next run picks up from there.
        SyncOrchestrator again(entityDefinition(QStringLiteral("products")), m_service->client(),
                               (*database)->settings(), m_redis);
        auto resumed = runOnWorker(again);
        SYNC_VERIFY_OK(resumed);
        QCOMPARE(resumed->run.status, SyncRunStatus::Succeeded);
        QCOMPARE(resumed->run.counters.synced + report->run.counters.synced, kProducts);
        SYNC_VERIFY_OK(flushRedisDb(m_redis));
    }

    // Zoho's minute spent after 3 calls (this test's product has no limit of its own): of
    // the 8 pages asked at once the later ones are refused while the run still waits for
    // earlier ones. The run fails with Zoho's reason and its fetcher, dropping answered
    // pages, ends cleanly (it once crashed there: Qt 6.4 QFuture::cancel() use-after-free).
    void runRefusedByZohoMidwayFailsCleanly()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        auto database = PgTestDatabase::create(profile.pg, QStringLiteral("syncrefused"));
        SYNC_VERIFY_OK(database);
        {
            PgConnection connection((*database)->settings());
            SYNC_VERIFY_OK(Migrator().migrate(connection));
        }
        SYNC_VERIFY_OK(flushRedisDb(m_redis));
        // Concurrency above the 8 pages, so the minute alone refuses (44, never 1070).
        SYNC_VERIFY_OK(simSetLimits(m_sim->apiBase(), QJsonObject{{QStringLiteral("enabled"), true},
                                                                  {QStringLiteral("books"),
                                                                   QJsonObject{{QStringLiteral("per_minute"), 3},
                                                                               {QStringLiteral("concurrency"), 10}}}}));
        ZohoService service(m_sim->settings(), fastClientOptions(1));
        SyncOptions options;
        options.pagesInFlight = 8;
        SyncOrchestrator sync(entityDefinition(QStringLiteral("products")), service.client(),
                              (*database)->settings(), m_redis, options);
        auto report = runOnWorker(sync);
        SYNC_VERIFY_OK(simSetLimits(m_sim->apiBase(), QJsonObject{{QStringLiteral("books"),
                                                                   QJsonObject{{QStringLiteral("per_minute"), 100},
                                                                               {QStringLiteral("concurrency"), 5}}}}));
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Failed);
        QVERIFY(report->run.counters.fetched < kProducts);
        QVERIFY2(report->run.error.contains(QStringLiteral("too many requests per minute")),
                 qPrintable(report->run.error));
        SYNC_VERIFY_OK(flushRedisDb(m_redis));
    }
};

QTEST_GUILESS_MAIN(TestSyncOrchestrator)
#include "tst_syncorchestrator.moc"
