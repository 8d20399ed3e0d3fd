// The dashboard replica end to end (DESIGN.md "Feeds"): a change made in Zoho (zoho-sim's
// /_sim/mutate: update, delete, move) reaches the dashboard through the product's own
// feed run — the If-Modified-Since listing and CRM's deleted-records list, the commit
// step, the snapshot regroup and the Redis keys — and the very next read answers it from
// Redis without a Zoho call. Against a private zoho-sim, a scratch PostgreSQL database and
// Redis db 106 of the fixture's server. The functions build on each other in order.
#include "manualepochclock.h"
#include "pgtestdatabase.h"
#include "privatezohosim.h"
#include "simcontrol.h"
#include "synctesthelpers.h"
#include "testsandbox.h"

#include "cache/endpointregistry.h"
#include "cache/readstatistics.h"
#include "cache/tieredreader.h"
#include "cache/zohoendpointfetcher.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "store/snapshotrepository.h"
#include "sync/entityregistry.h"
#include "sync/syncorchestrator.h"
#include "zoho/zohoapi.h"
#include "zoho/zohoservice.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include <pqxx/pqxx>

#include <algorithm>
#include <memory>

using namespace tiersync;
using namespace tiersync::test;

namespace {

constexpr int kRedisDb = 106;  // this executable's Redis database on the fixture's server
// The feeds' and the reader's clock: after every Modified_Time the sim stamps, so the
// watermarks are the sim's times and the feeds stay healthy (max lag 900 s) as it moves.
constexpr qint64 kStartMs = 1893456030000;  // 2030-01-01 00:00:30 UTC
const QString kGrades = QStringLiteral("grades");
const QString kStudents = QStringLiteral("students");
const QString kAcademics = QStringLiteral("academics");

QStringList idsOf(const QByteArray &dataJson)
{
    QStringList ids;
    for (const QJsonValue &value : QJsonDocument::fromJson(dataJson).array())
        ids.append(value.toObject().value(QStringLiteral("id")).toString());
    return ids;
}

QString scoreOf(const QByteArray &dataJson, const QString &id)
{
    for (const QJsonValue &value : QJsonDocument::fromJson(dataJson).array())
        if (value.toObject().value(QStringLiteral("id")).toString() == id)
            return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    return {};
}

}  // namespace

class TestFeedEndToEnd final : public QObject {
    Q_OBJECT

private:
    ManualEpochClock m_clock{kStartMs};
    std::unique_ptr<PrivateZohoSim> m_sim;
    std::unique_ptr<ZohoService> m_service;
    std::unique_ptr<PgTestDatabase> m_database;
    RedisSettings m_redis;
    EndpointRegistry m_endpoints;
    EntityRegistry m_entities;
    std::unique_ptr<ZohoEndpointFetcher> m_fetcher;
    std::unique_ptr<ReadStatistics> m_statistics;
    std::unique_ptr<TieredReader> m_reader;
    qint64 m_a = 0;  // two students with at least three grades each
    qint64 m_b = 0;

    // One feed run as the schedule makes it: incremental once the feed has state.
    Result<SyncReport> feed(const QString &entityType)
    {
        SyncOptions options;
        options.mode = SyncMode::Incremental;
        options.clock = m_clock.clock();
        SyncOrchestrator orchestrator(*m_entities.find(entityType), m_service->client(), m_database->settings(),
                                      m_redis, options);
        return runOnWorker(orchestrator);
    }

    // The sim's request count since the last call (then zeroed).
    int takeSimRequests()
    {
        auto stats = simGet(m_sim->apiBase(), QStringLiteral("/_sim/stats"));
        if (!stats)
            qFatal("sim stats: %s", qPrintable(stats.error().toString()));
        (void)simPost(m_sim->apiBase(), QStringLiteral("/_sim/reset-stats"));
        return stats->value(QStringLiteral("total")).toInt();
    }

    // Live grade ids of a student, from PostgreSQL's rows.
    QStringList liveGrades(qint64 student)
    {
        QStringList ids;
        PgConnection connection(m_database->settings());
        Status read = connection.transaction(QStringLiteral("grades"), [&](pqxx::transaction_base &txn) {
            for (const auto &row : txn.exec_params("SELECT zoho_id FROM tiersync.entities WHERE entity_type = 'grades'"
                                                   " AND deleted_at IS NULL AND moodle_user_id = $1 ORDER BY zoho_id",
                                                   student))
                ids.append(QString::fromStdString(row[0].as<std::string>()));
            return Status();
        });
        if (!read)
            qFatal("%s", qPrintable(read.error().toString()));
        return ids;
    }

