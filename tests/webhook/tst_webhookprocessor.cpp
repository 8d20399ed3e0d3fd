#include "pgtestdatabase.h"
#include "privatezohosim.h"
#include "simcontrol.h"
#include "synctesthelpers.h"
#include "testsandbox.h"

#include "cache/cachekeys.h"
#include "cache/rawcachedentry.h"
#include "redis/redisbatch.h"
#include "redis/redisconnection.h"
#include "store/entityrepository.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "store/webhookeventrepository.h"
#include "sync/contenthasher.h"
#include "sync/entityregistry.h"
#include "webhook/webhookprocessor.h"
#include "webhook/webhookverifier.h"
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

constexpr int kRedisDb = 47;  // this executable's Redis database on the fixture's server
const QByteArray kToken = "crm-token-for-tests";
const QByteArray kSecret = "books-secret-for-tests";
const QString kProfile = QStringLiteral("profile");
const QString kFinance = QStringLiteral("finance");  // no student change affects it

QJsonObject bodyOf(const WebhookHandler::Answer &answer)
{
    return QJsonDocument::fromJson(answer.json).object();
}

QByteArray crmBody(const QStringList &ids, const QByteArray &token, qint64 serverTime,
                   const QString &module = QStringLiteral("Students"))
{
    QJsonObject body{{QStringLiteral("server_time"), serverTime},
                     {QStringLiteral("query_params"), QJsonObject()},
                     {QStringLiteral("module"), module},
                     {QStringLiteral("ids"), QJsonArray::fromStringList(ids)},
                     {QStringLiteral("affected_fields"), QJsonArray()},
                     {QStringLiteral("operation"), QStringLiteral("update")},
                     {QStringLiteral("channel_id"), QStringLiteral("1000000068001")}};
    if (!token.isNull())
        body.insert(QStringLiteral("token"), QString::fromUtf8(token));
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

WebhookHandler::Delivery delivery(const QString &source, const QByteArray &body,
                                  const QHash<QByteArray, QByteArray> &headers = {})
{
    WebhookHandler::Delivery result;
    result.source = source;
    result.body = body;
    result.headers = headers;
    return result;
}

}  // namespace

class TestWebhookProcessor final : public QObject {
    Q_OBJECT

private:
    ConnectionProfile m_profile;
    std::unique_ptr<PrivateZohoSim> m_sim;
    std::unique_ptr<ZohoService> m_service;
    std::unique_ptr<PgTestDatabase> m_database;
    RedisSettings m_redis;
    QString m_student3;  // the CRM id of Moodle user 3's Students record
    qint64 m_serverTime = 1718117126473;

    std::unique_ptr<WebhookProcessor> processor(bool caching = true,
                                                int maxIdsPerDelivery = WebhookSettings{}.maxIdsPerDelivery)
    {
        WebhookSettings settings;
        settings.crmToken = Secret(QString::fromUtf8(kToken));
        settings.maxIdsPerDelivery = maxIdsPerDelivery;
        settings.booksSecret = Secret(QString::fromUtf8(kSecret));
        auto registry = EntityRegistry::builtIn();
        if (!registry)
            qFatal("no entity registry");
        return std::make_unique<WebhookProcessor>(*registry, m_database->settings(), m_redis, m_service->client(),
                                                  settings, [caching] { return caching; });
    }

    WebhookHandler::Answer crm(WebhookProcessor &webhooks, const QStringList &ids, const QByteArray &token = kToken)
    {
        return webhooks.handle(delivery(QStringLiteral("crm"), crmBody(ids, token, ++m_serverTime)));
    }

