// A run's counters are what happened (issue 11 point 2): zoho_calls are the HTTP requests
// the client sent (retries included), retries the retries it made, synced the distinct
// entities written — equal to what a private zoho-sim counted, for a clean run, a run
// whose requests failed and were retried (502, timeout), a failed run, and a listing
// whose pages overlap. The same figures are in sync_runs. Redis db 97 of the fixture.
#include "pgtestdatabase.h"
#include "privatezohosim.h"
#include "simcontrol.h"
#include "synctesthelpers.h"
#include "testsandbox.h"

#include "store/migrator.h"
#include "store/pgconnection.h"
#include "store/syncrunrepository.h"
#include "sync/syncorchestrator.h"
#include "zoho/zohoservice.h"

#include <QTest>

#include <memory>

using namespace tiersync;
using namespace tiersync::test;

namespace {

constexpr int kRedisDb = 97;  // this executable's Redis database on the fixture's server
// A request the sim times out is held kSimHoldMs, well past the client's timeout; every
// other answer comes far within it, also under a sanitizer on a loaded machine, so the
// counts of retries are the faults' and never a slow machine's.
constexpr int kClientTimeoutMs = 5000;
constexpr int kSimHoldMs = 8000;
constexpr int kProducts = 1312;
const QString kItems = QStringLiteral("GET /books/v3/items");

}  // namespace

class TestSyncCounters final : public QObject {
    Q_OBJECT

private:
    void setFaults(const QJsonObject &faults)
    {
        SYNC_VERIFY_OK(simPost(m_sim->apiBase(), QStringLiteral("/_sim/faults"), faults));
    }

    // Requests the sim counted for products (the listing and GETs by id) since the last reset.
    int simItemRequests()
    {
        auto stats = simGet(m_sim->apiBase(), QStringLiteral("/_sim/stats"));
        if (!stats)
            return -1;
        int count = 0;
        const QJsonObject requests = stats->value(QStringLiteral("requests")).toObject();
        for (auto it = requests.begin(); it != requests.end(); ++it)
            if (it.key() == kItems || it.key().startsWith(kItems + QLatin1Char('/')))
                count += it.value().toInt();
        return count;
    }

    Result<SyncReport> runProducts(int pagesInFlight = SyncOptions().pagesInFlight)
    {
        if (auto reset = simPost(m_sim->apiBase(), QStringLiteral("/_sim/reset-stats")); !reset)
            return reset.error();
        SyncOptions options;
        options.mode = SyncMode::Full;
        options.pagesInFlight = pagesInFlight;
        SyncOrchestrator sync(entityDefinition(QStringLiteral("products")), m_service->client(),
                              m_database->settings(), m_redis, options);
        return runOnWorker(sync);
    }

    // The run's counters equal what the sim counted, and sync_runs holds the same.
    void verifyCounted(const SyncReport &report, int retries)
    {
        const SyncRunRepository::Counters &counters = report.run.counters;
        // A page asked ahead may still be on its way to the sim when the run ends.
        QTRY_COMPARE_WITH_TIMEOUT(simItemRequests(), counters.zohoCalls, 5000);
        QCOMPARE(counters.retries, retries);
        PgConnection connection(m_database->settings());
        auto stored = SyncRunRepository(connection).get(report.run.id);
        SYNC_VERIFY_OK(stored);
        QVERIFY(stored->has_value());
        QCOMPARE((*stored)->counters, counters);
    }