    bool rowDeleted(const QString &id)
    {
        bool deleted = false;
        PgConnection connection(m_database->settings());
        Status read = connection.transaction(QStringLiteral("grade row"), [&](pqxx::transaction_base &txn) {
            deleted = txn.exec_params1("SELECT deleted_at IS NOT NULL FROM tiersync.entities"
                                       " WHERE entity_type = 'grades' AND zoho_id = $1",
                                       id.toStdString())[0]
                          .as<bool>();
            return Status();
        });
        if (!read)
            qFatal("%s", qPrintable(read.error().toString()));
        return deleted;
    }

    QByteArray snapshotOf(qint64 student)
    {
        PgConnection connection(m_database->settings());
        auto found = SnapshotRepository(connection).get(kAcademics, student);
        if (!found)
            qFatal("%s", qPrintable(found.error().toString()));
        return found->has_value() ? (*found)->payload : QByteArray();
    }

    // A dashboard read of academics: must come from Redis, with no Zoho call.
    QByteArray readFromTheReplica(qint64 student)
    {
        (void)takeSimRequests();
        auto read = m_reader->read(kAcademics, student, false);
        if (!read)
            qFatal("read %lld: %s", student, qPrintable(read.error().toString()));
        if (read->source != ReadSource::Redis)
            qFatal("read %lld came from %s, not Redis", student, qPrintable(readSourceName(read->source)));
        if (const int calls = takeSimRequests(); calls != 0)
            qFatal("read %lld made %d Zoho calls", student, calls);
        return read->dataJson;
    }

    void advance() { m_clock.advance(60 * 1000); }

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        m_redis = profile.redis;
        m_redis.db = kRedisDb;
        SYNC_VERIFY_OK(flushRedisDb(m_redis));
        auto sim = PrivateZohoSim::start({QStringLiteral("--products"), QStringLiteral("5"),
                                          QStringLiteral("--customers"), QStringLiteral("5"),
                                          QStringLiteral("--students"), QStringLiteral("30"),
                                          QStringLiteral("--limits"), QStringLiteral("off")});
        SYNC_VERIFY_OK(sim);
        m_sim = std::move(*sim);
        m_service = std::make_unique<ZohoService>(m_sim->settings(), fastClientOptions());
        auto database = PgTestDatabase::create(profile.pg, QStringLiteral("feede2e"));
        SYNC_VERIFY_OK(database);
        m_database = std::move(*database);
        PgConnection connection(m_database->settings());
        SYNC_VERIFY_OK(Migrator().migrate(connection));
        auto endpoints = EndpointRegistry::builtIn();
        SYNC_VERIFY_OK(endpoints);
        m_endpoints = *endpoints;
        auto entities = EntityRegistry::builtIn();
        SYNC_VERIFY_OK(entities);
        m_entities = *entities;

