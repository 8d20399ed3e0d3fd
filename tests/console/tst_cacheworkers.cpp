#include "cache/cachekeys.h"
#include "cache/endpointregistry.h"
#include "console/cacheadminworker.h"
#include "console/studentworker.h"
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
constexpr qint64 kStudent = 7;

}  // namespace

// StudentWorker and CacheAdminWorker on console threads (WorkerThreads), driven through
// queued calls as the pages drive them, against the fixture's Redis, zoho-sim and a
// scratch database.
class TestCacheWorkers final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::ScratchProfile> m_scratch;
    ConnectionProfile m_profile;
    PgSettings m_server;

    qint64 keysOfStudent(qint64 id)
    {
        QList<QByteArray> keys;
        for (const QString &endpoint : EndpointRegistry::builtIn().value().names())
            keys.append(cachekeys::endpointKey(endpoint, id));
        return RedisConnection(m_profile.redis).exists(keys).valueOr(-1);
    }

    StudentLookup lookup(StudentWorker *worker, quint64 requestId, qint64 id, const QString &endpoint, bool force)
    {
        QSignalSpy finished(worker, &StudentWorker::lookupFinished);
        QSignalSpy failed(worker, &StudentWorker::lookupFailed);
        QMetaObject::invokeMethod(
            worker, [worker, requestId, id, endpoint, force] { worker->lookup(requestId, id, endpoint, force); },
            Qt::QueuedConnection);
        [&] { QTRY_VERIFY_WITH_TIMEOUT(finished.size() + failed.size() == 1, kTimeoutMs); }();
        if (finished.isEmpty())
            return StudentLookup{};
        return finished.first().first().value<StudentLookup>();
    }

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

    void studentReadsEveryTierThenInvalidates()
    {
        WorkerThreads threads;
        auto *worker = new StudentWorker;
        threads.adopt(worker, QStringLiteral("students"));
        QMetaObject::invokeMethod(worker, [this, worker] { worker->setProfile(m_profile); }, Qt::QueuedConnection);

        // Force refresh: every registered endpoint, fresh from Zoho.
        StudentLookup refreshed = lookup(worker, 1, kStudent, {}, true);
        QCOMPARE(refreshed.requestId, quint64(1));
        QCOMPARE(refreshed.moodleUserId, kStudent);
        QCOMPARE(refreshed.reads.size(), 5);
        for (const StudentEndpointRead &read : std::as_const(refreshed.reads)) {
            QVERIFY2(read.ok, qPrintable(read.endpoint + QLatin1String(": ") + read.error));
            QCOMPARE(readSourceName(read.source), QStringLiteral("zoho"));
            QCOMPARE(read.httpStatus, 200);
            QVERIFY(read.latencyUs > 0);
        }
        QCOMPARE(refreshed.reads.first().endpoint, QStringLiteral("profile"));
        QVERIFY(refreshed.reads.first().dataJson.contains("\"Moodle_User_ID\":\"7\""));
        QCOMPARE(keysOfStudent(kStudent), 5);

        // Read again: Redis answers.
        StudentLookup cached = lookup(worker, 2, kStudent, {}, false);
        QCOMPARE(cached.reads.size(), 5);
        for (const StudentEndpointRead &read : std::as_const(cached.reads))
            QCOMPARE(readSourceName(read.source), QStringLiteral("redis"));

        // One endpoint only.
        StudentLookup one = lookup(worker, 3, kStudent, QStringLiteral("academics"), true);
        QCOMPARE(one.reads.size(), 1);
        QCOMPARE(one.reads.first().endpoint, QStringLiteral("academics"));
        QCOMPARE(readSourceName(one.reads.first().source), QStringLiteral("zoho"));

        // Invalidate: the dry run counts, the real one deletes, PostgreSQL answers next.
        QSignalSpy invalidated(worker, &StudentWorker::studentInvalidated);
        QMetaObject::invokeMethod(worker, [worker] { worker->invalidate(4, kStudent, true); }, Qt::QueuedConnection);
        QTRY_COMPARE_WITH_TIMEOUT(invalidated.size(), 1, kTimeoutMs);
        QCOMPARE(invalidated.first().at(2).toBool(), true);
        QCOMPARE(invalidated.first().at(3).toLongLong(), 5);
        QCOMPARE(keysOfStudent(kStudent), 5);
        QMetaObject::invokeMethod(worker, [worker] { worker->invalidate(5, kStudent, false); }, Qt::QueuedConnection);
        QTRY_COMPARE_WITH_TIMEOUT(invalidated.size(), 2, kTimeoutMs);
        QCOMPARE(invalidated.at(1).at(3).toLongLong(), 5);
        QCOMPARE(keysOfStudent(kStudent), 0);
        StudentLookup fromPg = lookup(worker, 6, kStudent, {}, false);
        for (const StudentEndpointRead &read : std::as_const(fromPg.reads))
            QCOMPARE(readSourceName(read.source), QStringLiteral("postgres"));
    }

    void studentRefusesBadInput()
    {
        WorkerThreads threads;
        auto *worker = new StudentWorker;
        threads.adopt(worker, QStringLiteral("students"));
        QSignalSpy failed(worker, &StudentWorker::lookupFailed);
        QMetaObject::invokeMethod(worker, [worker] { worker->lookup(1, kStudent, {}, false); }, Qt::QueuedConnection);
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, kTimeoutMs);
        QVERIFY(failed.first().at(1).toString().contains(QStringLiteral("No connection profile")));

        QMetaObject::invokeMethod(worker, [this, worker] { worker->setProfile(m_profile); }, Qt::QueuedConnection);
        QMetaObject::invokeMethod(worker, [worker] { worker->lookup(2, 0, {}, false); }, Qt::QueuedConnection);
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 2, kTimeoutMs);
        QCOMPARE(failed.at(1).at(0).toULongLong(), quint64(2));
        QVERIFY(failed.at(1).at(1).toString().contains(QStringLiteral("Moodle user id")));
        QMetaObject::invokeMethod(worker, [worker] { worker->lookup(3, kStudent, QStringLiteral("nope"), false); },
                                  Qt::QueuedConnection);
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 3, kTimeoutMs);
        QVERIFY(failed.at(2).at(1).toString().contains(QStringLiteral("not a dashboard endpoint")));
        // Nothing was read or cached; the only keys are the process's heartbeat.
        auto keys = RedisConnection(m_profile.redis).command({"KEYS", "*"});
        VERIFY_OK(keys);
        for (const RedisReply &key : keys->elements())
            QVERIFY2(key.bytes().startsWith("tiersync:v1:instance"), key.bytes().constData());
    }

    void studentWithZohoDownSaysSo()
    {
        ConnectionProfile down = m_profile;
        // Nothing listens on port 1: Zoho is unreachable, and student 9 was never cached.
        down.zoho.apiBase = QStringLiteral("http://127.0.0.1:1");
        down.zoho.accountsUrl = QStringLiteral("http://127.0.0.1:1");
        WorkerThreads threads;
        auto *worker = new StudentWorker;
        threads.adopt(worker, QStringLiteral("students"));
        QMetaObject::invokeMethod(worker, [down, worker] { worker->setProfile(down); }, Qt::QueuedConnection);
        StudentLookup result = lookup(worker, 1, 9, QStringLiteral("profile"), false);
        QCOMPARE(result.reads.size(), 1);
        const StudentEndpointRead &read = result.reads.first();
        QVERIFY(!read.ok);
        QCOMPARE(read.httpStatus, 503);
        QVERIFY2(read.error.contains(QStringLiteral("503")), qPrintable(read.error));
        QVERIFY2(read.error.contains(QStringLiteral("Zoho")), qPrintable(read.error));
    }

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
