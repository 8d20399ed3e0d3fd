#include "manualepochclock.h"
#include "pgtestdatabase.h"
#include "privatezohosim.h"
#include "simcontrol.h"
#include "synctesthelpers.h"
#include "testsandbox.h"

#include "cache/cachekeys.h"
#include "cache/endpointpayload.h"
#include "cache/endpointregistry.h"
#include "cache/rawcachedentry.h"
#include "cache/readstatistics.h"
#include "cache/tieredreader.h"
#include "cache/zohoendpointfetcher.h"
#include "redis/redisbatch.h"
#include "redis/redisconnection.h"
#include "store/entityrepository.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "store/snapshotrepository.h"
#include "sync/commitstep.h"
#include "sync/contenthasher.h"
#include "sync/entityregistry.h"
#include "sync/syncorchestrator.h"
#include "sync/syncwriter.h"
#include "webhook/webhookprocessor.h"
#include "zoho/awaitresult.h"
#include "zoho/zohoapi.h"
#include "zoho/zohoservice.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include <pqxx/pqxx>

#include <memory>

using namespace tiersync;
using namespace tiersync::test;

namespace {

constexpr int kRedisDb = 64;  // this executable's Redis database on the fixture's server
const QString kGrades = QStringLiteral("grades");
const QString kStudents = QStringLiteral("students");
const QString kAcademics = QStringLiteral("academics");
const QString kProfile = QStringLiteral("profile");
const QByteArray kToken = "crm-token-for-commit-tests";

QStringList idsOf(const QJsonValue &data)
{
    QStringList ids;
    for (const QJsonValue &value : data.toArray())
        ids.append(value.toObject().value(QStringLiteral("id")).toString());
    return ids;
}

}  // namespace

// The commit step on real servers: sync, moves, deletions and webhooks regroup the
// students' snapshots in PostgreSQL and rewrite their Redis keys.
class TestCommitStep final : public QObject {
    Q_OBJECT

private:
    ConnectionProfile m_profile;
    std::unique_ptr<PrivateZohoSim> m_sim;
    std::unique_ptr<ZohoService> m_service;
    std::unique_ptr<PgTestDatabase> m_database;
    RedisSettings m_redis;
    EndpointRegistry m_endpoints;
    EntityRegistry m_entities;
    CommitStep::Layout m_layout;
    ManualEpochClock m_clock;

    const EntityDefinition &entity(const QString &name) { return *m_entities.find(name); }

    Result<SyncReport> sync(const QString &name, SyncMode mode = SyncMode::Full)
    {
        SyncOptions options;
        options.mode = mode;
        options.clock = m_clock.clock();
        SyncOrchestrator orchestrator(entity(name), m_service->client(), m_database->settings(), m_redis, options);
        return runOnWorker(orchestrator);
    }

    Result<CommitStep::Report> commit(const QString &name, const CommitStep::Batch &batch, bool caching = true,
                                      const RedisSettings *redis = nullptr)
    {
        PgConnection pg(m_database->settings());
        RedisConnection connection(redis ? *redis : m_redis);
        CommitStep step(entity(name), m_layout, pg, connection);
        CommitStep::Options options;
        options.cachingEnabled = caching;
        options.clock = m_clock.clock();
        return step.commit(batch, options);
    }

    CommitStep::Upsert upsertOf(const QString &name, const QJsonObject &record)
    {
        return CommitStep::Upsert{record.value(QStringLiteral("id")).toString(),
                                  ContentHasher().hash(record, entity(name).volatileFields), record};
    }