        m_fetcher = std::make_unique<ZohoEndpointFetcher>(ZohoApi(m_service->client()));
        m_statistics = std::make_unique<ReadStatistics>(m_endpoints.names());
        TieredReader::Options options;
        options.redis = m_redis;
        options.pg = m_database->settings();
        options.clock = m_clock.clock();
        options.earlyRefreshBeta = 0;  // no background refresh: every Zoho call is counted
        options.feedStateCacheMs = 0;
        m_reader = std::make_unique<TieredReader>(m_endpoints, *m_fetcher, *m_statistics, TieredReader::CachingEnabled{},
                                                  options);
    }

    void cleanupTestCase()
    {
        m_reader.reset();
        if (m_redis.db == kRedisDb)
            (void)flushRedisDb(m_redis);
    }

    // The first runs are full: the roster, then the grades.
    void coldFeedsFillTheReplica()
    {
        for (const QString &type : {kStudents, kGrades}) {
            auto report = feed(type);
            SYNC_VERIFY_OK(report);
            QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
            QCOMPARE(report->run.mode, QStringLiteral("full"));
            QVERIFY(report->run.counters.synced > 0);
        }
        QList<qint64> students;
        PgConnection connection(m_database->settings());
        SYNC_VERIFY_OK(connection.transaction(QStringLiteral("students"), [&](pqxx::transaction_base &txn) {
            for (const auto &row : txn.exec("SELECT moodle_user_id FROM tiersync.entities WHERE entity_type = 'grades'"
                                            " AND deleted_at IS NULL GROUP BY 1 HAVING count(*) >= 3 ORDER BY 1 LIMIT 2"))
                students.append(row[0].as<qint64>());
            return Status();
        }));
        QVERIFY2(students.size() == 2, "the sim has too few students with three grades");
        m_a = students.at(0);
        m_b = students.at(1);
        QCOMPARE(idsOf(readFromTheReplica(m_a)), liveGrades(m_a));
        QCOMPARE(idsOf(readFromTheReplica(m_b)), liveGrades(m_b));
    }

    void anUpdateReachesTheDashboard()
    {
        const QString id = liveGrades(m_a).first();
        const QString before = scoreOf(readFromTheReplica(m_a), id);
        auto mutated = simMutateOp(m_sim->apiBase(), QStringLiteral("Grades"), QStringLiteral("update"),
                                   {{QStringLiteral("ids"), QJsonArray{id}}});
        SYNC_VERIFY_OK(mutated);
        QCOMPARE(mutated->value(QStringLiteral("mutated")).toInt(), 1);
        advance();
        auto report = feed(kGrades);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
        QCOMPARE(report->run.mode, QStringLiteral("incremental"));
        QCOMPARE(report->run.counters.synced, 1);
        const QString after = scoreOf(readFromTheReplica(m_a), id);
        QVERIFY(!after.isEmpty());
        QVERIFY2(after != before, qPrintable(after));
        QCOMPARE(scoreOf(snapshotOf(m_a), id), after);
    }

    // Deleted in Zoho (to the recycle bin, and permanently): the deleted-records list of
    // the next run removes the records from the rows, the snapshot and Redis.
    void aDeletionReachesTheDashboard()
    {
        const QStringList before = liveGrades(m_a);
        const QString recycled = before.at(0);
        const QString purged = before.at(1);
        SYNC_VERIFY_OK(simMutateOp(m_sim->apiBase(), QStringLiteral("Grades"), QStringLiteral("delete"),
                                   {{QStringLiteral("ids"), QJsonArray{recycled}}}));
        SYNC_VERIFY_OK(simMutateOp(m_sim->apiBase(), QStringLiteral("Grades"), QStringLiteral("delete"),
                                   {{QStringLiteral("ids"), QJsonArray{purged}},
                                    {QStringLiteral("type"), QStringLiteral("permanent")}}));
        advance();
        auto report = feed(kGrades);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
        QCOMPARE(report->run.counters.deleted, 2);
        QVERIFY(rowDeleted(recycled));
        QVERIFY(rowDeleted(purged));

        const QStringList expected = before.mid(2);
        QCOMPARE(liveGrades(m_a), expected);
        QCOMPARE(idsOf(readFromTheReplica(m_a)), expected);
        QCOMPARE(idsOf(snapshotOf(m_a)), expected);
        // A run with nothing new deletes nothing more (the overlap lists them again).
        advance();
        auto again = feed(kGrades);
        SYNC_VERIFY_OK(again);
        QCOMPARE(again->run.counters.deleted, 0);
        QCOMPARE(idsOf(readFromTheReplica(m_a)), expected);
    }

    // A record given to another student leaves the first one's answer and joins the other's.
    void aMoveReachesBothStudents()
    {
        const QString moved = liveGrades(m_a).first();
        const QStringList bBefore = liveGrades(m_b);
        auto answer = simMutateOp(m_sim->apiBase(), QStringLiteral("Grades"), QStringLiteral("move"),
                                  {{QStringLiteral("ids"), QJsonArray{moved}},
                                   {QStringLiteral("to_moodle_user_id"), m_b}});
        SYNC_VERIFY_OK(answer);
        QCOMPARE(answer->value(QStringLiteral("mutated")).toInt(), 1);
        advance();
        auto report = feed(kGrades);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
        QCOMPARE(report->run.counters.deleted, 0);

        QVERIFY(!idsOf(readFromTheReplica(m_a)).contains(moved));
        QStringList bExpected = bBefore;
        bExpected.append(moved);
        std::sort(bExpected.begin(), bExpected.end());
        QCOMPARE(liveGrades(m_b), bExpected);
        QCOMPARE(idsOf(readFromTheReplica(m_b)), bExpected);
        QCOMPARE(idsOf(snapshotOf(m_b)), bExpected);
    }

    // The student's last grades deleted: the answer is the empty list, still from the replica.
    void aStudentWithNoGradesLeftReadsEmpty()
    {
        QVERIFY(!liveGrades(m_a).isEmpty());
        auto answer = simMutateOp(m_sim->apiBase(), QStringLiteral("Grades"), QStringLiteral("delete"),
                                  {{QStringLiteral("moodle_user_id"), m_a}});
        SYNC_VERIFY_OK(answer);
        const int gone = answer->value(QStringLiteral("mutated")).toInt();
        QVERIFY(gone >= 1);
        advance();
        auto report = feed(kGrades);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.counters.deleted, gone);
        QVERIFY(liveGrades(m_a).isEmpty());
        QCOMPARE(readFromTheReplica(m_a), QByteArray("[]"));
        // The other student is untouched.
        QCOMPARE(idsOf(readFromTheReplica(m_b)), liveGrades(m_b));
    }
};

QTEST_GUILESS_MAIN(TestFeedEndToEnd)
#include "tst_feede2e.moc"
