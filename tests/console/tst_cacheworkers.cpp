#include "cache/cachekeys.h"
#include "cache/endpointregistry.h"
#include "console/cacheadminworker.h"
#include "console/workerthreads.h"
#include "pgtestdatabase.h"
#include "redis/redisconnection.h"
#include "scratchprofile.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "store/settingsrepository.h"
#include "store/webhookeventrepository.h"
#include "testsandbox.h"
#include "verifyok.h"
#include "warmseed.h"

#include <QSignalSpy>
#include <QTest>

#include <functional>
#include <memory>

using namespace tiersync;

namespace {

// This test class's own Redis database: tests share the fixture's server.
constexpr int kDb = 56;
constexpr int kTimeoutMs = 60000;

}  // namespace

// CacheAdminWorker on console threads (WorkerThreads), driven through queued calls as
// the page drives it, against the fixture's Redis, zoho-sim and a scratch database. (The
// Students page's reads: tst_studentreadservice.)
class TestCacheWorkers final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::ScratchProfile> m_scratch;
    ConnectionProfile m_profile;
    PgSettings m_server;

    CacheActionResult act(CacheAdminWorker *worker, const std::function<void()> &call)
    {
        QSignalSpy finished(worker, &CacheAdminWorker::actionFinished);
        QMetaObject::invokeMethod(worker, call, Qt::QueuedConnection);
        [&] { QTRY_VERIFY_WITH_TIMEOUT(finished.size() == 1, kTimeoutMs); }();
        return finished.isEmpty() ? CacheActionResult{} : finished.first().first().value<CacheActionResult>();
    }