    qint64 count(const std::string &sql)
    {
        PgConnection connection(m_database->settings());
        qint64 n = -1;
        Status counted = connection.transaction(QStringLiteral("count"), [&](pqxx::transaction_base &txn) {
            n = txn.exec1(sql)[0].as<qint64>();
            return Status();
        });
        if (!counted)
            qFatal("%s", qPrintable(counted.error().toString()));
        return n;
    }
    // A students row PostgreSQL holds for a record Zoho no longer has.
    void seedGoneStudent(const QString &zohoId, qint64 moodleUserId)
    {
        PgConnection connection(m_database->settings());
        EntityRepository::Row seeded;
        seeded.entityType = QStringLiteral("students");
        seeded.zohoId = zohoId;
        seeded.payload = QStringLiteral(R"({"id":"%1","Moodle_User_ID":"%2"})").arg(zohoId).arg(moodleUserId).toUtf8();
        seeded.contentHash = QString(64, QLatin1Char('a'));
        seeded.moodleUserId = moodleUserId;
        SYNC_VERIFY_OK(EntityRepository(connection).upsert({seeded}));
    }
    qint64 events() { return count("SELECT count(*) FROM tiersync.webhook_events"); }
    qint64 entities() { return count("SELECT count(*) FROM tiersync.entities"); }

    std::optional<WebhookEventRepository::Event> event(const QString &key)
    {
        PgConnection connection(m_database->settings());
        auto found = WebhookEventRepository(connection).get(key);
        if (!found)
            qFatal("%s", qPrintable(found.error().toString()));
        return *found;
    }

    std::optional<EntityRepository::StoredRow> row(const QString &type, const QString &id)
    {
        PgConnection connection(m_database->settings());
        auto found = EntityRepository(connection).get(type, id);
        if (!found)
            qFatal("%s", qPrintable(found.error().toString()));
        return *found;
    }

