// Feed runs (DESIGN.md "Feeds") of the grades module against a private zoho-sim, into a
// scratch database and Redis db 73 of the fixture's servers. The functions build on each
// other in order: the cold run is full, an incremental run after a mutation asks with
// If-Modified-Since and gets only what changed, a run with nothing changed costs one 304
// and one deleted-records list and writes nothing.
#include "manualepochclock.h"
#include "pgtestdatabase.h"
#include "privatezohosim.h"
#include "simcontrol.h"
#include "synctesthelpers.h"
#include "testsandbox.h"

#include "store/feedstaterepository.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "sync/syncorchestrator.h"
#include "zoho/zohoservice.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QTest>

#include <pqxx/pqxx>

#include <memory>

using namespace tiersync;
using namespace tiersync::test;

namespace {

constexpr int kRedisDb = 73;  // this executable's Redis database on the fixture's server
// The feed's clock: well after every generated Modified_Time and every mutation of this
// test, so the watermarks are the times the sim stamped, never bounded by the run's start.
constexpr qint64 kFeedStartMs = 1893456030000;  // 2030-01-01 00:00:30 UTC

// The grades feed as the endpoint registry names it (resources/endpoints.json: academics).
EntityDefinition gradesEntity()
{
    EntityDefinition grades;
    grades.name = QStringLiteral("grades");
    grades.description = QStringLiteral("Zoho CRM Grades");
    grades.source = EntityDefinition::Source::Crm;
    grades.module = QStringLiteral("Grades");
    grades.idField = QStringLiteral("id");
    grades.modifiedField = QStringLiteral("Modified_Time");
    grades.moodleUserIdField = QStringLiteral("Moodle_User_ID");
    grades.volatileFields = {QStringLiteral("$approval"), QStringLiteral("$approved"), QStringLiteral("$editable"),
                             QStringLiteral("$in_merge"), QStringLiteral("$process_flow"),
                             QStringLiteral("$review_process"), QStringLiteral("$state"),
                             QStringLiteral("Last_Activity_Time"), QStringLiteral("Modified_Time")};
    grades.affects = {QStringLiteral("academics")};
    return grades;
}

}  // namespace