private Q_SLOTS:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("cacheworkers"), kDb);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
        m_profile = m_scratch->profile();
        m_server = m_scratch->server();
    }

    void init() { VERIFY_OK(RedisConnection(m_profile.redis).command({"FLUSHDB"})); }
    void cleanupTestCase() { (void)RedisConnection(m_profile.redis).command({"FLUSHDB"}); }

    void warmInvalidateAndCancel()
    {
        // A database of its own: the snapshots here are exactly the ones seeded below.
        auto database = test::PgTestDatabase::create(m_server, QStringLiteral("cacheworkerswarm"));
        VERIFY_OK(database);
        ConnectionProfile profile = m_profile;
        profile.pg = (*database)->settings();
        {
            PgConnection connection(profile.pg);
            VERIFY_OK(Migrator().migrate(connection));
            VERIFY_OK(test::seedWarmableRows(connection));
        }
        WorkerThreads threads;
        auto *worker = new CacheAdminWorker;
        threads.adopt(worker, QStringLiteral("cache"));
        QMetaObject::invokeMethod(worker, [profile, worker] { worker->setProfile(profile); }, Qt::QueuedConnection);
        QSignalSpy progress(worker, &CacheAdminWorker::actionProgress);

        CacheActionResult endpoints = act(worker, [worker] { worker->warmEndpoints(1, {}); });
        QVERIFY2(endpoints.ok, qPrintable(endpoints.error));
        QCOMPARE(endpoints.requestId, quint64(1));
        QVERIFY(endpoints.kind == CacheActionResult::Kind::WarmEndpoints);
        QCOMPARE(endpoints.rows, 6);
        QCOMPARE(endpoints.keys, 6);
        QVERIFY(!progress.isEmpty());
        QCOMPARE(progress.last().at(1).toLongLong(), 6);
        QCOMPARE(progress.last().at(2).toLongLong(), 6);

        CacheActionResult entities = act(worker, [worker] { worker->warmEntities(2, QStringLiteral("products")); });
        QVERIFY2(entities.ok, qPrintable(entities.error));
        QCOMPARE(entities.keys, 4);
        RedisConnection redis(m_profile.redis);
        QCOMPARE(redis.dbsize().valueOr(-1), 10);

        CacheActionResult unknown = act(worker, [worker] { worker->warmEntities(3, QStringLiteral("nope")); });
        QVERIFY(!unknown.ok);
        QVERIFY(unknown.error.contains(QStringLiteral("not an entity type")));

        CacheActionResult counted = act(worker, [worker] { worker->invalidateEndpoint(4, QStringLiteral("academics"), true); });
        QVERIFY2(counted.ok, qPrintable(counted.error));
        QVERIFY(counted.dryRun);
        QCOMPARE(counted.keys, 3);
        QCOMPARE(redis.dbsize().valueOr(-1), 10);
        CacheActionResult removed = act(worker, [worker] { worker->invalidateEndpoint(5, QStringLiteral("academics"), false); });
        QCOMPARE(removed.keys, 3);
        QCOMPARE(redis.dbsize().valueOr(-1), 7);
        CacheActionResult states = act(worker, [worker] { worker->invalidateEntityType(6, QStringLiteral("products"), false); });
        QVERIFY(states.kind == CacheActionResult::Kind::InvalidateEntityType);
        QCOMPARE(states.keys, 4);
        QCOMPARE(redis.dbsize().valueOr(-1), 3);

        // A cancel that arrives before the warm begins stops it at its first chunk.
        VERIFY_OK(redis.command({"FLUSHDB"}));
        worker->cancel(7);
        CacheActionResult cancelled = act(worker, [worker] { worker->warmEndpoints(7, {}); });
        QVERIFY(!cancelled.ok);
        QVERIFY(cancelled.cancelled);
        QCOMPARE(redis.dbsize().valueOr(-1), 0);
        // …and never the next one.
        CacheActionResult next = act(worker, [worker] { worker->warmEndpoints(8, QStringLiteral("profile")); });
        QVERIFY2(next.ok, qPrintable(next.error));
        QCOMPARE(next.keys, 3);
    }

    void cachingSwitchAndWebhookEvents()
    {
        WorkerThreads threads;
        auto *worker = new CacheAdminWorker;
        threads.adopt(worker, QStringLiteral("cache-lists"));
        QMetaObject::invokeMethod(worker, [this, worker] { worker->setProfile(m_profile); }, Qt::QueuedConnection);
        QSignalSpy caching(worker, &CacheAdminWorker::cachingLoaded);
        QMetaObject::invokeMethod(worker, [worker] { worker->setCachingEnabled(false); }, Qt::QueuedConnection);
        QTRY_COMPARE_WITH_TIMEOUT(caching.size(), 1, kTimeoutMs);
        CachingState off = caching.first().first().value<CachingState>();
        QVERIFY(!off.enabled);
        QVERIFY(off.updatedBy.startsWith(QStringLiteral("console:")));
        QVERIFY(off.updatedAt.isValid());
        {
            PgConnection connection(m_profile.pg);
            QCOMPARE(SettingsRepository(connection).cachingEnabled().valueOr(true), false);
        }
        // Off: warming is refused in words, nothing is written.
        auto *actions = new CacheAdminWorker;
        threads.adopt(actions, QStringLiteral("cache"));
        QMetaObject::invokeMethod(actions, [this, actions] { actions->setProfile(m_profile); }, Qt::QueuedConnection);
        CacheActionResult refused = act(actions, [actions] { actions->warmEntities(1, {}); });
        QVERIFY(!refused.ok);
        QVERIFY2(refused.error.contains(QStringLiteral("Caching is off")), qPrintable(refused.error));

        QMetaObject::invokeMethod(worker, [worker] { worker->setCachingEnabled(true); }, Qt::QueuedConnection);
        QTRY_COMPARE_WITH_TIMEOUT(caching.size(), 2, kTimeoutMs);
        QVERIFY(caching.at(1).first().value<CachingState>().enabled);
        {
            PgConnection connection(m_profile.pg);
            QCOMPARE(SettingsRepository(connection).cachingEnabled().valueOr(false), true);
            WebhookEventRepository events(connection);
            WebhookEventRepository::Event first;
            first.idempotencyKey = QStringLiteral("crm:test:1");
            first.source = QStringLiteral("crm");
            first.entityType = QStringLiteral("students");
            first.entityId = QStringLiteral("1");
            VERIFY_OK(events.record(first));
            VERIFY_OK(events.updateOutcome(first.idempotencyKey, QStringLiteral("applied"),
                                           {QStringLiteral("tiersync:v1:ep:profile:1")}));
        }
        QSignalSpy loaded(worker, &CacheAdminWorker::webhookEventsLoaded);
        QMetaObject::invokeMethod(worker, [worker] { worker->loadWebhookEvents(10); }, Qt::QueuedConnection);
        QTRY_COMPARE_WITH_TIMEOUT(loaded.size(), 1, kTimeoutMs);
        const auto events = loaded.first().first().value<QList<WebhookEventRepository::Event>>();
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.first().outcome, QStringLiteral("applied"));
        QCOMPARE(events.first().invalidatedKeys, QStringList{QStringLiteral("tiersync:v1:ep:profile:1")});
    }
};

QTEST_MAIN(TestCacheWorkers)
#include "tst_cacheworkers.moc"