    // Endpoint keys of students 3, 13, 30 and 300 for profile (affected by students)
    // and finance (not), plus a state of another entity.
    QList<QByteArray> seedKeys()
    {
        QList<QPair<QByteArray, QByteArray>> entries;
        for (qint64 student : {3, 13, 30, 300})
            for (const QString &endpoint : {kProfile, kFinance})
                entries.append({cachekeys::endpointKey(endpoint, student), QByteArrayLiteral("{}")});
        entries.append({cachekeys::entityStateKey(QStringLiteral("customers"), QStringLiteral("999")), "x"});
        entries.append({QByteArrayLiteral("tiersync:v1:ep:profile:3x"), "x"});
        RedisConnection redis(m_redis);
        if (Status set = RedisBatch(redis).setMany(entries); !set)
            qFatal("%s", qPrintable(set.error().toString()));
        QList<QByteArray> keys;
        for (const auto &entry : entries)
            keys.append(entry.first);
        return keys;
    }
    qint64 existing(const QList<QByteArray> &keys)
    {
        RedisConnection redis(m_redis);
        auto n = redis.exists(keys);
        if (!n)
            qFatal("%s", qPrintable(n.error().toString()));
        return *n;
    }
    // The data an endpoint key holds (the reader's RawCachedEntry); undefined when absent.
    QJsonValue cachedData(const QByteArray &key)
    {
        RedisConnection redis(m_redis);
        auto value = redis.get(key);
        if (!value)
            qFatal("%s", qPrintable(value.error().toString()));
        if (!value->has_value())
            return QJsonValue(QJsonValue::Undefined);
        auto entry = RawCachedEntry::decode(**value);
        if (!entry)
            qFatal("%s", qPrintable(entry.error().toString()));
        if (entry->dataJson == "null")
            return QJsonValue(QJsonValue::Null);
        return QJsonDocument::fromJson(entry->dataJson).object();
    }
    // The student's profile key holds their record now (rewritten, not only deleted).
    void verifyProfileRewritten(qint64 student, const QString &zohoId)
    {
        const QJsonValue data = cachedData(cachekeys::endpointKey(kProfile, student));
        QVERIFY2(data.isObject(), "the profile key was not rewritten");
        QCOMPARE(data.toObject().value(QStringLiteral("id")).toString(), zohoId);
    }
    QList<QByteArray> othersThan3(const QList<QByteArray> &keys)
    {
        QList<QByteArray> others = keys;
        others.removeAll(cachekeys::endpointKey(kProfile, 3));
        return others;
    }

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        m_profile = profile;
        m_redis = profile.redis;
        m_redis.db = kRedisDb;
        auto sim = PrivateZohoSim::start({QStringLiteral("--products"), QStringLiteral("20"),
                                          QStringLiteral("--customers"), QStringLiteral("20"),
                                          QStringLiteral("--students"), QStringLiteral("400")});
        SYNC_VERIFY_OK(sim);
        m_sim = std::move(*sim);
        m_service = std::make_unique<ZohoService>(m_sim->settings(), fastClientOptions());
        auto page = awaitResult(ZohoApi(m_service->client())
                                    .crmSearch(QStringLiteral("Students"), QStringLiteral("(Moodle_User_ID:equals:3)")));
        SYNC_VERIFY_OK(page);
        QCOMPARE(page->records.size(), 1);
        m_student3 = page->records.first().value(QStringLiteral("id")).toString();
        QVERIFY(cachekeys::isValidZohoId(m_student3));
    }

    void cleanupTestCase()
    {
        m_database.reset();
        m_service.reset();
        m_sim.reset();
    }

    // Each test starts from freshly migrated tables: the schema is dropped and migrated
    // again (schema_migrations included), as in a new database, without the cost of
    // CREATE DATABASE (a third of a second) for each of the twenty tests.
    void init()
    {
        if (!m_database) {
            auto database = PgTestDatabase::create(m_profile.pg, QStringLiteral("webhook"));
            SYNC_VERIFY_OK(database);
            m_database = std::move(*database);
        }
        PgConnection connection(m_database->settings());
        SYNC_VERIFY_OK(connection.nonTransaction(QStringLiteral("drop the schema"), [](pqxx::transaction_base &txn) {
            txn.exec("DROP SCHEMA IF EXISTS tiersync CASCADE");
            return Status();
        }));
        SYNC_VERIFY_OK(Migrator().migrate(connection));
        SYNC_VERIFY_OK(flushRedisDb(m_redis));
    }

    void wrongTokenIs401AndNothingHappens()
    {
        auto webhooks = processor();
        const QList<QByteArray> keys = seedKeys();
        for (const QByteArray &token : {QByteArray("wrong"), QByteArray(""), kToken + "x", kToken.left(5), QByteArray()}) {
            const auto answer = crm(*webhooks, {m_student3}, token);
            QCOMPARE(answer.status, 401);
            QCOMPARE(bodyOf(answer).value(QStringLiteral("error")).toString(), QStringLiteral("unauthorized"));
        }
        // No token configured: every notification is refused.
        WebhookSettings unconfigured;
        WebhookProcessor open(*EntityRegistry::builtIn(), m_database->settings(), m_redis, m_service->client(),
                              unconfigured);
        QCOMPARE(open.handle(delivery(QStringLiteral("crm"), crmBody({m_student3}, "", 1))).status, 401);
        QCOMPARE(open.handle(delivery(QStringLiteral("crm"), crmBody({m_student3}, QByteArray(), 1))).status, 401);
        QCOMPARE(events(), 0);
        QCOMPARE(entities(), 0);
        QCOMPARE(existing(keys), keys.size());
    }

    void wrongSignatureIs401()
    {
        auto webhooks = processor();
        const QByteArray body = R"({"item":{"item_id":"9001","name":"Widget","rate":12.5,"last_modified_time":"2024-06-01T10:00:00+0000"}})";
        const QByteArray mac = WebhookVerifier::hmacSha256(kSecret, body);
        const QByteArray header = "x-zoho-webhook-signature";
        QCOMPARE(webhooks->handle(delivery(QStringLiteral("books"), body)).status, 401);  // unsigned
        QCOMPARE(webhooks->handle(delivery(QStringLiteral("books"), body, {{header, "00"}})).status, 401);
        QCOMPARE(webhooks->handle(delivery(QStringLiteral("books"), body,
                                           {{header, WebhookVerifier::hmacSha256("other", body).toHex()}})).status, 401);
        QCOMPARE(webhooks->handle(delivery(QStringLiteral("books"), body + "\n", {{header, mac.toHex()}})).status, 401);
        QCOMPARE(events(), 0);
        QCOMPARE(entities(), 0);

        QCOMPARE(webhooks->handle(delivery(QStringLiteral("books"), body, {{header, mac.toBase64()}})).status, 200);
        const auto stored = row(QStringLiteral("products"), QStringLiteral("9001"));
        QVERIFY(stored.has_value());
        QCOMPARE(events(), 1);
    }

    void badInput_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<bool>("recorded");  // authenticated, so recorded as rejected
        QTest::newRow("crm empty") << "crm" << QByteArray() << 400 << false;
        QTest::newRow("crm malformed") << "crm" << QByteArray(R"({"module":"Students","ids":[)") << 400 << false;
        QTest::newRow("crm not an object") << "crm" << QByteArray("[1,2,3]") << 400 << false;
        QTest::newRow("crm oversized") << "crm" << QByteArray(300 * 1024, ' ') << 413 << false;
        QTest::newRow("crm unknown module") << "crm" << crmBody({QStringLiteral("1")}, kToken, 5, QStringLiteral("Leads"))
                                            << 400 << true;
        QTest::newRow("crm module by another case") << "crm" << crmBody({QStringLiteral("1")}, kToken, 5, QStringLiteral("students"))
                                                    << 400 << true;
        QTest::newRow("books empty") << "books" << QByteArray() << 400 << false;
        QTest::newRow("unknown source") << "leads" << QByteArray("{}") << 404 << false;
    }

    void badInput()
    {
        QFETCH(QString, source);
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QFETCH(bool, recorded);
        auto webhooks = processor();
        const auto answer = webhooks->handle(delivery(source, body));
        QCOMPARE(answer.status, status);
        QVERIFY(!bodyOf(answer).value(QStringLiteral("error")).toString().isEmpty());
        QCOMPARE(entities(), 0);
        QCOMPARE(events(), recorded ? 1 : 0);
        if (recorded) {
            PgConnection connection(m_database->settings());
            auto recent = WebhookEventRepository(connection).recent(10);
            SYNC_VERIFY_OK(recent);
            QCOMPARE(recent->first().outcome, WebhookOutcome::Rejected);
        }
    }

    void booksBadInput()
    {
        auto webhooks = processor();
        const auto signedDelivery = [](const QByteArray &body) {
            return delivery(QStringLiteral("books"), body,
                            {{"x-zoho-webhook-signature", WebhookVerifier::hmacSha256(kSecret, body).toHex()}});
        };
        QCOMPARE(webhooks->handle(signedDelivery("not json")).status, 400);
        QCOMPARE(webhooks->handle(signedDelivery(R"({"invoice":{"invoice_id":"1"}})")).status, 400);
        QCOMPARE(webhooks->handle(signedDelivery(R"({"item":{"item_id":"*"}})")).status, 400);
        QCOMPARE(webhooks->handle(signedDelivery(R"({"item":{"item_id":"../1"}})")).status, 400);
        QCOMPARE(webhooks->handle(signedDelivery(R"({"item":{"name":"no id"}})")).status, 400);
        QCOMPARE(webhooks->handle(signedDelivery(R"({"item":{"item_id":"1"},"contact":{"contact_id":"2"}})")).status, 400);
        QCOMPARE(entities(), 0);
        QCOMPARE(count("SELECT count(*) FROM tiersync.webhook_events WHERE outcome <> 'rejected'"), 0);
    }

    // Ids that look like patterns, or many of them, never widen what is invalidated.
    void globIdsNeverWiden()
    {
        auto webhooks = processor();
        const QList<QByteArray> keys = seedKeys();

        // Only invalid ids: refused, nothing touched.
        for (const QStringList &ids : {QStringList{QStringLiteral("*")}, QStringList{QStringLiteral("3*")},
                                       QStringList{QStringLiteral("../")}, QStringList{QString()},
                                       QStringList{QStringLiteral("3?")}, QStringList{QStringLiteral("[3]")},
                                       QStringList{QStringLiteral("tiersync:v1:ep:profile:3")}}) {
            const auto answer = crm(*webhooks, ids);
            QCOMPARE(answer.status, 400);
            QCOMPARE(existing(keys), keys.size());
        }
        // 10,000 ids: refused as a whole (413), nothing fetched or touched.
        QStringList many;
        for (int i = 0; i < 10000; ++i)
            many.append(QString::number(4000000000000000000LL + i));
        many.append(m_student3);
        const auto tooMany = crm(*webhooks, many);
        QCOMPARE(tooMany.status, 413);
        QCOMPARE(existing(keys), keys.size());
        QCOMPARE(entities(), 0);

        // Valid and invalid mixed: only the named record's student loses its keys.
        const auto answer = crm(*webhooks, {QStringLiteral("*"), QStringLiteral("3*"), QStringLiteral("../"), QString(),
                                            m_student3});
        QCOMPARE(answer.status, 200);
        const QJsonObject body = bodyOf(answer);
        QCOMPARE(body.value(QStringLiteral("status")).toString(), QStringLiteral("processed"));
        QCOMPARE(body.value(QStringLiteral("skipped_ids")).toInt(), 4);
        QCOMPARE(body.value(QStringLiteral("invalidated_keys")).toArray(),
                 QJsonArray{QString::fromUtf8(cachekeys::endpointKey(kProfile, 3))});
        verifyProfileRewritten(3, m_student3);
        const QList<QByteArray> others = othersThan3(keys);
        QCOMPARE(existing(others), others.size());
        QCOMPARE(entities(), 1);
        const auto recorded = event(body.value(QStringLiteral("idempotency_key")).toString());
        QVERIFY(recorded.has_value());
        QCOMPARE(recorded->outcome, WebhookOutcome::Processed);
        QCOMPARE(recorded->entityId, m_student3);
        QCOMPARE(recorded->invalidatedKeys, QStringList{QString::fromUtf8(cachekeys::endpointKey(kProfile, 3))});
        QVERIFY(recorded->error.contains(QStringLiteral("4 invalid")));
    }

    void repeatedDeliveryProcessedOnce()
    {
        auto webhooks = processor();
        const QByteArray body = crmBody({m_student3}, kToken, 424242);
        SYNC_VERIFY_OK(simPost(m_sim->apiBase(), QStringLiteral("/_sim/reset-stats")));
        const auto first = webhooks->handle(delivery(QStringLiteral("crm"), body));
        QCOMPARE(first.status, 200);
        QCOMPARE(bodyOf(first).value(QStringLiteral("status")).toString(), QStringLiteral("processed"));
        auto stats = simGet(m_sim->apiBase(), QStringLiteral("/_sim/stats"));
        SYNC_VERIFY_OK(stats);
        const int callsAfterFirst = stats->value(QStringLiteral("total")).toInt();
        QVERIFY(callsAfterFirst >= 1);

        const QList<QByteArray> keys = seedKeys();
        for (int i = 0; i < 3; ++i) {
            const auto again = webhooks->handle(delivery(QStringLiteral("crm"), body));
            QCOMPARE(again.status, 200);
            QCOMPARE(bodyOf(again).value(QStringLiteral("status")).toString(), QStringLiteral("duplicate"));
        }
        stats = simGet(m_sim->apiBase(), QStringLiteral("/_sim/stats"));
        SYNC_VERIFY_OK(stats);
        QCOMPARE(stats->value(QStringLiteral("total")).toInt(), callsAfterFirst);  // not fetched again
        QCOMPARE(existing(keys), keys.size());                                      // nor invalidated again
        QCOMPARE(events(), 1);
        QCOMPARE(row(QStringLiteral("students"), m_student3)->syncCount, 1);
    }

    // A notification naming many records costs one Get Records call per 100 ids, not one
    // per id; an id the answer leaves out (deleted in Zoho) is asked alone, and only its own
    // 204 marks it gone.
    void manyIdsCostOneCallPerHundred()
    {
        auto page = awaitResult(ZohoApi(m_service->client()).crmPage(QStringLiteral("Students"), CrmCursor{}));
        SYNC_VERIFY_OK(page);
        QVERIFY(page->records.size() >= 150);
        QStringList ids;
        for (const QJsonObject &record : std::as_const(page->records))
            ids.append(record.value(QStringLiteral("id")).toString());
        ids = ids.mid(0, 150);
        const QString gone = QStringLiteral("3999999999999999998");  // no such record in Zoho
        ids.insert(40, gone);
        seedGoneStudent(gone, 14);
        auto webhooks = processor(true, 200);
        SYNC_VERIFY_OK(simPost(m_sim->apiBase(), QStringLiteral("/_sim/reset-stats")));

        const auto answer = crm(*webhooks, ids);
        QCOMPARE(answer.status, 200);
        const QJsonObject body = bodyOf(answer);
        QCOMPARE(body.value(QStringLiteral("records")).toInt(), 151);
        QCOMPARE(body.value(QStringLiteral("changed")).toInt(), 150);
        QCOMPARE(body.value(QStringLiteral("deleted")).toInt(), 1);
        QVERIFY(row(QStringLiteral("students"), gone)->deletedAt.isValid());
        QCOMPARE(entities(), 151);
        auto stats = simGet(m_sim->apiBase(), QStringLiteral("/_sim/stats"));
        SYNC_VERIFY_OK(stats);
        // Two Get Records calls (100 + 51 ids) and the one GET of the id they left out.
        QCOMPARE(stats->value(QStringLiteral("total")).toInt(), 3);
    }

    void unchangedSkipsWrites()
    {
        auto webhooks = processor();
        QCOMPARE(crm(*webhooks, {m_student3}).status, 200);
        const auto before = row(QStringLiteral("students"), m_student3);
        QVERIFY(before.has_value());
        const QList<QByteArray> keys = seedKeys();
        // Another notification (later server_time) for a record whose content did not change.
        const auto answer = crm(*webhooks, {m_student3});
        QCOMPARE(answer.status, 200);
        const QJsonObject body = bodyOf(answer);
        QCOMPARE(body.value(QStringLiteral("status")).toString(), QStringLiteral("unchanged"));
        QCOMPARE(body.value(QStringLiteral("invalidated_keys")).toArray().size(), 0);
        QCOMPARE(existing(keys), keys.size());
        const auto after = row(QStringLiteral("students"), m_student3);
        QCOMPARE(after->syncCount, before->syncCount);
        QCOMPARE(after->syncedAt, before->syncedAt);
        QCOMPARE(event(body.value(QStringLiteral("idempotency_key")).toString())->outcome, WebhookOutcome::Unchanged);
        QCOMPARE(events(), 2);
    }

    void cachingDisabledNeverSkips()
    {
        auto webhooks = processor(false);
        QCOMPARE(crm(*webhooks, {m_student3}).status, 200);
        for (int i = 0; i < 2; ++i) {
            const QList<QByteArray> keys = seedKeys();
            const auto answer = crm(*webhooks, {m_student3});
            QCOMPARE(answer.status, 200);
            QCOMPARE(bodyOf(answer).value(QStringLiteral("status")).toString(), QStringLiteral("processed"));
            QCOMPARE(existing({cachekeys::endpointKey(kProfile, 3)}), 0);
            const QList<QByteArray> others = othersThan3(keys);
            QCOMPARE(existing(others), others.size());
        }
        QCOMPARE(row(QStringLiteral("students"), m_student3)->syncCount, 3);
        QCOMPARE(count("SELECT count(*) FROM tiersync.webhook_events WHERE outcome = 'unchanged'"), 0);
    }

    // A mutation in Zoho, then its notification: row, state and the student's keys follow.
    void mutationIsApplied()
    {
        auto webhooks = processor();
        QCOMPARE(crm(*webhooks, {m_student3}).status, 200);
        const QString oldHash = row(QStringLiteral("students"), m_student3)->row.contentHash;
        SYNC_VERIFY_OK(simPost(m_sim->apiBase(), QStringLiteral("/_sim/mutate"),
                               QJsonObject{{QStringLiteral("entity"), QStringLiteral("students")},
                                           {QStringLiteral("ids"), QJsonArray{m_student3}}}));
        const QList<QByteArray> keys = seedKeys();
        const auto answer = crm(*webhooks, {m_student3});
        QCOMPARE(answer.status, 200);
        QCOMPARE(bodyOf(answer).value(QStringLiteral("status")).toString(), QStringLiteral("processed"));
        verifyApplied(oldHash, keys, bodyOf(answer).value(QStringLiteral("idempotency_key")).toString());
    }

    // Zoho answers 204 for a record it no longer has: the row is marked deleted, its state
    // and its student's keys go.
    void deletedInZoho()
    {
        const QString gone = QStringLiteral("3999999999999999999");
        seedGoneStudent(gone, 13);
        const QList<QByteArray> keys = seedKeys();
        const QByteArray stateKey = cachekeys::entityStateKey(QStringLiteral("students"), gone);
        {
            RedisConnection redis(m_redis);
            SYNC_VERIFY_OK(redis.set(stateKey, "x"));
        }
        auto webhooks = processor();
        const auto answer = crm(*webhooks, {gone});
        QCOMPARE(answer.status, 200);
        const QJsonObject body = bodyOf(answer);
        QCOMPARE(body.value(QStringLiteral("status")).toString(), QStringLiteral("processed"));
        QCOMPARE(body.value(QStringLiteral("deleted")).toInt(), 1);
        QVERIFY(row(QStringLiteral("students"), gone)->deletedAt.isValid());
        QCOMPARE(existing({stateKey, cachekeys::endpointKey(kProfile, 13)}), 0);
        QList<QByteArray> others = keys;
        others.removeAll(cachekeys::endpointKey(kProfile, 13));
        QCOMPARE(existing(others), others.size());
        QCOMPARE(event(body.value(QStringLiteral("idempotency_key")).toString())->invalidatedKeys,
                 (QStringList{QString::fromUtf8(stateKey), QString::fromUtf8(cachekeys::endpointKey(kProfile, 13))}));

        // Notified again: already gone, nothing to do.
        const auto again = crm(*webhooks, {gone});
        QCOMPARE(bodyOf(again).value(QStringLiteral("status")).toString(), QStringLiteral("unchanged"));
    }

    // An id Zoho refuses (400 INVALID_DATA) is skipped, not a failure Zoho would redeliver forever.
    void refusedIdIsSkipped()
    {
        auto webhooks = processor();
        const auto answer = crm(*webhooks, {QStringLiteral("abc"), m_student3});
        QCOMPARE(answer.status, 200);
        const QJsonObject body = bodyOf(answer);
        QCOMPARE(body.value(QStringLiteral("status")).toString(), QStringLiteral("processed"));
        QCOMPARE(body.value(QStringLiteral("changed")).toInt(), 1);
        QCOMPARE(body.value(QStringLiteral("skipped_ids")).toInt(), 1);
        QCOMPARE(entities(), 1);
        QVERIFY(event(body.value(QStringLiteral("idempotency_key")).toString())->error.contains(QStringLiteral("refused 1")));
    }

    // Zoho failing: 503 and outcome failed; the redelivery is processed, the next one is a duplicate.
    void failedDeliveryIsProcessedOnRedelivery()
    {
        auto webhooks = processor();
        const QByteArray body = crmBody({m_student3}, kToken, 777777);
        QJsonObject faults = noSimFaults();
        faults.insert(QStringLiteral("error_5xx"), 1.0);
        SYNC_VERIFY_OK(simPost(m_sim->apiBase(), QStringLiteral("/_sim/faults"), faults));
        const auto failed = webhooks->handle(delivery(QStringLiteral("crm"), body));
        SYNC_VERIFY_OK(simPost(m_sim->apiBase(), QStringLiteral("/_sim/faults"), noSimFaults()));
        QCOMPARE(failed.status, 503);
        QCOMPARE(entities(), 0);
        PgConnection connection(m_database->settings());
        auto recorded = WebhookEventRepository(connection).recent(10);
        SYNC_VERIFY_OK(recorded);
        QCOMPARE(recorded->size(), 1);
        QCOMPARE(recorded->first().outcome, WebhookOutcome::Failed);
        QVERIFY(!recorded->first().error.isEmpty());

        const QList<QByteArray> keys = seedKeys();
        const auto retried = webhooks->handle(delivery(QStringLiteral("crm"), body));
        QCOMPARE(retried.status, 200);
        QCOMPARE(bodyOf(retried).value(QStringLiteral("status")).toString(), QStringLiteral("processed"));
        QCOMPARE(entities(), 1);
        verifyProfileRewritten(3, m_student3);
        const auto again = webhooks->handle(delivery(QStringLiteral("crm"), body));
        QCOMPARE(bodyOf(again).value(QStringLiteral("status")).toString(), QStringLiteral("duplicate"));
        QCOMPARE(events(), 1);
        QCOMPARE(event(bodyOf(retried).value(QStringLiteral("idempotency_key")).toString())->outcome,
                 WebhookOutcome::Processed);
    }

    // A delivery left "received" (the process died while handling it) is processed when
    // redelivered after a while, but not while it may still be in progress.
    void abandonedDeliveryIsProcessedOnRedelivery()
    {
        auto webhooks = processor();
        const QByteArray body = crmBody({m_student3}, kToken, 888888);
        QCOMPARE(webhooks->handle(delivery(QStringLiteral("crm"), body)).status, 200);
        const auto setBack = [this](const char *age) {
            PgConnection connection(m_database->settings());
            SYNC_VERIFY_OK(connection.transaction(QStringLiteral("age"), [age](pqxx::transaction_base &txn) {
                txn.exec(std::string("UPDATE tiersync.webhook_events SET outcome = 'received', received_at = now() - interval '")
                         + age + "'");
                return Status();
            }));
        };
        setBack("10 seconds");  // may still be in progress elsewhere
        QCOMPARE(bodyOf(webhooks->handle(delivery(QStringLiteral("crm"), body))).value(QStringLiteral("status")).toString(),
                 QStringLiteral("duplicate"));
        setBack("10 minutes");
        const auto redone = webhooks->handle(delivery(QStringLiteral("crm"), body));
        QCOMPARE(bodyOf(redone).value(QStringLiteral("status")).toString(), QStringLiteral("processed"));
        QCOMPARE(row(QStringLiteral("students"), m_student3)->syncCount, 2);
        QCOMPARE(events(), 1);
    }

