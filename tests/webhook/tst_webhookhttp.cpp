#include "fakebackend.h"
#include "pgtestdatabase.h"
#include "privatezohosim.h"
#include "simcontrol.h"
#include "synctesthelpers.h"
#include "testsandbox.h"

#include "cache/cachekeys.h"
#include "cache/rawcachedentry.h"
#include "redis/redisbatch.h"
#include "redis/redisconnection.h"
#include "server/httpserver.h"
#include "store/entityrepository.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "store/webhookeventrepository.h"
#include "sync/contenthasher.h"
#include "sync/entityregistry.h"
#include "webhook/webhookprocessor.h"
#include "zoho/awaitresult.h"
#include "zoho/zohoapi.h"
#include "zoho/zohoservice.h"

#include <httplib.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include <memory>

using namespace tiersync;
using namespace tiersync::test;

namespace {

constexpr int kRedisDb = 48;  // this executable's Redis database on the fixture's server
const QString kToken = QStringLiteral("crm-token-over-http");
const QString kSecret = QStringLiteral("books-secret-over-http");
const QString kProfile = QStringLiteral("profile");

}  // namespace

// The webhook routes of HttpServer, delivered by zoho-sim's /_sim/webhook (a private sim:
// these tests mutate its data) to a server in this process.
class TestWebhookHttp final : public QObject {
    Q_OBJECT

private:
    ConnectionProfile m_profile;
    std::unique_ptr<PrivateZohoSim> m_sim;
    std::unique_ptr<ZohoService> m_service;
    std::unique_ptr<PgTestDatabase> m_database;
    RedisSettings m_redis;
    FakeBackend m_backend;
    std::unique_ptr<WebhookProcessor> m_webhooks;
    std::unique_ptr<HttpServer> m_server;

    QJsonObject deliver(const QJsonObject &request)
    {
        auto answer = simPost(m_sim->apiBase(), QStringLiteral("/_sim/webhook"), request);
        if (!answer)
            qFatal("%s", qPrintable(answer.error().toString()));
        return *answer;
    }

    QList<QByteArray> seedKeys()
    {
        QList<QPair<QByteArray, QByteArray>> entries;
        for (qint64 student : {3, 13, 30, 300})
            entries.append({cachekeys::endpointKey(kProfile, student), QByteArrayLiteral("{}")});
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
    QList<WebhookEventRepository::Event> recent(const QString &source)
    {
        PgConnection connection(m_database->settings());
        auto events = WebhookEventRepository(connection).recent(100, source);
        if (!events)
            qFatal("%s", qPrintable(events.error().toString()));
        return *events;
    }
    std::optional<EntityRepository::StoredRow> row(const QString &type, const QString &id)
    {
        PgConnection connection(m_database->settings());
        auto found = EntityRepository(connection).get(type, id);
        if (!found)
            qFatal("%s", qPrintable(found.error().toString()));
        return *found;
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
        auto database = PgTestDatabase::create(m_profile.pg, QStringLiteral("webhookhttp"));
        SYNC_VERIFY_OK(database);
        m_database = std::move(*database);
        PgConnection connection(m_database->settings());
        SYNC_VERIFY_OK(Migrator().migrate(connection));
        SYNC_VERIFY_OK(flushRedisDb(m_redis));

        WebhookSettings settings;
        settings.crmToken = Secret(kToken);
        settings.booksSecret = Secret(kSecret);
        m_webhooks = std::make_unique<WebhookProcessor>(*EntityRegistry::builtIn(), m_database->settings(), m_redis,
                                                        m_service->client(), settings);
        HttpServer::Options options;
        options.threadCount = 4;
        m_server = std::make_unique<HttpServer>(m_backend, options);
        m_server->setWebhookHandler(m_webhooks.get());
        SYNC_VERIFY_OK(m_server->start());
    }

    void cleanupTestCase()
    {
        if (m_server)
            m_server->stop();
        m_server.reset();
        m_webhooks.reset();
        m_database.reset();
        m_service.reset();
        m_sim.reset();
    }

    void crmNotificationFromTheSim()
    {
        auto page = awaitResult(ZohoApi(m_service->client())
                                    .crmSearch(QStringLiteral("Students"), QStringLiteral("(Moodle_User_ID:equals:3)")));
        SYNC_VERIFY_OK(page);
        QCOMPARE(page->records.size(), 1);
        const QString student3 = page->records.first().value(QStringLiteral("id")).toString();
        const QString url = m_server->url() + QStringLiteral("/webhooks/zoho/crm");

        // A wrong token: refused, nothing recorded.
        const QList<QByteArray> keys = seedKeys();
        QJsonObject wrong = deliver({{QStringLiteral("url"), url}, {QStringLiteral("kind"), QStringLiteral("crm")},
                                     {QStringLiteral("module"), QStringLiteral("Students")},
                                     {QStringLiteral("ids"), QJsonArray{student3}},
                                     {QStringLiteral("token"), QStringLiteral("nope")}});
        QCOMPARE(wrong.value(QStringLiteral("status")).toInt(), 401);
        QCOMPARE(recent(QStringLiteral("crm")).size(), 0);
        QCOMPARE(existing(keys), keys.size());

        // Mutated in Zoho, then notified (with pattern-like ids alongside).
        SYNC_VERIFY_OK(simPost(m_sim->apiBase(), QStringLiteral("/_sim/mutate"),
                               QJsonObject{{QStringLiteral("entity"), QStringLiteral("students")},
                                           {QStringLiteral("ids"), QJsonArray{student3}}}));
        QJsonObject answer = deliver({{QStringLiteral("url"), url}, {QStringLiteral("kind"), QStringLiteral("crm")},
                                      {QStringLiteral("module"), QStringLiteral("Students")},
                                      {QStringLiteral("ids"), QJsonArray{QStringLiteral("*"), QStringLiteral("3*"), student3}},
                                      {QStringLiteral("token"), kToken}});
        QCOMPARE(answer.value(QStringLiteral("delivered")).toBool(), true);
        QCOMPARE(answer.value(QStringLiteral("status")).toInt(), 200);

        auto record = awaitResult(ZohoApi(m_service->client()).crmGet(QStringLiteral("Students"), student3));
        SYNC_VERIFY_OK(record);
        QVERIFY(record->has_value());
        const QString zohoHash = ContentHasher().hash(**record, entityDefinition(QStringLiteral("students")).volatileFields);
        const auto stored = row(QStringLiteral("students"), student3);
        QVERIFY(stored.has_value());
        QCOMPARE(stored->row.contentHash, zohoHash);
        auto states = redisStateHashes(m_redis, QStringLiteral("students"));
        SYNC_VERIFY_OK(states);
        QCOMPARE(states->value(student3), zohoHash);
        // The student's key is rewritten with the new record, the others untouched.
        {
            RedisConnection redis(m_redis);
            auto value = redis.get(cachekeys::endpointKey(kProfile, 3));
            SYNC_VERIFY_OK(value);
            QVERIFY(value->has_value());
            auto entry = RawCachedEntry::decode(**value);
            SYNC_VERIFY_OK(entry);
            QCOMPARE(QJsonDocument::fromJson(entry->dataJson).object().value(QStringLiteral("id")).toString(), student3);
        }
        QCOMPARE(existing(keys), keys.size());
        const auto events = recent(QStringLiteral("crm"));
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.first().outcome, WebhookOutcome::Processed);
        QCOMPARE(events.first().entityId, student3);
        QCOMPARE(events.first().invalidatedKeys, QStringList{QString::fromUtf8(cachekeys::endpointKey(kProfile, 3))});
    }

