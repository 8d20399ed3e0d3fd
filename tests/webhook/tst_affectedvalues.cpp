// CRM notifications that carry the changed values (issue 10): channels enabled by the
// product's ChannelManager with return_affected_field_values, zoho-sim's notifications of
// its mutations delivered to a WebhookProcessor behind the HTTP server in this process, the
// replica filled by the product's feed runs. An update reaches the dashboard read (from
// Redis) with no Zoho call; what cannot be proven right is fetched as before. Against a
// private zoho-sim on a frozen clock moved with the test's, a scratch PostgreSQL database
// and Redis db 120 of the fixture's server. The functions build on each other in order.
#include "fakebackend.h"
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
#include "redis/redisconnection.h"
#include "server/httpserver.h"
#include "store/entityrepository.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "store/webhookeventrepository.h"
#include "sync/commitstep.h"
#include "sync/contenthasher.h"
#include "sync/entityregistry.h"
#include "sync/syncorchestrator.h"
#include "webhook/channelmanager.h"
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

constexpr int kRedisDb = 120;  // this executable's Redis database on the fixture's server
const QString kToken = QStringLiteral("crm-affected-token");
const QString kGrades = QStringLiteral("grades");
const QString kAcademics = QStringLiteral("academics");

QJsonObject recordIn(const QByteArray &dataJson, const QString &id)
{
    for (const QJsonValue &value : QJsonDocument::fromJson(dataJson).array())
        if (value.toObject().value(QStringLiteral("id")).toString() == id)
            return value.toObject();
    return {};
}

}  // namespace

