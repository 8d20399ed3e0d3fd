// Issue 11 point 2: a full run never marks a live record deleted and never misses an
// inserted one, while Zoho's data really moves under its listing. A private zoho-sim
// drifts (app/zoho-sim/README.md "Drift"): between the pages of the run's listing it
// deletes records ahead of the cursor (later records move up a page: the listing skips
// live ones) and inserts records (Books: ahead of the cursor, by name — never listed, and
// the next page repeats one; CRM: at the end, by id). Afterwards PostgreSQL holds exactly
// the sim's live records, the run says its listing shifted, how many records its catch-up
// brought and that it listed twice; sync_runs holds the same. Without drift the proof
// costs one request for Books (the catch-up, newest first) and two for CRM (the catch-up
// with If-Modified-Since and the deleted list since the run began), and nothing is flagged.
// Redis db 115 of the fixture.
#include "pgtestdatabase.h"
#include "privatezohosim.h"
#include "simcontrol.h"
#include "synctesthelpers.h"
#include "testsandbox.h"

#include "store/pgconnection.h"
#include "store/syncrunrepository.h"
#include "sync/syncorchestrator.h"
#include "zoho/zohoservice.h"

#include <QJsonArray>
#include <QSet>
#include <QTest>

#include <memory>

using namespace tiersync;
using namespace tiersync::test;

namespace {

constexpr int kRedisDb = 115;  // this executable's Redis database on the fixture's server
constexpr int kDriftPages = 3;  // the first three pages of the run's first listing drift

QSet<QString> idSet(const QJsonValue &array)
{
    QSet<QString> ids;
    for (const QJsonValue &value : array.toArray())
        ids.insert(value.toString());
    return ids;
}

}  // namespace