    void booksWebhookFromTheSim()
    {
        auto page = awaitResult(ZohoApi(m_service->client()).booksPage(QStringLiteral("/books/v3/items"), QStringLiteral("items"), 1));
        SYNC_VERIFY_OK(page);
        QVERIFY(!page->records.isEmpty());
        const QString itemId = page->records.first().value(QStringLiteral("item_id")).toString();
        const QString url = m_server->url() + QStringLiteral("/webhooks/zoho/books");
        const QJsonObject request{{QStringLiteral("url"), url}, {QStringLiteral("kind"), QStringLiteral("books")},
                                  {QStringLiteral("entity"), QStringLiteral("products")},
                                  {QStringLiteral("ids"), QJsonArray{itemId}}};

        QJsonObject unsignedRequest = request;
        QCOMPARE(deliver(unsignedRequest).value(QStringLiteral("status")).toInt(), 401);
        QJsonObject wrongSecret = request;
        wrongSecret.insert(QStringLiteral("secret"), QStringLiteral("other"));
        QCOMPARE(deliver(wrongSecret).value(QStringLiteral("status")).toInt(), 401);
        QVERIFY(!row(QStringLiteral("products"), itemId).has_value());
        QCOMPARE(recent(QStringLiteral("books")).size(), 0);

        QJsonObject signedRequest = request;
        signedRequest.insert(QStringLiteral("secret"), kSecret);
        QCOMPARE(deliver(signedRequest).value(QStringLiteral("status")).toInt(), 200);
        QCOMPARE(deliver(signedRequest).value(QStringLiteral("status")).toInt(), 200);  // redelivered
        const auto stored = row(QStringLiteral("products"), itemId);
        QVERIFY(stored.has_value());
        QCOMPARE(stored->syncCount, 1);
        const auto events = recent(QStringLiteral("books"));
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.first().outcome, WebhookOutcome::Processed);
    }

    void limitsOverHttp()
    {
        httplib::Client client(m_server->url().toStdString());
        auto oversized = client.Post("/webhooks/zoho/crm", std::string(300 * 1024, ' '), "application/json");
        QVERIFY(oversized);
        QCOMPARE(oversized->status, 413);
        auto empty = client.Post("/webhooks/zoho/crm", std::string(), "application/json");
        QVERIFY(empty);
        QCOMPARE(empty->status, 400);
        auto malformed = client.Post("/webhooks/zoho/books", std::string("{\"item\":"), "application/json");
        QVERIFY(malformed);
        QCOMPARE(malformed->status, 401);  // signed endpoint: authenticity is checked before parsing
        auto unknown = client.Post("/webhooks/zoho/leads", std::string("{}"), "application/json");
        QVERIFY(unknown);
        QCOMPARE(unknown->status, 404);
        auto get = client.Get("/webhooks/zoho/crm");
        QVERIFY(get);
        QVERIFY(get->status == 404 || get->status == 405);
        QCOMPARE(m_backend.readCalls(), 0);
    }
};

QTEST_GUILESS_MAIN(TestWebhookHttp)
#include "tst_webhookhttp.moc"
