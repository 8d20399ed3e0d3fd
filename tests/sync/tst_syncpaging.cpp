// Every loop over Zoho pages ends, whatever the listing answers (issue 11 point 1): a
// private zoho-sim answers lists that would go on for ever (POST /_sim/faults "paging"),
// and every listing — a Books sync, a CRM feed's listing and its deleted-records list, the
// client's own *ListAll — fails with a Protocol error naming the listing, the page and the
// reason, after a few requests. Scratch database, Redis db 96 of the fixture's server.
#include "pgtestdatabase.h"
#include "privatezohosim.h"
#include "simcontrol.h"
#include "synctesthelpers.h"
#include "testsandbox.h"

#include "store/migrator.h"
#include "store/pgconnection.h"
#include "sync/syncorchestrator.h"
#include "zoho/zohoapi.h"
#include "zoho/zohoservice.h"

#include <QJsonArray>
#include <QTest>

#include <memory>

using namespace tiersync;
using namespace tiersync::test;

namespace {

constexpr int kRedisDb = 96;  // this executable's Redis database on the fixture's server

}  // namespace

class TestSyncPaging final : public QObject {
    Q_OBJECT

private:
    void setPagingFault(const QString &fault, const QString &path = {})
    {
        SYNC_VERIFY_OK(simPost(m_sim->apiBase(), QStringLiteral("/_sim/faults"),
                               QJsonObject{{QStringLiteral("paging"), fault}, {QStringLiteral("paging_path"), path}}));
    }

    // Requests the sim counted for one path since the last call, then zeroed.
    int takeSimRequests(const QString &path)
    {
        auto stats = simGet(m_sim->apiBase(), QStringLiteral("/_sim/stats"));
        if (!stats)
            qFatal("sim stats: %s", qPrintable(stats.error().toString()));
        (void)simPost(m_sim->apiBase(), QStringLiteral("/_sim/reset-stats"));
        return stats->value(QStringLiteral("requests")).toObject().value(QStringLiteral("GET ") + path).toInt();
    }

    EntityDefinition entityNamed(const QString &name) { return name == QLatin1String("grades") ? gradesFeedEntity() : entityDefinition(name); }

    std::unique_ptr<PrivateZohoSim> m_sim;
    std::unique_ptr<ZohoService> m_service;
    std::unique_ptr<PgTestDatabase> m_database;
    RedisSettings m_redis;

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        auto setup = startPrivateSync(profile, QStringLiteral("syncpaging"), kRedisDb,
                                      {QStringLiteral("--students"), QStringLiteral("60"),
                                       QStringLiteral("--limits"), QStringLiteral("off")},
                                      fastClientOptions());
        SYNC_VERIFY_OK(setup);
        m_sim = std::move(setup->sim);
        m_service = std::move(setup->service);
        m_database = std::move(setup->database);
        m_redis = setup->redis;
        // Some grades deleted, so the deleted-records list has a page to go round on.
        SYNC_VERIFY_OK(simMutateOp(m_sim->apiBase(), QStringLiteral("Grades"), QStringLiteral("delete"),
                                   QJsonObject{{QStringLiteral("count"), 3}}));
    }

    void cleanupTestCase()
    {
        if (m_redis.db == kRedisDb)
            (void)flushRedisDb(m_redis);
    }

    void cleanup() { setPagingFault(QStringLiteral("none")); }

    void syncListingEndsOnEveryAnswer_data()
    {
        QTest::addColumn<QString>("entity");
        QTest::addColumn<QString>("fault");
        QTest::addColumn<QString>("faultPath");  // the list that misbehaves
        QTest::addColumn<QString>("reason");
        const QString items = QStringLiteral("/books/v3/items");
        const QString grades = QStringLiteral("/crm/v2/Grades");
        const QString deleted = QStringLiteral("/crm/v2/Grades/deleted");
        const QString empty = QStringLiteral("says more records follow but has none");
        const QString repeats = QStringLiteral("repeats page 1");
        const QString notEchoed = QStringLiteral("asked for page 2, the answer is page 1");
        QTest::newRow("books empty pages") << "products" << "endless_empty" << items << empty;
        QTest::newRow("books same page") << "products" << "same_page" << items << repeats;
        QTest::newRow("books page not echoed") << "products" << "page_not_echoed" << items << notEchoed;
        QTest::newRow("crm empty pages") << "grades" << "endless_empty" << grades << empty;
        QTest::newRow("crm same page") << "grades" << "same_page" << grades << repeats;
        QTest::newRow("crm page not echoed") << "grades" << "page_not_echoed" << grades << notEchoed;
        QTest::newRow("crm deleted list empty pages") << "grades" << "endless_empty" << deleted << empty;
        QTest::newRow("crm deleted list same page") << "grades" << "same_page" << deleted << repeats;
    }

    void syncListingEndsOnEveryAnswer()
    {
        QFETCH(QString, entity);
        QFETCH(QString, fault);
        QFETCH(QString, faultPath);
        QFETCH(QString, reason);
        setPagingFault(fault, faultPath);
        (void)takeSimRequests(faultPath);
        SyncOptions options;
        options.mode = SyncMode::Full;
        options.feed = entity == QLatin1String("grades");
        SyncOrchestrator sync(entityNamed(entity), m_service->client(), m_database->settings(), m_redis, options);
        auto report = runOnWorker(sync);
        SYNC_VERIFY_OK(report);
        const SyncRunRepository::Run &run = report->run;
        QCOMPARE(run.status, SyncRunStatus::Failed);
        QVERIFY2(run.error.contains(QStringLiteral("Zoho's %1 listing, page ").arg(faultPath)), qPrintable(run.error));
        QVERIFY2(run.error.contains(reason), qPrintable(run.error));
        // Caught on the first page past the real ones (7 of products, 2 of grades), plus
        // the pages asked ahead (SyncOptions::pagesInFlight).
        const int requests = takeSimRequests(faultPath);
        QVERIFY2(requests >= 2 && requests <= 7 + 1 + SyncOptions().pagesInFlight, qPrintable(QString::number(requests)));
    }

    // The client's own listings follow the same rule.
    void listAllEndsOnEveryAnswer()
    {
        const ZohoApi api(m_service->client());
        for (const QString &fault : {QStringLiteral("endless_empty"), QStringLiteral("same_page")}) {
            setPagingFault(fault);
            auto items = api.booksListAll(QStringLiteral("/books/v3/items"), QStringLiteral("items"));
            QVERIFY(!items);
            QCOMPARE(items.error().kind, ErrorKind::Protocol);
            QVERIFY2(items.error().message.contains(QStringLiteral("/books/v3/items listing, page")),
                     qPrintable(items.error().message));
            auto grades = api.crmListAll(QStringLiteral("Grades"));
            QVERIFY(!grades);
            QCOMPARE(grades.error().kind, ErrorKind::Protocol);
            QVERIFY2(grades.error().message.contains(QStringLiteral("/crm/v2/Grades listing, page")),
                     qPrintable(grades.error().message));
        }
        setPagingFault(QStringLiteral("none"));
        auto items = api.booksListAll(QStringLiteral("/books/v3/items"), QStringLiteral("items"));
        SYNC_VERIFY_OK(items);
        QVERIFY(items->size() > 200);
    }
};

QTEST_GUILESS_MAIN(TestSyncPaging)
#include "tst_syncpaging.moc"