class TestAffectedValues final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<ManualEpochClock> m_clock;
    std::unique_ptr<PrivateZohoSim> m_sim;
    std::unique_ptr<ZohoService> m_service;
    std::unique_ptr<PgTestDatabase> m_database;
    RedisSettings m_redis;
    EndpointRegistry m_endpoints;
    EntityRegistry m_entities;
    FakeBackend m_backend;
    std::unique_ptr<WebhookProcessor> m_webhooks;
    std::unique_ptr<HttpServer> m_server;
    std::unique_ptr<ChannelManager> m_channels;
    std::unique_ptr<ZohoEndpointFetcher> m_fetcher;
    std::unique_ptr<ReadStatistics> m_statistics;
    std::unique_ptr<TieredReader> m_reader;
    qint64 m_a = 0;  // two students with at least three grades each
    qint64 m_b = 0;
    qint64 m_crmCalls = 0;  // the sim's CRM requests at the last takeCrmCalls()

    // Both clocks forward: the sim's (frozen, so it moves only here) and the product's.
    void advance(qint64 ms = 60 * 1000)
    {
        auto moved = simAdvanceClock(m_sim->apiBase(), ms);
        if (!moved)
            qFatal("%s", qPrintable(moved.error().toString()));
        m_clock->advance(ms);
    }

    // CRM calls Zoho answered since the last call.
    qint64 takeCrmCalls()
    {
        auto total = simRequestsUnder(m_sim->apiBase(), QStringLiteral("/crm/"));
        if (!total)
            qFatal("%s", qPrintable(total.error().toString()));
        const qint64 calls = *total - m_crmCalls;
        m_crmCalls = *total;
        return calls;
    }

    Result<SyncReport> feed(const QString &entityType)
    {
        SyncOptions options;
        options.mode = SyncMode::Incremental;
        options.clock = m_clock->clock();
        SyncOrchestrator orchestrator(*m_entities.find(entityType), m_service->client(), m_database->settings(),
                                      m_redis, options);
        return runOnWorker(orchestrator);
    }

    // The student's live grades, as the commit step regroups them.
    QStringList liveGrades(qint64 student)
    {
        QStringList ids;
        PgConnection connection(m_database->settings());
        Status read = connection.transaction(QStringLiteral("grades"), [&](pqxx::transaction_base &txn) {
            ids.clear();
            for (const EntityRepository::OwnedRecord &owned : EntityRepository::liveRecordsOfIn(txn, kGrades, {student}))
                ids.append(owned.zohoId);
            return Status();
        });
        if (!read)
            qFatal("%s", qPrintable(read.error().toString()));
        ids.sort();
        return ids;
    }

    std::optional<EntityRepository::StoredRow> row(const QString &id)
    {
        PgConnection connection(m_database->settings());
        auto found = EntityRepository(connection).get(kGrades, id);
        if (!found)
            qFatal("%s", qPrintable(found.error().toString()));
        return *found;
    }
    QJsonObject storedRecord(const QString &id)
    {
        const auto stored = row(id);
        return stored ? QJsonDocument::fromJson(stored->row.payload).object() : QJsonObject();
    }

    // The record as Zoho has it (one call, taken out of the count).
    QJsonObject zohoRecord(const QString &id)
    {
        auto record = awaitResult(ZohoApi(m_service->client()).crmGet(QStringLiteral("Grades"), id));
        if (!record || !record->has_value())
            qFatal("no Zoho record %s", qPrintable(id));
        (void)takeCrmCalls();
        return **record;
    }

    // The newest delivery webhook_events recorded.
    WebhookEventRepository::Event lastEvent()
    {
        PgConnection connection(m_database->settings());
        auto events = WebhookEventRepository(connection).recent(1, QStringLiteral("crm"));
        if (!events || events->isEmpty())
            qFatal("no webhook event");
        return events->first();
    }

    // A dashboard read of academics: must come from Redis, with no Zoho call.
    QByteArray readFromRedis(qint64 student)
    {
        (void)takeCrmCalls();
        auto read = m_reader->read(kAcademics, student, false);
        if (!read)
            qFatal("read %lld: %s", student, qPrintable(read.error().toString()));
        if (read->source != ReadSource::Redis)
            qFatal("read %lld came from %s, not Redis", student, qPrintable(readSourceName(read->source)));
        if (const qint64 calls = takeCrmCalls(); calls != 0)
            qFatal("read %lld made %lld Zoho calls", student, calls);
        return read->dataJson;
    }

    // Zoho's change, its notification delivered (the mutate call waits for it).
    QJsonObject change(const QString &operation, QJsonObject fields)
    {
        fields.insert(QStringLiteral("wait_notifications"), true);
        auto answer = simMutateOp(m_sim->apiBase(), QStringLiteral("Grades"), operation, fields);
        if (!answer)
            qFatal("%s", qPrintable(answer.error().toString()));
        if (!answer->value(QStringLiteral("notifications")).toObject().value(QStringLiteral("delivered")).toBool())
            qFatal("the notification was not delivered");
        return *answer;
    }

    // A notification of our own making, as Zoho would send it on the Grades channel.
    WebhookHandler::Answer deliver(const QString &id, qint64 serverTimeMs, const QJsonValue &affectedValues)
    {
        QJsonObject body{{QStringLiteral("server_time"), serverTimeMs},
                         {QStringLiteral("module"), QStringLiteral("Grades")},
                         {QStringLiteral("ids"), QJsonArray{id}},
                         {QStringLiteral("operation"), QStringLiteral("update")},
                         {QStringLiteral("channel_id"), ChannelManager::channelIdFor(m_sim->settings().clientId,
                                                                                     QStringLiteral("Grades"))},
                         {QStringLiteral("token"), kToken},
                         {QStringLiteral("affected_values"), affectedValues}};
        WebhookHandler::Delivery delivery;
        delivery.source = QStringLiteral("crm");
        delivery.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
        return m_webhooks->handle(delivery);
    }

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
        auto frozen = simPost(m_sim->apiBase(), QStringLiteral("/_sim/clock"),
                              QJsonObject{{QStringLiteral("freeze"), true}, {QStringLiteral("advance_ms"), 0}});
        SYNC_VERIFY_OK(frozen);
        m_clock = std::make_unique<ManualEpochClock>(frozen->value(QLatin1String("now_ms")).toInteger());
        m_service = std::make_unique<ZohoService>(m_sim->settings(), fastClientOptions());
        auto database = PgTestDatabase::create(profile.pg, QStringLiteral("affectedvalues"));
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

        WebhookSettings settings;
        settings.crmToken = Secret(kToken);
        m_webhooks = std::make_unique<WebhookProcessor>(m_entities, m_database->settings(), m_redis,
                                                        m_service->client(), settings,
                                                        WebhookProcessor::CachingEnabled{}, m_clock->clock());
        HttpServer::Options serverOptions;
        serverOptions.threadCount = 2;
        m_server = std::make_unique<HttpServer>(m_backend, serverOptions);
        m_server->setWebhookHandler(m_webhooks.get());
        SYNC_VERIFY_OK(m_server->start());

        ChannelManager::Options channelOptions;
        channelOptions.publicUrl = m_server->url();
        channelOptions.token = Secret(kToken);
        channelOptions.clientId = m_sim->settings().clientId;
        channelOptions.clock = m_clock->clock();
        m_channels = std::make_unique<ChannelManager>(m_entities, m_database->settings(), m_service->client(),
                                                      channelOptions);

        m_fetcher = std::make_unique<ZohoEndpointFetcher>(ZohoApi(m_service->client()));
        m_statistics = std::make_unique<ReadStatistics>(m_endpoints.names());
        TieredReader::Options options;
        options.redis = m_redis;
        options.pg = m_database->settings();
        options.clock = m_clock->clock();
        options.earlyRefreshBeta = 0;  // no background refresh: every Zoho call is counted
        options.feedStateCacheMs = 0;
        m_reader = std::make_unique<TieredReader>(m_endpoints, *m_fetcher, *m_statistics, TieredReader::CachingEnabled{},
                                                  options);
    }

    void cleanupTestCase()
    {
        m_reader.reset();
        if (m_server)
            m_server->stop();
        m_server.reset();
        m_channels.reset();
        m_webhooks.reset();
        if (m_redis.db == kRedisDb)
            (void)flushRedisDb(m_redis);
    }

    // Every fed module's channel asks for the values; a second pass keeps them.
    void channelsAskForTheValues()
    {
        auto pass = m_channels->ensure();
        SYNC_VERIFY_OK(pass);
        QCOMPARE(pass->failed, 0);
        auto listed = simChannels(m_sim->apiBase());
        SYNC_VERIFY_OK(listed);
        QCOMPARE(listed->size(), ChannelManager::fedEntities(m_entities).size());
        for (const QJsonValue &channel : *listed)
            QCOMPARE(channel.toObject().value(QLatin1String("return_affected_field_values")), QJsonValue(true));
        auto again = m_channels->ensure();
        SYNC_VERIFY_OK(again);
        QCOMPARE(again->kept, int(listed->size()));
        QCOMPARE(again->renewed + again->enabled + again->reenabled, 0);
    }

    void coldFeedsFillTheReplica()
    {
        for (const QString &type : {QStringLiteral("students"), kGrades}) {
            auto report = feed(type);
            SYNC_VERIFY_OK(report);
            QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
        }
        QList<qint64> students;
        PgConnection connection(m_database->settings());
        SYNC_VERIFY_OK(connection.transaction(QStringLiteral("students"), [&](pqxx::transaction_base &txn) {
            for (const auto &r : txn.exec("SELECT moodle_user_id FROM tiersync.entities WHERE entity_type = 'grades'"
                                          " AND deleted_at IS NULL GROUP BY 1 HAVING count(*) >= 3 ORDER BY 1 LIMIT 2"))
                students.append(r[0].as<qint64>());
            return Status();
        }));
        QVERIFY2(students.size() == 2, "the sim has too few students with three grades");
        m_a = students.at(0);
        m_b = students.at(1);
        QVERIFY(!recordIn(readFromRedis(m_a), liveGrades(m_a).first()).isEmpty());
        QVERIFY(!recordIn(readFromRedis(m_b), liveGrades(m_b).first()).isEmpty());
    }

    // The change's own values: no Get Records call, and the very next read shows it from
    // Redis — the same record Zoho has, to the byte of its time.
    void anUpdateReachesTheDashboardWithoutACall()
    {
        const QString id = liveGrades(m_a).first();
        const QJsonObject before = recordIn(readFromRedis(m_a), id);
        advance();
        (void)takeCrmCalls();
        change(QStringLiteral("update"), {{QStringLiteral("ids"), QJsonArray{id}}});
        QCOMPARE(takeCrmCalls(), qint64(0));

        const WebhookEventRepository::Event event = lastEvent();
        QCOMPARE(event.outcome, WebhookOutcome::Processed);
        QCOMPARE(event.zohoCalls, qint64(0));
        QCOMPARE(event.zohoCallsSaved, qint64(1));
        QVERIFY2(event.error.contains(QStringLiteral("1 record(s) from the notification")), qPrintable(event.error));

        const QJsonObject shown = recordIn(readFromRedis(m_a), id);
        QVERIFY(shown != before);
        const QJsonObject zoho = zohoRecord(id);
        QCOMPARE(shown, zoho);
        QCOMPARE(storedRecord(id), zoho);
    }

    // A notification no newer than the stored row (out of order, or the same second) is
    // not applied: the record is fetched, and Zoho's version is what the dashboard shows.
    void anOlderDeltaIsFetched()
    {
        const QString id = liveGrades(m_a).first();
        const qint64 storedSecond = row(id)->row.lastModifiedTime.toSecsSinceEpoch();
        advance();
        const QJsonArray bogus{QJsonObject{{QStringLiteral("record_id"), id},
                                           {QStringLiteral("values"), QJsonObject{{QStringLiteral("Score"), -1}}}}};
        (void)takeCrmCalls();
        for (const qint64 serverTimeMs : {(storedSecond - 30) * 1000, storedSecond * 1000 + 999}) {
            const WebhookHandler::Answer answer = deliver(id, serverTimeMs, bogus);
            QCOMPARE(answer.status, 200);
            QCOMPARE(takeCrmCalls(), qint64(1));
            const WebhookEventRepository::Event event = lastEvent();
            QCOMPARE(event.zohoCalls, qint64(1));
            QCOMPARE(event.zohoCallsSaved, qint64(0));
            QCOMPARE(storedRecord(id).value(QStringLiteral("Score")), zohoRecord(id).value(QStringLiteral("Score")));
            QVERIFY(storedRecord(id).value(QStringLiteral("Score")).toInt() != -1);
        }
        QCOMPARE(recordIn(readFromRedis(m_a), id), zohoRecord(id));
    }

    // A record given to another student: its values name the new student; it leaves the
    // first one's answer and joins the other's, both from Redis, with no call.
    void aMoveReachesBothStudents()
    {
        const QString moved = liveGrades(m_a).first();
        advance();
        (void)takeCrmCalls();
        change(QStringLiteral("move"), {{QStringLiteral("ids"), QJsonArray{moved}}, {QStringLiteral("to_moodle_user_id"), m_b}});
        QCOMPARE(takeCrmCalls(), qint64(0));
        QCOMPARE(lastEvent().zohoCallsSaved, qint64(1));
        QVERIFY(recordIn(readFromRedis(m_a), moved).isEmpty());
        QVERIFY(!liveGrades(m_a).contains(moved));
        QVERIFY(liveGrades(m_b).contains(moved));
        QCOMPARE(recordIn(readFromRedis(m_b), moved), zohoRecord(moved));
    }

    // An insert carries no values: fetched, as before.
    void anInsertIsFetched()
    {
        advance();
        (void)takeCrmCalls();
        const QJsonObject created = change(QStringLiteral("create"), {{QStringLiteral("moodle_user_id"), m_b}});
        const QString id = created.value(QStringLiteral("ids")).toArray().first().toString();
        QCOMPARE(takeCrmCalls(), qint64(1));
        const WebhookEventRepository::Event event = lastEvent();
        QCOMPARE(event.zohoCalls, qint64(1));
        QCOMPARE(event.zohoCallsSaved, qint64(0));
        QCOMPARE(recordIn(readFromRedis(m_b), id), zohoRecord(id));
    }

    // An entry that is not well formed, or names a record the notification does not, is
    // ignored (and noted); the record is fetched.
    void aMalformedEntryIsIgnored()
    {
        const QString id = liveGrades(m_b).first();
        const QString other = liveGrades(m_b).last();
        advance();
        (void)takeCrmCalls();
        const QJsonArray malformed{
            QJsonObject{{QStringLiteral("record_id"), id}, {QStringLiteral("values"), QStringLiteral("Score=-1")}},
            QJsonObject{{QStringLiteral("record_id"), other}, {QStringLiteral("values"), QJsonObject{{QStringLiteral("Score"), -1}}}},
        };
        const WebhookHandler::Answer answer = deliver(id, m_clock->nowMs(), malformed);
        QCOMPARE(answer.status, 200);
        QCOMPARE(takeCrmCalls(), qint64(1));
        const WebhookEventRepository::Event event = lastEvent();
        QCOMPARE(event.zohoCalls, qint64(1));
        QCOMPARE(event.zohoCallsSaved, qint64(0));
        QVERIFY2(event.error.contains(QStringLiteral("ignored 2 affected_values entries")), qPrintable(event.error));
        QCOMPARE(storedRecord(id), zohoRecord(id));
        QVERIFY(storedRecord(other).value(QStringLiteral("Score")).toInt() != -1);
    }

    // The commit step writes a record made from a delta only while its base row is the one
    // the delta was applied to; otherwise it is left out and reported.
    void aChangedBaseIsNotOverwritten()
    {
        const QString id = liveGrades(m_b).first();
        const auto stored = row(id);
        QVERIFY(stored.has_value());
        QJsonObject guess = storedRecord(id);
        guess.insert(QStringLiteral("Score"), -1);
        const EntityDefinition entity = *m_entities.find(kGrades);
        const QString hash = ContentHasher().hash(guess, entity.volatileFields);
        auto layout = CommitStep::builtInLayout();
        SYNC_VERIFY_OK(layout);
        PgConnection pg(m_database->settings());
        RedisConnection redis(m_redis);
        CommitStep step(entity, *layout, pg, redis);
        CommitStep::Batch batch;
        batch.upserts.append(CommitStep::Upsert{id, hash, guess, QString(64, QLatin1Char('0'))});
        CommitStep::Options options;
        options.clock = m_clock->clock();
        auto report = step.commit(batch, options);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->conflicted, QStringList{id});
        QCOMPARE(report->rowsUpserted, 0);
        QCOMPARE(row(id)->row.contentHash, stored->row.contentHash);
        // With the right base it is written.
        batch.upserts.first().expectedHash = stored->row.contentHash;
        auto written = step.commit(batch, options);
        SYNC_VERIFY_OK(written);
        QVERIFY(written->conflicted.isEmpty());
        QCOMPARE(written->rowsUpserted, 1);
        QCOMPARE(storedRecord(id).value(QStringLiteral("Score")).toInt(), -1);
    }
};

QTEST_GUILESS_MAIN(TestAffectedValues)
#include "tst_affectedvalues.moc"