    std::optional<EntityRepository::StoredRow> row(const QString &type, const QString &id)
    {
        PgConnection connection(m_database->settings());
        auto found = EntityRepository(connection).get(type, id);
        if (!found)
            qFatal("%s", qPrintable(found.error().toString()));
        return *found;
    }
    std::optional<SnapshotRepository::Snapshot> snapshot(const QString &endpoint, qint64 student)
    {
        PgConnection connection(m_database->settings());
        auto found = SnapshotRepository(connection).get(endpoint, student);
        if (!found)
            qFatal("%s", qPrintable(found.error().toString()));
        return *found;
    }
    // The data under an endpoint key; undefined when the key is absent.
    QJsonValue cached(const QString &endpoint, qint64 student)
    {
        RedisConnection redis(m_redis);
        auto value = redis.get(cachekeys::endpointKey(endpoint, student));
        if (!value)
            qFatal("%s", qPrintable(value.error().toString()));
        if (!value->has_value())
            return QJsonValue(QJsonValue::Undefined);
        auto entry = RawCachedEntry::decode(**value);
        if (!entry)
            qFatal("%s", qPrintable(entry.error().toString()));
        if (entry->dataJson == "null")
            return QJsonValue(QJsonValue::Null);
        const QJsonDocument document = QJsonDocument::fromJson(entry->dataJson);
        return document.isArray() ? QJsonValue(document.array()) : QJsonValue(document.object());
    }
    QByteArray cachedBytes(const QString &endpoint, qint64 student)
    {
        RedisConnection redis(m_redis);
        auto value = redis.get(cachekeys::endpointKey(endpoint, student));
        if (!value || !value->has_value())
            return {};
        auto entry = RawCachedEntry::decode(**value);
        return entry ? entry->dataJson : QByteArray();
    }
    // Live grade rows: student -> ids, from PostgreSQL.
    QHash<qint64, QStringList> gradesByStudent()
    {
        QHash<qint64, QStringList> byStudent;
        PgConnection connection(m_database->settings());
        Status read = connection.transaction(QStringLiteral("grades"), [&](pqxx::transaction_base &txn) {
            for (const auto &r : txn.exec("SELECT moodle_user_id, zoho_id FROM tiersync.entities"
                                          " WHERE entity_type = 'grades' AND deleted_at IS NULL"))
                byStudent[r[0].as<qint64>()].append(QString::fromStdString(r[1].as<std::string>()));
            return Status();
        });
        if (!read)
            qFatal("%s", qPrintable(read.error().toString()));
        return byStudent;
    }
    QJsonObject gradeRecord(const QString &id)
    {
        const auto stored = row(kGrades, id);
        if (!stored)
            qFatal("no grade %s", qPrintable(id));
        return QJsonDocument::fromJson(stored->row.payload).object();
    }
    // Two students with at least two grades each.
    std::pair<qint64, qint64> twoStudents(const QHash<qint64, QStringList> &byStudent)
    {
        QList<qint64> students;
        for (auto it = byStudent.cbegin(); it != byStudent.cend(); ++it)
            if (it.value().size() >= 2)
                students.append(it.key());
        std::sort(students.begin(), students.end());
        if (students.size() < 2)
            qFatal("the sim has too few students with grades");
        return {students.at(0), students.at(1)};
    }

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        m_profile = profile;
        m_redis = profile.redis;
        m_redis.db = kRedisDb;
        auto sim = PrivateZohoSim::start({QStringLiteral("--products"), QStringLiteral("5"),
                                          QStringLiteral("--customers"), QStringLiteral("5"),
                                          QStringLiteral("--students"), QStringLiteral("12"),
                                          QStringLiteral("--limits"), QStringLiteral("off")});
        SYNC_VERIFY_OK(sim);
        m_sim = std::move(*sim);
        m_service = std::make_unique<ZohoService>(m_sim->settings(), fastClientOptions());
        auto endpoints = EndpointRegistry::builtIn();
        SYNC_VERIFY_OK(endpoints);
        m_endpoints = *endpoints;
        auto entities = EntityRegistry::builtIn();
        SYNC_VERIFY_OK(entities);
        m_entities = *entities;
        auto layout = CommitStep::layout(m_entities, m_endpoints);
        SYNC_VERIFY_OK(layout);
        m_layout = *layout;
        QCOMPARE(m_layout.rosterEntity, kStudents);
        QCOMPARE(m_layout.fed.size(), 5);
        auto database = PgTestDatabase::create(profile.pg, QStringLiteral("commitstep"));
        SYNC_VERIFY_OK(database);
        m_database = std::move(*database);
    }

    void cleanupTestCase()
    {
        if (m_redis.db == kRedisDb)
            (void)flushRedisDb(m_redis);
        m_database.reset();
        m_service.reset();
        m_sim.reset();
    }

    // Each test starts from a freshly migrated schema, an empty Redis db and synced grades.
    void init()
    {
        PgConnection connection(m_database->settings());
        SYNC_VERIFY_OK(connection.nonTransaction(QStringLiteral("drop the schema"), [](pqxx::transaction_base &txn) {
            txn.exec("DROP SCHEMA IF EXISTS tiersync CASCADE");
            return Status();
        }));
        SYNC_VERIFY_OK(Migrator().migrate(connection));
        SYNC_VERIFY_OK(flushRedisDb(m_redis));
        auto report = sync(kGrades);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
        QVERIFY(report->run.counters.synced > 0);
    }

    // The sync regroups every student's grades into academics: the same bytes and hash as
    // a per-student Zoho fetch, in PostgreSQL and in Redis.
    void syncRegroupsLikeAPerStudentFetch()
    {
        const auto byStudent = gradesByStudent();
        QVERIFY(byStudent.size() >= 2);
        ZohoEndpointFetcher fetcher{ZohoApi(m_service->client())};
        const EndpointDefinition *academics = m_endpoints.find(kAcademics);
        for (auto it = byStudent.cbegin(); it != byStudent.cend(); ++it) {
            auto fetched = fetcher.fetch(*academics, it.key());
            SYNC_VERIFY_OK(fetched);
            const QByteArray fromZoho = endpointpayload::toJson(*fetched);
            const auto stored = snapshot(kAcademics, it.key());
            QVERIFY(stored.has_value());
            QCOMPARE(stored->contentHash, endpointpayload::contentHash(fromZoho));
            QCOMPARE(cachedBytes(kAcademics, it.key()), fromZoho);
            QCOMPARE(stored->fetchedAt.toMSecsSinceEpoch(), m_clock.nowMs());
            QCOMPARE(idsOf(*fetched).size(), it.value().size());
        }
        // No roster yet and no other module synced: nothing else was regrouped.
        PgConnection connection(m_database->settings());
        auto count = SnapshotRepository(connection).count();
        SYNC_VERIFY_OK(count);
        QCOMPARE(*count, byStudent.size());
    }

    // A record moving from student A to student B: both snapshots and both keys rewritten.
    void recordMovesBetweenStudents()
    {
        const auto byStudent = gradesByStudent();
        const auto [a, b] = twoStudents(byStudent);
        const QString moved = byStudent.value(a).first();
        QJsonObject record = gradeRecord(moved);
        record.insert(QStringLiteral("Moodle_User_ID"), QString::number(b));
        m_clock.advance(60000);

        auto report = commit(kGrades, CommitStep::Batch{{upsertOf(kGrades, record)}, {}, {}});
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->rowsUpserted, 1);
        QCOMPARE(report->rowsDeleted, 0);
        QCOMPARE(report->students, 2);
        QCOMPARE(report->snapshotsWritten, 2);
        QCOMPARE(report->snapshotsRemoved, 0);
        QCOMPARE(report->keysRewritten, 2);
        QCOMPARE(report->keysUnlinked, 0);
        QCOMPARE(report->statesWritten, 1);
        QVERIFY(report->redisWritten);
        QCOMPARE(report->syncCounts.value(moved), 2);
        QCOMPARE(row(kGrades, moved)->row.moodleUserId, b);

        QStringList expectedA = byStudent.value(a);
        expectedA.removeAll(moved);
        QStringList expectedB = byStudent.value(b) << moved;
        std::sort(expectedA.begin(), expectedA.end(), endpointpayload::idLess);
        std::sort(expectedB.begin(), expectedB.end(), endpointpayload::idLess);
        for (const auto &[student, expected] : {std::pair{a, expectedA}, std::pair{b, expectedB}}) {
            const auto stored = snapshot(kAcademics, student);
            QVERIFY(stored.has_value());
            QCOMPARE(idsOf(QJsonDocument::fromJson(stored->payload).array()), expected);
            QCOMPARE(stored->fetchedAt.toMSecsSinceEpoch(), m_clock.nowMs());
            QCOMPARE(idsOf(cached(kAcademics, student)), expected);
        }
        // The state says what was committed.
        RedisConnection redis(m_redis);
        auto state = redis.hgetall(cachekeys::entityStateKey(kGrades, moved));
        SYNC_VERIFY_OK(state);
        QCOMPARE(state->value("sync_count"), QByteArray("2"));
        QCOMPARE(QString::fromLatin1(state->value("content_hash")), upsertOf(kGrades, record).hash);
    }

    // Deleted records: the row is marked, the state goes, the student's snapshot and key
    // are rewritten without it; the last record of a student unknown to the roster takes
    // the snapshot and the key with it.
    void deletedRecord()
    {
        const auto byStudent = gradesByStudent();
        const auto [a, b] = twoStudents(byStudent);
        Q_UNUSED(b);
        const QStringList ids = byStudent.value(a);
        {
            RedisConnection redis(m_redis);
            QCOMPARE(*redis.exists({cachekeys::entityStateKey(kGrades, ids.first())}), 1);
        }
        auto report = commit(kGrades, CommitStep::Batch{{}, {ids.first()}, {}});
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->rowsDeleted, 1);
        QCOMPARE(report->snapshotsWritten, 1);
        QCOMPARE(report->keysRewritten, 1);
        QCOMPARE(report->statesRemoved, 1);
        QVERIFY(row(kGrades, ids.first())->deletedAt.isValid());
        QVERIFY(!idsOf(cached(kAcademics, a)).contains(ids.first()));
        QCOMPARE(idsOf(cached(kAcademics, a)).size(), ids.size() - 1);
        RedisConnection redis(m_redis);
        QCOMPARE(*redis.exists({cachekeys::entityStateKey(kGrades, ids.first())}), 0);

        // The rest of A's grades: A is unknown now (no roster row, no record).
        report = commit(kGrades, CommitStep::Batch{{}, ids.mid(1), {}});
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->rowsDeleted, ids.size() - 1);
        QCOMPARE(report->snapshotsWritten, 0);
        QCOMPARE(report->snapshotsRemoved, 1);
        QCOMPARE(report->keysUnlinked, 1);
        QVERIFY(!snapshot(kAcademics, a).has_value());
        QVERIFY(cached(kAcademics, a).isUndefined());

        // Deleting again: nothing left to do, and nothing touched but the states.
        report = commit(kGrades, CommitStep::Batch{{}, ids, {}});
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->rowsDeleted, 0);
        QCOMPARE(report->students, 0);
        QCOMPARE(report->keysRewritten + report->keysUnlinked, 0);
    }

    // An unchanged student writes nothing: the row is written (sync_count + 1) but the
    // snapshot row is not touched and its key keeps its value.
    void unchangedStudentWritesNothing()
    {
        const auto byStudent = gradesByStudent();
        const qint64 student = byStudent.cbegin().key();
        const QString id = byStudent.cbegin().value().first();
        const auto before = snapshot(kAcademics, student);
        QVERIFY(before.has_value());
        const QByteArray keyBefore = cachedBytes(kAcademics, student);
        m_clock.advance(120000);

        auto report = commit(kGrades, CommitStep::Batch{{upsertOf(kGrades, gradeRecord(id))}, {}, {}});
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->rowsUpserted, 1);
        QCOMPARE(report->students, 1);
        QCOMPARE(report->snapshotsWritten, 0);
        QCOMPARE(report->keysRewritten + report->keysUnlinked, 0);
        const auto after = snapshot(kAcademics, student);
        QCOMPARE(after->fetchedAt, before->fetchedAt);
        QCOMPARE(after->contentHash, before->contentHash);
        QCOMPARE(cachedBytes(kAcademics, student), keyBefore);
        QCOMPARE(row(kGrades, id)->syncCount, 2);

        // Caching off: the key goes instead, the snapshot still stays as it is.
        report = commit(kGrades, CommitStep::Batch{{upsertOf(kGrades, gradeRecord(id))}, {}, {}}, false);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->keysUnlinked, 1);
        QVERIFY(cached(kAcademics, student).isUndefined());
        QCOMPARE(snapshot(kAcademics, student)->fetchedAt, before->fetchedAt);
    }

    // A roster row inserted regroups every fed endpoint whose feed has rows: a student with
    // no grades gets [] for academics; a feed that never ran (payments) is left alone.
    void rosterRowRegroupsEveryFedEndpoint()
    {
        const auto byStudent = gradesByStudent();
        const qint64 withGrades = byStudent.cbegin().key();
        const qint64 withoutGrades = 900001;  // no record of any module
        const QJsonObject student1{{QStringLiteral("id"), QStringLiteral("4000000000000000001")},
                                   {QStringLiteral("Moodle_User_ID"), QString::number(withGrades)},
                                   {QStringLiteral("Name"), QStringLiteral("One")}};
        const QJsonObject student2{{QStringLiteral("id"), QStringLiteral("4000000000000000002")},
                                   {QStringLiteral("Moodle_User_ID"), QString::number(withoutGrades)},
                                   {QStringLiteral("Name"), QStringLiteral("Two")}};
        auto report = commit(kStudents, CommitStep::Batch{{upsertOf(kStudents, student1), upsertOf(kStudents, student2)},
                                                          {}, {}});
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->students, 2);
        // profile for both, academics for the one without grades (the other's is unchanged).
        QCOMPARE(report->snapshotsWritten, 3);
        QCOMPARE(cached(kProfile, withoutGrades).toObject().value(QStringLiteral("Name")).toString(),
                 QStringLiteral("Two"));
        QCOMPARE(cached(kAcademics, withoutGrades), QJsonValue(QJsonArray()));
        QCOMPARE(snapshot(kAcademics, withoutGrades)->payload, QByteArray("[]"));
        QVERIFY(!snapshot(QStringLiteral("finance"), withoutGrades).has_value());
        QVERIFY(cached(QStringLiteral("finance"), withoutGrades).isUndefined());

        // The roster row deleted: the student is unknown again, its snapshots and keys go.
        report = commit(kStudents, CommitStep::Batch{{}, {QStringLiteral("4000000000000000002")}, {}});
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->snapshotsRemoved, 2);
        QVERIFY(!snapshot(kAcademics, withoutGrades).has_value());
        QVERIFY(!snapshot(kProfile, withoutGrades).has_value());
        QVERIFY(cached(kAcademics, withoutGrades).isUndefined());
        QVERIFY(cached(kProfile, withoutGrades).isUndefined());
    }

    // The roster synced before a module's feed ever ran (the first run of a new
    // deployment): the feed's complete listing gives every roster student without records
    // its empty answer, so none of them costs a Zoho call later.
    void fullFeedRunFillsTheRostersGaps()
    {
        auto students = sync(kStudents);
        SYNC_VERIFY_OK(students);
        QCOMPARE(students->run.status, SyncRunStatus::Succeeded);
        auto requests = sync(QStringLiteral("requests"));
        SYNC_VERIFY_OK(requests);
        QCOMPARE(requests->run.status, SyncRunStatus::Succeeded);

        qint64 roster = 0, snapshots = 0, empty = 0, withoutRecords = 0;
        PgConnection connection(m_database->settings());
        SYNC_VERIFY_OK(connection.transaction(QStringLiteral("counting"), [&](pqxx::transaction_base &txn) {
            roster = txn.exec("SELECT count(DISTINCT moodle_user_id) FROM tiersync.entities"
                              " WHERE entity_type = 'students' AND deleted_at IS NULL")[0][0].as<qint64>();
            snapshots = txn.exec("SELECT count(*) FROM tiersync.endpoint_snapshots WHERE endpoint = 'requests'")[0][0]
                            .as<qint64>();
            empty = txn.exec("SELECT count(*) FROM tiersync.endpoint_snapshots"
                             " WHERE endpoint = 'requests' AND payload = '[]'::jsonb")[0][0].as<qint64>();
            withoutRecords = txn.exec("SELECT count(DISTINCT s.moodle_user_id) FROM tiersync.entities s"
                                      " WHERE s.entity_type = 'students' AND s.deleted_at IS NULL"
                                      "   AND NOT EXISTS (SELECT 1 FROM tiersync.entities r"
                                      "                   WHERE r.entity_type = 'requests' AND r.deleted_at IS NULL"
                                      "                     AND r.moodle_user_id = s.moodle_user_id)")[0][0].as<qint64>();
            return Status();
        }));
        QVERIFY(roster > 0);
        QVERIFY(withoutRecords > 0);  // the sim gives some students no requests
        QCOMPARE(snapshots, roster);
        QCOMPARE(empty, withoutRecords);
        // A second complete listing finds no gap and writes nothing.
        auto again = sync(QStringLiteral("requests"), SyncMode::Full);
        SYNC_VERIFY_OK(again);
        QCOMPARE(again->run.status, SyncRunStatus::Succeeded);
    }

    // A CRM notification for a changed grade: PostgreSQL row and snapshot updated, the
    // Redis key rewritten, and the very next read comes from Redis with the new value.
    void webhookRewritesTheReadersKey()
    {
        const auto byStudent = gradesByStudent();
        const qint64 student = byStudent.cbegin().key();
        const QString id = byStudent.cbegin().value().first();
        const int oldScore = gradeRecord(id).value(QStringLiteral("Score")).toInt();
        auto mutated = simPost(m_sim->apiBase(), QStringLiteral("/_sim/mutate"),
                               QJsonObject{{QStringLiteral("entity"), QStringLiteral("Grades")},
                                           {QStringLiteral("ids"), QJsonArray{id}}});
        SYNC_VERIFY_OK(mutated);
        QCOMPARE(mutated->value(QStringLiteral("mutated")).toInt(), 1);
        auto fresh = awaitResult(ZohoApi(m_service->client()).crmGet(QStringLiteral("Grades"), id));
        SYNC_VERIFY_OK(fresh);
        QVERIFY(fresh->has_value());
        const QString newHash = ContentHasher().hash(**fresh, entity(kGrades).volatileFields);
        QVERIFY(newHash != row(kGrades, id)->row.contentHash);
        m_clock.advance(30000);

        WebhookSettings settings;
        settings.crmToken = Secret(QString::fromUtf8(kToken));
        WebhookProcessor webhooks(m_entities, m_database->settings(), m_redis, m_service->client(), settings, {},
                                  m_clock.clock());
        WebhookHandler::Delivery delivery;
        delivery.source = QStringLiteral("crm");
        delivery.body = QJsonDocument(QJsonObject{{QStringLiteral("server_time"), qint64(1718117126473)},
                                                  {QStringLiteral("module"), QStringLiteral("Grades")},
                                                  {QStringLiteral("ids"), QJsonArray{id}},
                                                  {QStringLiteral("operation"), QStringLiteral("update")},
                                                  {QStringLiteral("channel_id"), QStringLiteral("1000000068001")},
                                                  {QStringLiteral("token"), QString::fromUtf8(kToken)}})
                            .toJson(QJsonDocument::Compact);
        const auto answer = webhooks.handle(delivery);
        QCOMPARE(answer.status, 200);
        const QJsonObject body = QJsonDocument::fromJson(answer.json).object();
        QCOMPARE(body.value(QStringLiteral("status")).toString(), QStringLiteral("processed"));
        QCOMPARE(body.value(QStringLiteral("invalidated_keys")).toArray(),
                 QJsonArray{QString::fromUtf8(cachekeys::endpointKey(kAcademics, student))});

        QCOMPARE(row(kGrades, id)->row.contentHash, newHash);
        const auto stored = snapshot(kAcademics, student);
        QCOMPARE(stored->fetchedAt.toMSecsSinceEpoch(), m_clock.nowMs());
        int snapshotScore = -1;
        for (const QJsonValue &grade : QJsonDocument::fromJson(stored->payload).array())
            if (grade.toObject().value(QStringLiteral("id")).toString() == id)
                snapshotScore = grade.toObject().value(QStringLiteral("Score")).toInt();
        QCOMPARE(snapshotScore, (**fresh).value(QStringLiteral("Score")).toInt());

        // The reader: answered from Redis, with the new value, without asking Zoho.
        ZohoEndpointFetcher fetcher{ZohoApi(m_service->client())};
        ReadStatistics statistics(m_endpoints.names());
        TieredReader::Options options;
        options.redis = m_redis;
        options.pg = m_database->settings();
        options.clock = m_clock.clock();
        TieredReader reader(m_endpoints, fetcher, statistics, {}, options);
        SYNC_VERIFY_OK(simPost(m_sim->apiBase(), QStringLiteral("/_sim/reset-stats")));
        auto read = reader.read(kAcademics, student, false);
        SYNC_VERIFY_OK(read);
        QCOMPARE(read->source, ReadSource::Redis);
        int readScore = -1;
        for (const QJsonValue &grade : QJsonDocument::fromJson(read->dataJson).array())
            if (grade.toObject().value(QStringLiteral("id")).toString() == id)
                readScore = grade.toObject().value(QStringLiteral("Score")).toInt();
        QCOMPARE(readScore, (**fresh).value(QStringLiteral("Score")).toInt());
        Q_UNUSED(oldScore);
        auto stats = simGet(m_sim->apiBase(), QStringLiteral("/_sim/stats"));
        SYNC_VERIFY_OK(stats);
        QCOMPARE(stats->value(QStringLiteral("total")).toInt(), 0);
    }

    // A full run's listing proves a record gone: markDeleted goes through the commit step,
    // so the record's student is regrouped without it. SyncWriter::submitDeletions does
    // the same for ids from the deleted-records list.
    void deletionsOfFullRunsAndTheWriter()
    {
        const auto byStudent = gradesByStudent();
        const auto [a, b] = twoStudents(byStudent);
        // A grade Zoho does not have (as if deleted there since the last run), on student A.
        QJsonObject ghost = gradeRecord(byStudent.value(a).first());
        ghost.insert(QStringLiteral("id"), QStringLiteral("4100000000000000001"));
        SYNC_VERIFY_OK(commit(kGrades, CommitStep::Batch{{upsertOf(kGrades, ghost)}, {}, {}}));
        QVERIFY(idsOf(cached(kAcademics, a)).contains(QStringLiteral("4100000000000000001")));

        auto report = sync(kGrades, SyncMode::Full);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
        QCOMPARE(report->run.counters.deleted, 1);
        QVERIFY(row(kGrades, QStringLiteral("4100000000000000001"))->deletedAt.isValid());
        QVERIFY(!idsOf(cached(kAcademics, a)).contains(QStringLiteral("4100000000000000001")));
        QVERIFY(!idsOf(QJsonDocument::fromJson(snapshot(kAcademics, a)->payload).array())
                     .contains(QStringLiteral("4100000000000000001")));

        // The writer: B's grades deleted through submitDeletions.
        const QStringList gone = byStudent.value(b);
        SyncWriter writer(entity(kGrades), m_database->settings(), m_redis, 3600, 1000, 8, nullptr, m_clock.clock());
        QVERIFY(writer.submitDeletions(gone));
        SYNC_VERIFY_OK(writer.drain());
        QCOMPARE(writer.deleted(), gone.size());
        QCOMPARE(writer.synced(), 0);
        for (const QString &id : gone)
            QVERIFY(row(kGrades, id)->deletedAt.isValid());
        QVERIFY(!snapshot(kAcademics, b).has_value());
        QVERIFY(cached(kAcademics, b).isUndefined());
    }

    // Redis failing after the commit: PostgreSQL holds the change, Redis got nothing and
    // the report says so. PostgreSQL failing: nothing reaches Redis.
    void failures()
    {
        const auto byStudent = gradesByStudent();
        const qint64 student = byStudent.cbegin().key();
        const QString id = byStudent.cbegin().value().first();
        QJsonObject record = gradeRecord(id);
        record.insert(QStringLiteral("Course"), QStringLiteral("Changed while Redis is away"));
        const QByteArray keyBefore = cachedBytes(kAcademics, student);
        QVERIFY(!keyBefore.isEmpty());

        RedisSettings nowhere = m_redis;
        nowhere.host = QStringLiteral("127.0.0.1");
        nowhere.port = 1;
        nowhere.connectTimeoutMs = 200;
        auto report = commit(kGrades, CommitStep::Batch{{upsertOf(kGrades, record)}, {}, {}}, true, &nowhere);
        SYNC_VERIFY_OK(report);
        QVERIFY(!report->redisWritten);
        QVERIFY(report->redisError.kind != ErrorKind::None);
        QCOMPARE(report->snapshotsWritten, 1);
        QCOMPARE(report->keysRewritten, 0);
        QCOMPARE(row(kGrades, id)->row.contentHash, upsertOf(kGrades, record).hash);
        QVERIFY(snapshot(kAcademics, student)->payload.contains("Changed while Redis is away"));
        QCOMPARE(cachedBytes(kAcademics, student), keyBefore);

        // PostgreSQL refusing the batch (a payload jsonb cannot hold): rolled back, Redis untouched.
        RedisConnection redis(m_redis);
        SYNC_VERIFY_OK(redis.set(cachekeys::endpointKey(kAcademics, student), "sentinel"));
        QJsonObject bad = record;
        bad.insert(QStringLiteral("Course"), QString(QChar(0)));  // \u0000: jsonb refuses it
        auto failed = commit(kGrades, CommitStep::Batch{{upsertOf(kGrades, bad)}, {}, {}});
        QVERIFY(!failed.ok());
        auto value = redis.get(cachekeys::endpointKey(kAcademics, student));
        SYNC_VERIFY_OK(value);
        QCOMPARE(**value, QByteArray("sentinel"));
        QVERIFY(snapshot(kAcademics, student)->payload.contains("Changed while Redis is away"));
    }
};

QTEST_GUILESS_MAIN(TestCommitStep)
#include "tst_commitstep.moc"