class TestFeedRun final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<SyncOrchestrator> orchestrator(SyncOptions options = {})
    {
        options.clock = m_clock.clock();
        return std::make_unique<SyncOrchestrator>(gradesEntity(), m_service->client(), m_database->settings(),
                                                  m_redis, options);
    }

    // GET /_sim/stats request counts of the grades list and its deleted list, then zeroed.
    QPair<int, int> takeSimRequests(int *total = nullptr)
    {
        auto stats = simGet(m_sim->apiBase(), QStringLiteral("/_sim/stats"));
        if (!stats)
            qFatal("sim stats: %s", qPrintable(stats.error().toString()));
        const QJsonObject requests = stats->value(QStringLiteral("requests")).toObject();
        if (total)
            *total = stats->value(QStringLiteral("total")).toInt();
        (void)simPost(m_sim->apiBase(), QStringLiteral("/_sim/reset-stats"));
        return {requests.value(QStringLiteral("GET /crm/v2/Grades")).toInt(),
                requests.value(QStringLiteral("GET /crm/v2/Grades/deleted")).toInt()};
    }

    std::optional<FeedStateRepository::State> feedState()
    {
        PgConnection connection(m_database->settings());
        auto state = FeedStateRepository(connection).get(QStringLiteral("grades"));
        if (!state)
            qFatal("feed state: %s", qPrintable(state.error().toString()));
        return *state;
    }

    // id -> last_modified_time of the live grades rows, and the latest synced_at.
    QHash<QString, QDateTime> rowTimes(QDateTime *latestSync = nullptr)
    {
        QHash<QString, QDateTime> out;
        PgConnection connection(m_database->settings());
        Status read = connection.transaction(QStringLiteral("reading grades"), [&](pqxx::transaction_base &txn) -> Status {
            for (const auto &row : txn.exec("SELECT zoho_id, (extract(epoch FROM last_modified_time) * 1000)::bigint"
                                            " FROM tiersync.entities WHERE entity_type = 'grades' AND deleted_at IS NULL"))
                out.insert(QString::fromStdString(row[0].as<std::string>()),
                           QDateTime::fromMSecsSinceEpoch(row[1].as<qint64>(), Qt::UTC));
            if (latestSync)
                *latestSync = QDateTime::fromMSecsSinceEpoch(
                    txn.exec1("SELECT coalesce((extract(epoch FROM max(synced_at)) * 1000)::bigint, 0)"
                              " FROM tiersync.entities WHERE entity_type = 'grades'")[0].as<qint64>(), Qt::UTC);
            return {};
        });
        if (!read)
            qFatal("grades rows: %s", qPrintable(read.error().toString()));
        return out;
    }

    ManualEpochClock m_clock{kFeedStartMs};
    std::unique_ptr<PrivateZohoSim> m_sim;
    std::unique_ptr<ZohoService> m_service;
    std::unique_ptr<PgTestDatabase> m_database;
    RedisSettings m_redis;
    int m_grades = 0;

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        auto sim = PrivateZohoSim::start({QStringLiteral("--students"), QStringLiteral("60"),
                                          QStringLiteral("--limits"), QStringLiteral("off")});
        SYNC_VERIFY_OK(sim);
        m_sim = std::move(*sim);
        m_service = std::make_unique<ZohoService>(m_sim->settings(), fastClientOptions());
        auto database = PgTestDatabase::create(profile.pg, QStringLiteral("feedrun"));
        SYNC_VERIFY_OK(database);
        m_database = std::move(*database);
        PgConnection connection(m_database->settings());
        SYNC_VERIFY_OK(Migrator().migrate(connection));
        m_redis = profile.redis;
        m_redis.db = kRedisDb;
        SYNC_VERIFY_OK(flushRedisDb(m_redis));
        auto info = simGet(m_sim->apiBase(), QStringLiteral("/_sim/info"));
        SYNC_VERIFY_OK(info);
        const QJsonObject counts = info->value(QStringLiteral("counts")).toObject();
        m_grades = counts.value(QStringLiteral("Grades")).toInt(counts.value(QStringLiteral("grades")).toInt());
        QVERIFY2(m_grades > 200, qPrintable(QJsonDocument(*info).toJson()));  // more than one page
        (void)takeSimRequests();
    }

    void cleanupTestCase()
    {
        if (m_redis.db == kRedisDb)
            (void)flushRedisDb(m_redis);
    }

    void theCrmModulesAreFeeds()
    {
        QVERIFY(!feedState().has_value());
    }

    void coldRunIsFullAndSetsTheWatermark()
    {
        auto sync = orchestrator();  // incremental asked; no feed state yet: the cold run is full
        auto report = runOnWorker(*sync);
        SYNC_VERIFY_OK(report);
        const SyncRunRepository::Run &run = report->run;
        QCOMPARE(run.status, SyncRunStatus::Succeeded);
        QCOMPARE(run.mode, QStringLiteral("full"));
        QCOMPARE(run.counters.fetched, m_grades);
        QCOMPARE(run.counters.synced, m_grades);
        QCOMPARE(run.counters.deleted, 0);
        const int pages = (m_grades + 199) / 200;
        QCOMPARE(run.counters.pages, pages);
        // The listing, the catch-up (a 304: nothing changed since the run began) and one
        // deleted-list page, which also names what was deleted while the listing ran.
        QCOMPARE(run.counters.zohoCalls, pages + 2);
        QCOMPARE(takeSimRequests(), qMakePair(pages + 1, 1));
        QCOMPARE(run.counters.listingPasses, 1);
        QVERIFY(!run.counters.listingShifted);

        const QHash<QString, QDateTime> rows = rowTimes();
        QCOMPARE(rows.size(), m_grades);
        QDateTime latest;
        for (const QDateTime &time : rows)
            latest = std::max(latest, time);
        const auto state = feedState();
        QVERIFY(state.has_value());
        QCOMPARE(state->modifiedWatermark, latest);
        QVERIFY(!state->deletedWatermark.isValid());  // nothing deleted yet
        QCOMPARE(state->dataAsOf, QDateTime::fromMSecsSinceEpoch(kFeedStartMs, Qt::UTC));
        QCOMPARE(state->lastFullAt, state->dataAsOf);
        QCOMPARE(state->lastRunId, run.id);
    }

    void incrementalRunFetchesOnlyWhatChanged()
    {
        const auto before = feedState();
        QVERIFY(before.has_value());
        // What the overlap brings back: the records modified in its last 300 s.
        const QDateTime since = before->modifiedWatermark.addSecs(-300);
        QSet<QString> expected;
        const QHash<QString, QDateTime> rows = rowTimes();
        for (auto it = rows.cbegin(); it != rows.cend(); ++it)
            if (it.value().toSecsSinceEpoch() > since.toSecsSinceEpoch())
                expected.insert(it.key());
        QVERIFY(!expected.isEmpty());  // at least the record that set the watermark
        QVERIFY(expected.size() < 20);

        QStringList changed = rows.keys().mid(0, 3);
        auto mutated = simPost(m_sim->apiBase(), QStringLiteral("/_sim/mutate"),
                               QJsonObject{{QStringLiteral("entity"), QStringLiteral("Grades")},
                                           {QStringLiteral("ids"), QJsonArray::fromStringList(changed)}});
        SYNC_VERIFY_OK(mutated);
        QCOMPARE(mutated->value(QStringLiteral("mutated")).toInt(), 3);
        for (const QString &id : changed)
            expected.insert(id);

        m_clock.advance(300 * 1000);
        auto sync = orchestrator();
        auto report = runOnWorker(*sync);
        SYNC_VERIFY_OK(report);
        const SyncRunRepository::Run &run = report->run;
        QCOMPARE(run.status, SyncRunStatus::Succeeded);
        QCOMPARE(run.mode, QStringLiteral("incremental"));
        QCOMPARE(run.counters.fetched, expected.size());
        QCOMPARE(run.counters.synced, 3);
        QCOMPARE(run.counters.skipped, expected.size() - 3);
        QCOMPARE(run.counters.pages, 1);
        QCOMPARE(run.counters.zohoCalls, 2);
        QCOMPARE(takeSimRequests(), qMakePair(1, 1));

        // The watermark moved to the mutation's Modified_Time; data_as_of to this run's start.
        const QHash<QString, QDateTime> after = rowTimes();
        QDateTime latest;
        for (const QString &id : changed) {
            QVERIFY(after.value(id) > rows.value(id));
            latest = std::max(latest, after.value(id));
        }
        const auto state = feedState();
        QCOMPARE(state->modifiedWatermark, latest);
        QCOMPARE(state->dataAsOf, QDateTime::fromMSecsSinceEpoch(kFeedStartMs + 300 * 1000, Qt::UTC));
        QCOMPARE(state->lastFullAt, before->lastFullAt);
        QCOMPARE(state->lastRunId, run.id);
    }

    void noChangeRunCostsA304AndTheDeletedList()
    {
        QDateTime syncedBefore;
        const QHash<QString, QDateTime> rows = rowTimes(&syncedBefore);
        const auto before = feedState();
        m_clock.advance(300 * 1000);
        SyncOptions options;
        options.feedOverlapSeconds = 0;  // exactly the watermark: nothing is newer
        auto sync = orchestrator(options);
        auto report = runOnWorker(*sync);
        SYNC_VERIFY_OK(report);
        const SyncRunRepository::Run &run = report->run;
        QCOMPARE(run.status, SyncRunStatus::Succeeded);
        QCOMPARE(run.mode, QStringLiteral("incremental"));
        QCOMPARE(run.counters.fetched, 0);
        QCOMPARE(run.counters.synced, 0);
        QCOMPARE(run.counters.pages, 0);
        QCOMPARE(run.counters.deleted, 0);
        QCOMPARE(run.counters.zohoCalls, 2);
        int total = 0;
        QCOMPARE(takeSimRequests(&total), qMakePair(1, 1));
        QCOMPARE(total, 2);  // nothing else: no token refresh, no other page

        QDateTime syncedAfter;
        QCOMPARE(rowTimes(&syncedAfter), rows);
        QCOMPARE(syncedAfter, syncedBefore);  // nothing written
        const auto state = feedState();
        QCOMPARE(state->modifiedWatermark, before->modifiedWatermark);
        QCOMPARE(state->dataAsOf, QDateTime::fromMSecsSinceEpoch(kFeedStartMs + 600 * 1000, Qt::UTC));
    }

    void aFullRunOfAFeedAlsoReadsTheDeletedList()
    {
        SyncOptions options;
        options.mode = SyncMode::Full;
        auto sync = orchestrator(options);
        auto report = runOnWorker(*sync);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
        QCOMPARE(report->run.mode, QStringLiteral("full"));
        QCOMPARE(report->run.counters.fetched, m_grades);
        QCOMPARE(report->run.counters.deleted, 0);
        const int pages = (m_grades + 199) / 200;
        QCOMPARE(takeSimRequests(), qMakePair(pages + 1, 1));  // and the catch-up
        QCOMPARE(feedState()->lastFullAt, QDateTime::fromMSecsSinceEpoch(kFeedStartMs + 600 * 1000, Qt::UTC));
    }

    void aNonFeedRunLeavesNoFeedState()
    {
        SyncOptions options;
        options.feed = false;
        options.mode = SyncMode::Incremental;
        m_clock.advance(1000);
        auto sync = orchestrator(options);
        auto report = runOnWorker(*sync);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
        QCOMPARE(report->run.counters.fetched, m_grades);  // no If-Modified-Since
        QCOMPARE(takeSimRequests().second, 0);                // no deleted list
        QCOMPARE(feedState()->dataAsOf, QDateTime::fromMSecsSinceEpoch(kFeedStartMs + 600 * 1000, Qt::UTC));
    }
};

QTEST_GUILESS_MAIN(TestFeedRun)
#include "tst_feedrun.moc"