private:
    void verifyApplied(const QString &oldHash, const QList<QByteArray> &keys, const QString &idempotencyKey)
    {
        auto record = awaitResult(ZohoApi(m_service->client()).crmGet(QStringLiteral("Students"), m_student3));
        SYNC_VERIFY_OK(record);
        QVERIFY(record->has_value());
        const QString zohoHash = ContentHasher().hash(**record, entityDefinition(QStringLiteral("students")).volatileFields);
        QVERIFY(zohoHash != oldHash);
        const auto stored = row(QStringLiteral("students"), m_student3);
        QCOMPARE(stored->row.contentHash, zohoHash);
        auto states = redisStateHashes(m_redis, QStringLiteral("students"));
        SYNC_VERIFY_OK(states);
        QCOMPARE(states->value(m_student3), zohoHash);
        // The key holds the changed record: the very next read is answered from Redis with it.
        const QJsonValue cached = cachedData(cachekeys::endpointKey(kProfile, 3));
        QVERIFY(cached.isObject());
        QCOMPARE(ContentHasher().hash(cached.toObject(), entityDefinition(QStringLiteral("students")).volatileFields),
                 zohoHash);
        const QList<QByteArray> others = othersThan3(keys);
        QCOMPARE(existing(others), others.size());
        const auto recorded = event(idempotencyKey);
        QVERIFY(recorded.has_value());
        QCOMPARE(recorded->outcome, WebhookOutcome::Processed);
        QCOMPARE(recorded->source, QStringLiteral("crm"));
        QCOMPARE(recorded->entityType, QStringLiteral("students"));
        QCOMPARE(recorded->invalidatedKeys, QStringList{QString::fromUtf8(cachekeys::endpointKey(kProfile, 3))});
    }
};

QTEST_GUILESS_MAIN(TestWebhookProcessor)
#include "tst_webhookprocessor.moc"