class TestSyncDrift final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<PrivateZohoSim> m_sim;
    std::unique_ptr<ZohoService> m_service;
    std::unique_ptr<PgTestDatabase> m_database;
    RedisSettings m_redis;

    struct Drift {
        int inserts = 0;
        int deletes = 0;
        int seed = 1;
    };

    static EntityDefinition entityOf(const QString &name)
    {
        return name == QLatin1String("products") ? entityDefinition(name) : gradesFeedEntity();
    }

    static QString listPath(const EntityDefinition &entity)
    {
        return entity.source == EntityDefinition::Source::Books ? entity.path : QStringLiteral("/crm/v2/") + entity.module;
    }

    Status setDrift(const QJsonValue &drift)
    {
        auto set = simPost(m_sim->apiBase(), QStringLiteral("/_sim/faults"), QJsonObject{{QStringLiteral("drift"), drift}});
        return set ? Status() : Status(set.error());
    }

    // Full run of the entity; `feed` for the Grades feed (its own deleted list). One Books
    // page at a time: the sim drifts as it answers a page, so pages asked ahead would be
    // answered before the drift they should see (pagesAskedAheadStaySafe covers that).
    Result<SyncReport> runFull(const EntityDefinition &entity, bool feed, int pagesInFlight = 1)
    {
        if (auto reset = simPost(m_sim->apiBase(), QStringLiteral("/_sim/reset-stats")); !reset)
            return reset.error();
        SyncOptions options;
        options.mode = SyncMode::Full;
        options.feed = feed;
        options.pagesInFlight = pagesInFlight;
        SyncOrchestrator sync(entity, m_service->client(), m_database->settings(), m_redis, options);
        return runOnWorker(sync);
    }

    // What the sim counted for the entity's paths (the listings, GETs by id, the deleted list).
    qint64 simRequests(const EntityDefinition &entity)
    {
        auto counted = simRequestsUnder(m_sim->apiBase(), listPath(entity));
        return counted ? *counted : -1;
    }

    int simCount(const EntityDefinition &entity)
    {
        auto info = simGet(m_sim->apiBase(), QStringLiteral("/_sim/info"));
        if (!info)
            return -1;
        const QString key = entity.source == EntityDefinition::Source::Books ? QStringLiteral("products") : entity.module;
        return info->value(QStringLiteral("counts")).toObject().value(key).toInt(-1);
    }

    // PostgreSQL's live rows are exactly the sim's live records, with the same content.
    void verifyExact(const EntityDefinition &entity)
    {
        auto zoho = zohoHashes(m_service->client(), entity);
        SYNC_VERIFY_OK(zoho);
        auto stored = pgHashes(m_database->settings(), entity.name);
        SYNC_VERIFY_OK(stored);
        const QList<QString> zohoIds = zoho->keys();
        const QList<QString> storedIds = stored->keys();
        const QSet<QString> live(zohoIds.cbegin(), zohoIds.cend());
        const QSet<QString> rows(storedIds.cbegin(), storedIds.cend());
        QVERIFY2((live - rows).isEmpty(), qPrintable(QStringLiteral("live in Zoho, not live in PostgreSQL: %1")
                                                         .arg(QStringList((live - rows).values()).join(u','))));
        QVERIFY2((rows - live).isEmpty(), qPrintable(QStringLiteral("live in PostgreSQL, gone from Zoho: %1")
                                                         .arg(QStringList((rows - live).values()).join(u','))));
        QCOMPARE(*stored, *zoho);
    }

    // Every live record is live in PostgreSQL with its content (what a run could not yet
    // prove gone may still be there too).
    void verifyNothingLiveLost(const EntityDefinition &entity)
    {
        auto zoho = zohoHashes(m_service->client(), entity);
        SYNC_VERIFY_OK(zoho);
        auto stored = pgHashes(m_database->settings(), entity.name);
        SYNC_VERIFY_OK(stored);
        for (auto it = zoho->cbegin(); it != zoho->cend(); ++it)
            QVERIFY2(stored->value(it.key()) == it.value(), qPrintable(it.key()));
    }

    void verifyStored(const SyncReport &report)
    {
        PgConnection connection(m_database->settings());
        auto stored = SyncRunRepository(connection).get(report.run.id);
        SYNC_VERIFY_OK(stored);
        QVERIFY(stored->has_value());
        QCOMPARE((*stored)->counters, report.run.counters);
    }

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        auto setup = startPrivateSync(profile, QStringLiteral("syncdrift"), kRedisDb,
                                      {QStringLiteral("--students"), QStringLiteral("300"), QStringLiteral("--limits"),
                                       QStringLiteral("off")},
                                      fastClientOptions(3));
        SYNC_VERIFY_OK(setup);
        m_sim = std::move(setup->sim);
        m_service = std::move(setup->service);
        m_database = std::move(setup->database);
        m_redis = setup->redis;
        // The cold runs: afterwards each type's page count is known from PostgreSQL, so a
        // Books listing asks for exactly its pages.
        for (const QString &name : {QStringLiteral("products"), QStringLiteral("grades")}) {
            auto cold = runFull(entityOf(name), false);
            SYNC_VERIFY_OK(cold);
            QCOMPARE(cold->run.status, SyncRunStatus::Succeeded);
        }
    }

    void cleanupTestCase()
    {
        if (m_redis.db == kRedisDb)
            (void)flushRedisDb(m_redis);
    }

    void cleanup()
    {
        SYNC_VERIFY_OK(setDrift(QJsonValue::Null));
    }

    void driftingFullRunIsExact_data()
    {
        QTest::addColumn<QString>("entity");
        QTest::addColumn<bool>("feed");
        QTest::addColumn<int>("inserts");
        QTest::addColumn<int>("deletes");
        QTest::addColumn<int>("seed");
        QTest::newRow("products both, seed 1") << "products" << false << 2 << 2 << 1;
        QTest::newRow("products inserts, seed 2") << "products" << false << 3 << 0 << 2;
        QTest::newRow("products deletes, seed 3") << "products" << false << 0 << 3 << 3;
        QTest::newRow("products both, seed 4") << "products" << false << 1 << 4 << 4;
        QTest::newRow("grades both, seed 1") << "grades" << false << 2 << 2 << 1;
        QTest::newRow("grades deletes, seed 5") << "grades" << false << 0 << 3 << 5;
        QTest::newRow("grades feed both, seed 6") << "grades" << true << 2 << 3 << 6;
        QTest::newRow("grades feed deletes, seed 7") << "grades" << true << 0 << 2 << 7;
    }

    void driftingFullRunIsExact()
    {
        QFETCH(QString, entity);
        QFETCH(bool, feed);
        QFETCH(int, inserts);
        QFETCH(int, deletes);
        QFETCH(int, seed);
        const EntityDefinition definition = entityOf(entity);
        const bool books = definition.source == EntityDefinition::Source::Books;

        // A run without drift: PostgreSQL in step with Zoho, and what the proof costs.
        auto steady = runFull(definition, feed);
        SYNC_VERIFY_OK(steady);
        QCOMPARE(steady->run.status, SyncRunStatus::Succeeded);
        QVERIFY(!steady->listingShifted);
        QCOMPARE(steady->run.counters.listingShifted, false);
        QCOMPARE(steady->run.counters.caughtUp, 0);
        QCOMPARE(steady->run.counters.listingPasses, 1);
        const int pages = (simCount(definition) + 199) / 200;
        QCOMPARE(steady->run.counters.pages, pages);
        // Books: the catch-up's one page. CRM: the catch-up and the deleted list, one each.
        QCOMPARE(steady->run.counters.zohoCalls, pages + (books ? 1 : 2));
        QTRY_COMPARE_WITH_TIMEOUT(simRequests(definition), qint64(steady->run.counters.zohoCalls), 5000);
        verifyStored(*steady);
        verifyExact(definition);
        auto before = pgHashes(m_database->settings(), definition.name);
        SYNC_VERIFY_OK(before);

        // The same run while the data drifts under its first listing.
        SYNC_VERIFY_OK(setDrift(QJsonObject{{QStringLiteral("path"), listPath(definition)},
                                            {QStringLiteral("inserts"), inserts},
                                            {QStringLiteral("deletes"), deletes},
                                            {QStringLiteral("pages"), kDriftPages},
                                            {QStringLiteral("seed"), seed}}));
        auto drifting = runFull(definition, feed);
        SYNC_VERIFY_OK(drifting);
        const SyncRunRepository::Counters &counters = drifting->run.counters;
        QVERIFY2(drifting->run.status == SyncRunStatus::Succeeded, qPrintable(drifting->run.error));
        auto stats = simGet(m_sim->apiBase(), QStringLiteral("/_sim/stats"));
        SYNC_VERIFY_OK(stats);
        const QJsonObject drift = stats->value(QStringLiteral("drift")).toObject();
        QCOMPARE(drift.value(QStringLiteral("pages")).toInt(), kDriftPages);
        QCOMPARE(drift.value(QStringLiteral("inserted")).toInt(), kDriftPages * inserts);
        QCOMPARE(drift.value(QStringLiteral("deleted")).toInt(), kDriftPages * deletes);
        const QString key = books ? QStringLiteral("products") : definition.module;
        const QSet<QString> inserted = idSet(drift.value(QStringLiteral("inserted_ids")).toObject().value(key));
        const QSet<QString> deleted = idSet(drift.value(QStringLiteral("deleted_ids")).toObject().value(key));
        SYNC_VERIFY_OK(setDrift(QJsonValue::Null));

        QVERIFY(drifting->listingShifted);
        QVERIFY(counters.listingShifted);
        QCOMPARE(counters.listingPasses, 2);  // listed again once: the second listing was stable
        const QList<QString> beforeIds = before->keys();
        const QSet<QString> known(beforeIds.cbegin(), beforeIds.cend());
        // Every record the drift deleted that PostgreSQL had is proven gone and marked.
        QCOMPARE(counters.deleted, qint64((deleted & known).size()));
        // Books' insertions were behind the cursor: only the catch-up found them. CRM's
        // joined the end of the listing.
        QCOMPARE(counters.caughtUp, books ? qint64((inserted - deleted).size()) : 0);
        // Distinct entities: every record listed, caught up or found by id, once.
        QCOMPARE(counters.synced, qint64(known.size() + (inserted - deleted).size()));
        QTRY_COMPARE_WITH_TIMEOUT(simRequests(definition), qint64(counters.zohoCalls), 5000);
        verifyStored(*drifting);
        verifyExact(definition);
        auto after = pgHashes(m_database->settings(), definition.name);
        SYNC_VERIFY_OK(after);
        for (const QString &id : inserted - deleted)
            QVERIFY2(after->contains(id), qPrintable(id));
        for (const QString &id : deleted)
            QVERIFY2(!after->contains(id), qPrintable(id));
        qInfo().noquote() << QStringLiteral("%1%2: %3 inserted, %4 deleted; steady run %5 calls for %6 pages, drifting "
                                            "run %7 calls, %8 caught up, %9 marked deleted")
                                 .arg(entity, feed ? QStringLiteral(" (feed)") : QString())
                                 .arg(inserted.size())
                                 .arg(deleted.size())
                                 .arg(steady->run.counters.zohoCalls)
                                 .arg(pages)
                                 .arg(counters.zohoCalls)
                                 .arg(counters.caughtUp)
                                 .arg(counters.deleted);
    }

    // Books pages asked ahead (the default, 8 at once) are answered before the drift the
    // first ones cause: the listing looks stable, and a deletion of a record already listed
    // is invisible to it (Books has no deleted list). Still nothing live is marked deleted,
    // no insertion is missed, and the next full run removes what was deleted meanwhile.
    void pagesAskedAheadStaySafe()
    {
        const EntityDefinition products = entityOf(QStringLiteral("products"));
        SYNC_VERIFY_OK(setDrift(QJsonObject{{QStringLiteral("path"), products.path},
                                            {QStringLiteral("inserts"), 2},
                                            {QStringLiteral("deletes"), 2},
                                            {QStringLiteral("pages"), kDriftPages},
                                            {QStringLiteral("seed"), 31}}));
        auto report = runFull(products, false, SyncOptions().pagesInFlight);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
        auto stats = simGet(m_sim->apiBase(), QStringLiteral("/_sim/stats"));
        SYNC_VERIFY_OK(stats);
        const QJsonObject drift = stats->value(QStringLiteral("drift")).toObject();
        const QSet<QString> inserted = idSet(drift.value(QStringLiteral("inserted_ids")).toObject().value(QStringLiteral("products")));
        const QSet<QString> deleted = idSet(drift.value(QStringLiteral("deleted_ids")).toObject().value(QStringLiteral("products")));
        SYNC_VERIFY_OK(setDrift(QJsonValue::Null));
        verifyNothingLiveLost(products);
        auto stored = pgHashes(m_database->settings(), products.name);
        SYNC_VERIFY_OK(stored);
        for (const QString &id : inserted - deleted)
            QVERIFY2(stored->contains(id), qPrintable(id));
        auto next = runFull(products, false, SyncOptions().pagesInFlight);
        SYNC_VERIFY_OK(next);
        QVERIFY(!next->listingShifted);
        verifyExact(products);
    }

    // Data that keeps drifting through every listing: the run says so, stops after
    // maxListingPasses listings, and still marks nothing live deleted and misses no insert.
    void endlessDriftEndsAndStaysSafe()
    {
        const EntityDefinition products = entityOf(QStringLiteral("products"));
        SYNC_VERIFY_OK(setDrift(QJsonObject{{QStringLiteral("path"), products.path},
                                            {QStringLiteral("inserts"), 1},
                                            {QStringLiteral("deletes"), 1},
                                            {QStringLiteral("pages"), 1000},
                                            {QStringLiteral("seed"), 21}}));
        auto report = runFull(products, false);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
        QVERIFY(report->listingShifted);
        QCOMPARE(report->run.counters.listingPasses, 2);
        SYNC_VERIFY_OK(setDrift(QJsonValue::Null));
        // The inserted ones too; what the last listing could not prove gone waits for the
        // next run.
        verifyNothingLiveLost(products);
        auto next = runFull(products, false);
        SYNC_VERIFY_OK(next);
        QVERIFY(!next->listingShifted);
        verifyExact(products);
    }
};

QTEST_GUILESS_MAIN(TestSyncDrift)
#include "tst_syncdrift.moc"
