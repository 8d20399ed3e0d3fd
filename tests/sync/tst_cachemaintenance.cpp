#include "pgtestdatabase.h"
#include "synctesthelpers.h"
#include "testsandbox.h"

#include "cache/cachedentry.h"
#include "cache/cachekeys.h"
#include "cache/endpointregistry.h"
#include "redis/redisbatch.h"
#include "redis/redisconnection.h"
#include "store/entityrepository.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "store/settingsrepository.h"
#include "store/snapshotrepository.h"
#include "sync/cacheinvalidator.h"
#include "sync/cachewarmer.h"
#include "sync/contenthasher.h"
#include "sync/entityregistry.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace tiersync;
using namespace tiersync::test;

namespace {

// "Now" for the rows' times and the warmer's idea of age: pinned, never the wall clock.
const QDateTime kNow(QDate(2024, 6, 11), QTime(14, 45, 30), Qt::UTC);
constexpr int kRedisDb = 43;  // this executable's Redis database on the fixture's server

}  // namespace

// Invalidation and warming against the fixture's Redis (db 43) and a scratch database.
class TestCacheMaintenance final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<PgTestDatabase> m_database;
    RedisSettings m_redis;
    QStringList m_endpoints;
    QStringList m_types;

    std::unique_ptr<RedisConnection> redis() { return std::make_unique<RedisConnection>(m_redis); }

    CacheInvalidator invalidator(RedisConnection &connection)
    {
        return CacheInvalidator(connection, m_endpoints, m_types);
    }

    void setKeys(RedisConnection &connection, const QList<QByteArray> &keys)
    {
        QList<QPair<QByteArray, QByteArray>> entries;
        for (const QByteArray &key : keys)
            entries.append({key, QByteArrayLiteral("{}")});
        SYNC_VERIFY_OK(RedisBatch(connection).setMany(entries, 600));
    }

    qint64 existing(RedisConnection &connection, const QList<QByteArray> &keys)
    {
        return connection.exists(keys).valueOr(-1);
    }

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        auto database = PgTestDatabase::create(profile.pg, QStringLiteral("syncmaint"));
        SYNC_VERIFY_OK(database);
        m_database = std::move(*database);
        PgConnection connection(m_database->settings());
        SYNC_VERIFY_OK(Migrator().migrate(connection));
        m_redis = profile.redis;
        m_redis.db = kRedisDb;
        auto endpoints = EndpointRegistry::builtIn();
        SYNC_VERIFY_OK(endpoints);
        m_endpoints = endpoints->names();
        QCOMPARE(m_endpoints.size(), 5);
        m_types = EntityRegistry::builtIn().value().names();
    }

    void init() { SYNC_VERIFY_OK(flushRedisDb(m_redis)); }
    void cleanupTestCase() { (void)flushRedisDb(m_redis); }

    void studentThreeNeverTouchesOthers()
    {
        auto connection = redis();
        QList<QByteArray> studentThree;
        QList<QByteArray> others;
        for (const QString &endpoint : std::as_const(m_endpoints)) {
            studentThree.append(cachekeys::endpointKey(endpoint, 3));
            for (qint64 id : {13, 30, 300, 33, 31, 23})
                others.append(cachekeys::endpointKey(endpoint, id));
        }
        others.append(cachekeys::entityStateKey(QStringLiteral("students"), QStringLiteral("3")));
        setKeys(*connection, studentThree + others);

        CacheInvalidator keys = invalidator(*connection);
        auto dry = keys.student(3, true);
        SYNC_VERIFY_OK(dry);
        QCOMPARE(*dry, 5);
        QCOMPARE(existing(*connection, studentThree), 5);  // a dry run removes nothing

        auto removed = keys.student(3, false);
        SYNC_VERIFY_OK(removed);
        QCOMPARE(*removed, 5);
        QCOMPARE(existing(*connection, studentThree), 0);
        QCOMPARE(existing(*connection, others), others.size());

        QVERIFY(!keys.student(0, false).ok());
        QVERIFY(!keys.student(-3, true).ok());
        QCOMPARE(existing(*connection, others), others.size());
    }

    void endpointInvalidation()
    {
        auto connection = redis();
        QList<QByteArray> profile;
        QList<QByteArray> rest;
        for (int id = 1; id <= 2500; ++id)  // several SCAN steps
            profile.append(cachekeys::endpointKey(QStringLiteral("profile"), id));
        for (int id = 1; id <= 50; ++id)
            rest.append(cachekeys::endpointKey(QStringLiteral("finance"), id));
        rest.append(QByteArrayLiteral("tiersync:v1:ep:profilex:1"));  // a longer name sharing the prefix text
        rest.append(QByteArrayLiteral("other:tiersync:v1:ep:profile:1"));
        setKeys(*connection, profile + rest);

        CacheInvalidator keys = invalidator(*connection);
        qint64 lastProgress = 0;
        keys.setProgress([&lastProgress](qint64 soFar) { lastProgress = soFar; });
        auto dry = keys.endpoint(QStringLiteral("profile"), true);
        SYNC_VERIFY_OK(dry);
        QCOMPARE(*dry, 2500);
        QCOMPARE(existing(*connection, profile), 2500);

        for (const QString &bad : {QStringLiteral("prof*"), QStringLiteral("../"), QStringLiteral(""),
                                   QStringLiteral("profile:1"), QStringLiteral("[p]rofile"), QStringLiteral("nosuch")}) {
            auto refused = keys.endpoint(bad, false);
            QVERIFY(!refused.ok());
            QCOMPARE(refused.error().kind, ErrorKind::InvalidArgument);
        }
        QCOMPARE(existing(*connection, profile), 2500);

        auto removed = keys.endpoint(QStringLiteral("profile"), false);
        SYNC_VERIFY_OK(removed);
        QCOMPARE(*removed, 2500);
        QCOMPARE(lastProgress, 2500);
        QCOMPARE(existing(*connection, profile), 0);
        QCOMPARE(existing(*connection, rest), rest.size());
    }

    void entityAndTypeInvalidation()
    {
        auto connection = redis();
        QList<QByteArray> products;
        for (int i = 1; i <= 3; ++i)
            products.append(cachekeys::entityStateKey(QStringLiteral("products"), QString::number(i)));
        const QList<QByteArray> customers{cachekeys::entityStateKey(QStringLiteral("customers"), QStringLiteral("1")),
                                          cachekeys::entityStateKey(QStringLiteral("customers"), QStringLiteral("2"))};
        setKeys(*connection, products + customers);
        CacheInvalidator keys = invalidator(*connection);

        auto one = keys.entity(QStringLiteral("products"), QStringLiteral("2"), true);
        SYNC_VERIFY_OK(one);
        QCOMPARE(*one, 1);
        SYNC_VERIFY_OK(keys.entity(QStringLiteral("products"), QStringLiteral("2"), false));
        QCOMPARE(existing(*connection, products), 2);
        QVERIFY(!keys.entity(QStringLiteral("products"), QStringLiteral("*"), false).ok());
        QVERIFY(!keys.entity(QStringLiteral("products"), QStringLiteral("3*"), false).ok());
        QVERIFY(!keys.entity(QStringLiteral("products"), QStringLiteral("../1"), false).ok());
        QVERIFY(!keys.entityType(QStringLiteral("pro*"), false).ok());

        auto dry = keys.entityType(QStringLiteral("products"), true);
        SYNC_VERIFY_OK(dry);
        QCOMPARE(*dry, 2);
        auto removed = keys.entityType(QStringLiteral("products"), false);
        SYNC_VERIFY_OK(removed);
        QCOMPARE(*removed, 2);
        QCOMPARE(existing(*connection, products), 0);
        QCOMPARE(existing(*connection, customers), 2);
    }

    void everythingUnderTheNamespace()
    {
        auto connection = redis();
        QList<QByteArray> ours;
        for (int i = 1; i <= 1200; ++i)
            ours.append(cachekeys::endpointKey(QStringLiteral("classes"), i));
        ours.append(cachekeys::entityStateKey(QStringLiteral("students"), QStringLiteral("9")));
        ours.append(cachekeys::statsKey(QStringLiteral("profile"), 28000000));
        // The organisation's Zoho token and budget are not cache: they stay.
        const QList<QByteArray> foreign{QByteArrayLiteral("tiersync:v2:ep:profile:1"), QByteArrayLiteral("session:1"),
                                        QByteArrayLiteral("tiersync:v1:oauth:1000.client"),
                                        QByteArrayLiteral("tiersync:v1:zoho:org1:day:books")};
        setKeys(*connection, ours + foreign);
        CacheInvalidator keys = invalidator(*connection);
        auto dry = keys.all(true);
        SYNC_VERIFY_OK(dry);
        QCOMPARE(*dry, ours.size());
        auto removed = keys.all(false);
        SYNC_VERIFY_OK(removed);
        QCOMPARE(*removed, ours.size());
        QCOMPARE(existing(*connection, ours), 0);
        QCOMPARE(existing(*connection, foreign), foreign.size());
    }

    void warmEntityStates()
    {
        PgConnection connection(m_database->settings());
        EntityRepository entities(connection);
        ContentHasher hasher;
        QList<EntityRepository::Row> rows;
        for (int i = 1; i <= 2500; ++i) {
            const QString type = i <= 2400 ? QStringLiteral("products") : QStringLiteral("customers");
            QJsonObject record{{QStringLiteral("id"), QString::number(i)}, {QStringLiteral("rate"), i}};
            rows.append({type, QString::number(i), QJsonDocument(record).toJson(QJsonDocument::Compact),
                         hasher.hash(record, {}), kNow});
        }
        SYNC_VERIFY_OK(entities.upsert(rows));

        CacheWarmer warmer(m_database->settings(), m_redis, EndpointRegistry::builtIn().value());
        QSignalSpy progress(&warmer, &CacheWarmer::progress);
        auto products = warmer.warmEntities({QStringLiteral("products")});
        SYNC_VERIFY_OK(products);
        QCOMPARE(products->rows, 2400);
        QCOMPARE(products->keys, 2400);
        QCOMPARE(progress.size(), 3);  // one per chunk of 1,000
        QCOMPARE(progress.last().at(0).toLongLong(), 2400);
        QCOMPARE(progress.last().at(1).toLongLong(), 2400);
        auto states = redisStateHashes(m_redis, QStringLiteral("products"));
        SYNC_VERIFY_OK(states);
        auto stored = pgHashes(m_database->settings(), QStringLiteral("products"));
        SYNC_VERIFY_OK(stored);
        QVERIFY(*states == *stored);
        RedisConnection redisConnection(m_redis);
        auto state = redisConnection.hgetall(cachekeys::entityStateKey(QStringLiteral("products"), QStringLiteral("7")));
        SYNC_VERIFY_OK(state);
        QCOMPARE(state->value("sync_count"), QByteArray("1"));
        QCOMPARE(state->value("local_id"), QByteArray("7"));

        auto all = warmer.warmEntities(m_types);
        SYNC_VERIFY_OK(all);
        QCOMPARE(all->keys, 2500);
    }

    void warmEndpointKeys()
    {
        PgConnection connection(m_database->settings());
        SnapshotRepository snapshots(connection);
        for (qint64 id = 1; id <= 20; ++id) {
            const QByteArray payload = QStringLiteral(R"({"Moodle_User_ID":"%1","Program":"Physics"})").arg(id).toUtf8();
            SYNC_VERIFY_OK(snapshots.upsert({QStringLiteral("profile"), id, payload, QStringLiteral("h%1").arg(id), {}}));
            SYNC_VERIFY_OK(snapshots.upsert({QStringLiteral("academics"), id, QByteArrayLiteral("[]"), QStringLiteral("a"), {}}));
        }
        // Past its freshness window: the read path must refresh it, not Redis serve it.
        SYNC_VERIFY_OK(snapshots.upsert({QStringLiteral("finance"), 1, QByteArrayLiteral("[]"), QStringLiteral("f"),
                                         kNow.addSecs(-7200)}));

        CacheWarmer::Options options;
        options.clock = [] { return kNow.toMSecsSinceEpoch(); };
        CacheWarmer warmer(m_database->settings(), m_redis, EndpointRegistry::builtIn().value(), options);
        auto profile = warmer.warmEndpoints(QStringLiteral("profile"));
        SYNC_VERIFY_OK(profile);
        QCOMPARE(profile->keys, 20);
        QVERIFY(!warmer.warmEndpoints(QStringLiteral("prof*")).ok());

        auto all = warmer.warmEndpoints();
        SYNC_VERIFY_OK(all);
        QCOMPARE(all->rows, 41);
        QCOMPARE(all->keys, 40);
        QCOMPARE(all->skipped, 1);

        // The value is what the read path writes and reads.
        RedisConnection redisConnection(m_redis);
        auto value = redisConnection.get(cachekeys::endpointKey(QStringLiteral("profile"), 7));
        SYNC_VERIFY_OK(value);
        QVERIFY(value->has_value());
        auto entry = CachedEntry::decode(**value);
        SYNC_VERIFY_OK(entry);
        QCOMPARE(entry->data.toObject().value(QStringLiteral("Moodle_User_ID")).toString(), QStringLiteral("7"));
        auto ttl = redisConnection.ttl(cachekeys::endpointKey(QStringLiteral("profile"), 7));
        SYNC_VERIFY_OK(ttl);
        QVERIFY(*ttl > 0 && *ttl <= 300);
        QCOMPARE(redisConnection.exists({cachekeys::endpointKey(QStringLiteral("finance"), 1)}).valueOr(-1), 0);

        // Caching off: warming writes nothing.
        SYNC_VERIFY_OK(SettingsRepository(connection).setCachingEnabled(false, QStringLiteral("test")));
        SYNC_VERIFY_OK(flushRedisDb(m_redis));
        auto refused = warmer.warmEndpoints();
        SYNC_VERIFY_OK(SettingsRepository(connection).setCachingEnabled(true, QStringLiteral("test")));
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().kind, ErrorKind::Conflict);
        QCOMPARE(redisConnection.dbsize().valueOr(-1), 0);
    }
};

QTEST_GUILESS_MAIN(TestCacheMaintenance)
#include "tst_cachemaintenance.moc"