    std::unique_ptr<PrivateZohoSim> m_sim;
    std::unique_ptr<ZohoService> m_service;
    std::unique_ptr<PgTestDatabase> m_database;
    RedisSettings m_redis;

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        ZohoClientOptions clientOptions = fastClientOptions(3);
        clientOptions.requestTimeoutMs = kClientTimeoutMs;
        auto setup = startPrivateSync(profile, QStringLiteral("synccounters"), kRedisDb,
                                      {QStringLiteral("--students"), QStringLiteral("60"),
                                       QStringLiteral("--limits"), QStringLiteral("off")},
                                      clientOptions);
        SYNC_VERIFY_OK(setup);
        m_sim = std::move(setup->sim);
        m_service = std::move(setup->service);
        m_database = std::move(setup->database);
        m_redis = setup->redis;
    }

    void cleanupTestCase()
    {
        if (m_redis.db == kRedisDb)
            (void)flushRedisDb(m_redis);
    }

    void cleanup()
    {
        QJsonObject faults = noSimFaults();
        faults.insert(QStringLiteral("paging"), QStringLiteral("none"));
        faults.insert(QStringLiteral("fail_next"), 0);
        setFaults(faults);
    }

    void cleanRun()
    {
        auto report = runProducts();
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
        QCOMPARE(report->run.counters.fetched, kProducts);
        QCOMPARE(report->run.counters.synced, kProducts);
        QCOMPARE(report->run.counters.pages, (kProducts + 199) / 200);
        verifyCounted(*report, 0);
    }

    void retriedRun_data()
    {
        QTest::addColumn<int>("failStatus");
        QTest::newRow("502") << 502;
        QTest::newRow("timeout") << 0;
    }

    // The next two requests fail (the first page's first two attempts, or two pages'
    // first attempts), then everything answers: two retries, both counted.
    void retriedRun()
    {
        QFETCH(int, failStatus);
        setFaults(QJsonObject{{QStringLiteral("fail_next"), 2}, {QStringLiteral("fail_status"), failStatus},
                              {QStringLiteral("timeout_ms"), kSimHoldMs}});
        auto report = runProducts();
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
        QCOMPARE(report->run.counters.synced, kProducts);
        verifyCounted(*report, 2);
    }

    // Every attempt fails: the run fails after the one page's three attempts, and says
    // so — not the pages it planned.
    void failedRun()
    {
        setFaults(QJsonObject{{QStringLiteral("fail_next"), 1000}, {QStringLiteral("fail_status"), 502}});
        auto report = runProducts(1);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Failed);
        QCOMPARE(report->run.counters.zohoCalls, 3);
        QCOMPARE(report->run.counters.synced, 0);
        verifyCounted(*report, 2);
    }

    void failedRunNamesTheCause_data()
    {
        QTest::addColumn<int>("failStatus");
        QTest::addColumn<QString>("cause");
        QTest::newRow("502") << 502 << QStringLiteral("Zoho answered HTTP 502");
        QTest::newRow("timeout") << 0 << QStringLiteral("timeout: ");
    }

    // Issue 11 point 4: two failures open the circuit, which refuses the third attempt;
    // the run's error names the failure first and the circuit only after it.
    void failedRunNamesTheCause()
    {
        QFETCH(int, failStatus);
        QFETCH(QString, cause);
        ZohoClientOptions clientOptions = fastClientOptions(5);
        clientOptions.requestTimeoutMs = kClientTimeoutMs;
        clientOptions.circuitFailureThreshold = 2;
        clientOptions.circuitCoolDownMs = 60000;
        ZohoService service(m_sim->settings(), clientOptions);
        setFaults(QJsonObject{{QStringLiteral("fail_next"), 1000}, {QStringLiteral("fail_status"), failStatus},
                              {QStringLiteral("timeout_ms"), kSimHoldMs}});
        SYNC_VERIFY_OK(simPost(m_sim->apiBase(), QStringLiteral("/_sim/reset-stats")));
        SyncOptions options;
        options.pagesInFlight = 1;
        SyncOrchestrator sync(entityDefinition(QStringLiteral("products")), service.client(), m_database->settings(),
                              m_redis, options);
        auto report = runOnWorker(sync);
        SYNC_VERIFY_OK(report);
        const QString &error = report->run.error;
        QCOMPARE(report->run.status, SyncRunStatus::Failed);
        QVERIFY2(error.startsWith(cause), qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("GET /books/v3/items")), qPrintable(error));
        QVERIFY2(error.indexOf(QStringLiteral("circuit open")) > error.indexOf(cause), qPrintable(error));
        qInfo().noquote() << "run error:" << error;
        QCOMPARE(report->run.counters.zohoCalls, 2);  // the third attempt never went out
        verifyCounted(*report, 1);
    }

    // Pages that overlap (records inserted ahead of them meanwhile): every id synced once,
    // though the shifted listing is listed a second time (which overlaps again).
    void repeatedIdsCountOnce()
    {
        setFaults(QJsonObject{{QStringLiteral("paging"), QStringLiteral("overlap")}});
        auto report = runProducts();
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
        const int pages = (kProducts + 199) / 200;
        QCOMPARE(report->run.counters.listingPasses, 2);
        QCOMPARE(report->run.counters.pages, 2 * pages);
        QCOMPARE(report->run.counters.fetched, 2 * (kProducts + 10 * (pages - 1)));  // the sim's overlap: 10 a page
        QCOMPARE(report->run.counters.synced, kProducts);
        QVERIFY(report->listingShifted);
        QVERIFY(report->run.counters.listingShifted);
        verifyCounted(*report, 0);
        auto stored = pgHashes(m_database->settings(), QStringLiteral("products"));
        SYNC_VERIFY_OK(stored);
        QCOMPARE(stored->size(), kProducts);
    }

    // Issue 11 point 2 (safe deletions): a listing that skips live records (records ahead
    // of them deleted while it ran) marks none of them deleted: each is asked for by id,
    // found and synced.
    void shiftedListingDeletesNothingLive()
    {
        setFaults(QJsonObject{{QStringLiteral("paging"), QStringLiteral("skip")}});
        auto report = runProducts();
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
        const int pages = (kProducts + 199) / 200;
        const int missed = 10 * (pages - 1);  // the sim's skip: 10 more a page
        QCOMPARE(report->run.counters.deleted, 0);
        QVERIFY(report->listingShifted);
        // Listed, then the missed ones by id; then all of it again (the skip goes on).
        QCOMPARE(report->run.counters.listingPasses, 2);
        QCOMPARE(report->run.counters.fetched, 2 * kProducts);
        QCOMPARE(report->run.counters.synced, kProducts);
        verifyCounted(*report, 0);
        QVERIFY(report->run.counters.zohoCalls >= 2 * (pages + missed));
        auto stored = pgHashes(m_database->settings(), QStringLiteral("products"));
        SYNC_VERIFY_OK(stored);
        QCOMPARE(stored->size(), kProducts);
    }

    // Records Zoho really deleted are marked deleted after Zoho confirms it (CRM: 204).
    void deletionsProvenByIdAreMarked()
    {
        SyncOptions options;
        options.mode = SyncMode::Full;
        options.feed = false;  // no deleted-records list: the check by id is the proof
        SyncOrchestrator first(gradesFeedEntity(), m_service->client(), m_database->settings(), m_redis, options);
        auto cold = runOnWorker(first);
        SYNC_VERIFY_OK(cold);
        QCOMPARE(cold->run.status, SyncRunStatus::Succeeded);
        SYNC_VERIFY_OK(simMutateOp(m_sim->apiBase(), QStringLiteral("Grades"), QStringLiteral("delete"),
                                   QJsonObject{{QStringLiteral("count"), 3}}));
        SYNC_VERIFY_OK(simPost(m_sim->apiBase(), QStringLiteral("/_sim/reset-stats")));
        SyncOrchestrator again(gradesFeedEntity(), m_service->client(), m_database->settings(), m_redis, options);
        auto report = runOnWorker(again);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
        QCOMPARE(report->run.counters.deleted, 3);
        QVERIFY(!report->listingShifted);
        auto stats = simGet(m_sim->apiBase(), QStringLiteral("/_sim/stats"));
        SYNC_VERIFY_OK(stats);
        int byId = 0;
        const QJsonObject requests = stats->value(QStringLiteral("requests")).toObject();
        const QString deletedList = QStringLiteral("GET /crm/v2/Grades/deleted");
        for (auto it = requests.begin(); it != requests.end(); ++it)
            if (it.key().startsWith(QStringLiteral("GET /crm/v2/Grades/")) && it.key() != deletedList)
                byId += it.value().toInt();
        QCOMPARE(byId, 3);  // one check per id not listed
        // The deleted list since the run began, read once: it names these three as well.
        QCOMPARE(requests.value(deletedList).toInt(), 1);
    }
};

QTEST_GUILESS_MAIN(TestSyncCounters)
#include "tst_synccounters.moc"
