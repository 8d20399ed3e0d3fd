// EngineCacheAdminService, the Cache page's engine side, against the fixture's Redis and
// PostgreSQL (a scratch database seeded with snapshots and entity rows): warms and
// invalidations with their counts and progress; cancel of a warm under way and of one not
// begun (and never of the next); stop() during a warm cancels it, then joins; the switch
// and the webhook events answer while a warm waits; every error names the server it came
// from (Redis or PostgreSQL unreachable) or none (the engine's own refusals).
//
// A warm is held "under way" deterministically: the test locks tiersync.entities, and the
// warm's count of the rows waits on that lock (seen in pg_stat_activity) until released.
#include "cache/endpointregistry.h"
#include "console/enginecacheadminservice.h"
#include "host/engineservices.h"
#include "redis/redisconnection.h"
#include "scratchprofile.h"
#include "store/pgconnection.h"
#include "store/settingsrepository.h"
#include "store/webhookeventrepository.h"
#include "testsandbox.h"
#include "verifyok.h"
#include "warmseed.h"

#include <QFile>
#include <QSignalSpy>
#include <QTest>

#include <pqxx/pqxx>

#include <atomic>
#include <memory>
#include <thread>

#include <unistd.h>

using namespace tiersync;

namespace {

constexpr int kDb = 76;  // this test class's own Redis database
constexpr int kTimeoutMs = 60000;

// The answers to the service's actions.
struct ActionSpies {
    explicit ActionSpies(CacheAdminService &service)
        : progress(&service, &CacheAdminService::actionProgress),
          finished(&service, &CacheAdminService::actionFinished),
          failed(&service, &CacheAdminService::failed)
    {
    }
    // The answer to one request: its result (requestId 0 when it failed).
    CacheActionResult result(quint64 request)
    {
        for (const QList<QVariant> &answer : std::as_const(finished)) {
            const auto result = answer.first().value<CacheActionResult>();
            if (result.requestId == request)
                return result;
        }
        return {};
    }
    std::optional<ServiceError> error(quint64 request)
    {
        for (const QList<QVariant> &answer : std::as_const(failed)) {
            if (answer.at(1).toULongLong() == request)
                return answer.at(2).value<ServiceError>();
        }
        return std::nullopt;
    }
    [[nodiscard]] bool answered(quint64 request) { return result(request).requestId == request || error(request); }

    QSignalSpy progress;
    QSignalSpy finished;
    QSignalSpy failed;
};

// Holds an ACCESS EXCLUSIVE lock on tiersync.entities until release(): a warm of entity
// states waits for it when it counts the rows.
class EntitiesLock final {
public:
    explicit EntitiesLock(const PgSettings &pg)
        : m_connection(pg.toConnectionString().toStdString()), m_work(m_connection)
    {
        m_work.exec("LOCK TABLE tiersync.entities IN ACCESS EXCLUSIVE MODE");
    }
    void release() { m_work.commit(); }

private:
    pqxx::connection m_connection;
    pqxx::work m_work;
};

// A session of the scratch database is waiting for a lock on the entities (a warm's count).
bool warmWaitsOnTheLock(const PgSettings &pg)
{
    pqxx::connection connection(pg.toConnectionString().toStdString());
    pqxx::work work(connection);
    const auto waiting = work.exec1("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                                    " AND wait_event_type = 'Lock' AND query LIKE '%tiersync.entities%'");
    return waiting[0].as<int>() > 0;
}

// The thread is asleep (state S in /proc): the test's thread in stop() is waiting for the
// warm to end, having cancelled it first (nothing else there sleeps).
bool sleeping(pid_t thread)
{
    QFile stat(QStringLiteral("/proc/self/task/%1/stat").arg(thread));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray line = stat.readAll();
    const qsizetype afterName = line.lastIndexOf(')');
    return afterName >= 0 && line.mid(afterName + 1).trimmed().startsWith('S');
}

ConnectionProfile unreachable(ConnectionProfile profile, ConnectionCheck::Service service)
{
    // Nothing listens on port 1.
    if (service == ConnectionCheck::Service::Redis)
        profile.redis.port = 1;
    else
        profile.pg.options.insert(QStringLiteral("port"), QStringLiteral("1"));
    return profile;
}

}  // namespace

class TestCacheAdminService final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::ScratchProfile> m_scratch;
    ConnectionProfile m_profile;
    std::shared_ptr<EngineServicesPool> m_pool;
    std::unique_ptr<EngineCacheAdminService> m_service;

    qint64 dbsize() { return RedisConnection(m_profile.redis).dbsize().valueOr(-1); }

    // Starts an action and waits for its one answer.
    CacheActionResult act(const std::function<quint64()> &start, ActionSpies *spies = nullptr)
    {
        ActionSpies own(*m_service);
        ActionSpies &answers = spies ? *spies : own;
        const quint64 request = start();
        [&] {
            QVERIFY(request != 0);
            QTRY_VERIFY_WITH_TIMEOUT(answers.answered(request), kTimeoutMs);
            const auto error = answers.error(request);
            QVERIFY2(!error, error ? qPrintable(error->describe()) : "");
        }();
        return answers.result(request);
    }

    // Starts an action that must fail, and returns its error.
    ServiceError refusal(CacheAdminService &service, CacheAdminService::Request expected,
                         const std::function<quint64()> &start)
    {
        ActionSpies answers(service);
        const quint64 request = start();
        [&] {
            QVERIFY(request != 0);
            QTRY_VERIFY_WITH_TIMEOUT(answers.answered(request), kTimeoutMs);
            QVERIFY(answers.finished.isEmpty());
            QCOMPARE(answers.failed.first().at(0).value<CacheAdminService::Request>(), expected);
        }();
        return answers.error(request).value_or(ServiceError{});
    }

    // A list load that must fail, and its error.
    ServiceError listRefusal(CacheAdminService &service, CacheAdminService::Request expected,
                             const std::function<void()> &load)
    {
        QSignalSpy failed(&service, &CacheAdminService::failed);
        load();
        [&] {
            QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, kTimeoutMs);
            QCOMPARE(failed.first().at(0).value<CacheAdminService::Request>(), expected);
            QCOMPARE(failed.first().at(1).toULongLong(), quint64(0));
        }();
        return failed.isEmpty() ? ServiceError{} : failed.first().at(2).value<ServiceError>();
    }

private Q_SLOTS:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("cacheadminservice"), kDb);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
        m_profile = m_scratch->profile();
        {
            // The database is this test's own: the snapshots are exactly the ones seeded here.
            PgConnection connection(m_profile.pg);
            VERIFY_OK(test::seedWarmableRows(connection));
        }
        m_pool = std::make_shared<EngineServicesPool>(engineServicesOptions({}));
        m_service = std::make_unique<EngineCacheAdminService>(m_pool, ConsoleClocks{});
        m_service->setProfile(m_profile);
    }

    void init() { VERIFY_OK(RedisConnection(m_profile.redis).command({"FLUSHDB"})); }

    void cleanupTestCase()
    {
        m_service.reset();
        (void)RedisConnection(m_profile.redis).command({"FLUSHDB"});
    }

    void answersNeedAProfile()
    {
        EngineCacheAdminService fresh(m_pool, {});
        QSignalSpy failed(&fresh, &CacheAdminService::failed);
        const quint64 request = fresh.warmEndpoints({});
        QVERIFY(request != 0);
        QVERIFY(failed.isEmpty());  // answers arrive later, never inside the call
        QTRY_COMPARE(failed.size(), 1);
        QCOMPARE(failed.first().at(0).value<CacheAdminService::Request>(), CacheAdminService::Request::Warm);
        QCOMPARE(failed.first().at(1).toULongLong(), request);
        const auto error = failed.first().at(2).value<ServiceError>();
        QVERIFY(!error.service);
        QVERIFY(error.describe().contains(QStringLiteral("No connection profile")));
        fresh.loadCaching();
        QTRY_COMPARE(failed.size(), 2);
        QCOMPARE(failed.at(1).at(0).value<CacheAdminService::Request>(), CacheAdminService::Request::LoadCaching);

        fresh.stop();
        QCOMPARE(fresh.warmEndpoints({}), quint64(0));
        QCOMPARE(fresh.invalidateEndpoint(QStringLiteral("profile"), true), quint64(0));
    }

    void warmAndInvalidate()
    {
        ActionSpies spies(*m_service);
        quint64 request = 0;
        const CacheActionResult endpoints = act([&] { return request = m_service->warmEndpoints({}); }, &spies);
        QCOMPARE(endpoints.requestId, request);
        QVERIFY(endpoints.kind == CacheActionResult::Kind::WarmEndpoints);
        QVERIFY(!endpoints.cancelled);
        QCOMPARE(endpoints.rows, 6);
        QCOMPARE(endpoints.keys, 6);
        QVERIFY(!spies.progress.isEmpty());
        QCOMPARE(spies.progress.last().at(0).toULongLong(), request);
        QCOMPARE(spies.progress.last().at(1).toLongLong(), 6);
        QCOMPARE(spies.progress.last().at(2).toLongLong(), 6);

        const CacheActionResult entities = act([&] { return m_service->warmEntities(QStringLiteral("products")); });
        QVERIFY(entities.kind == CacheActionResult::Kind::WarmEntities);
        QCOMPARE(entities.keys, 4);
        QCOMPARE(dbsize(), 10);

        const ServiceError unknown = refusal(*m_service, CacheAdminService::Request::Warm,
                                             [&] { return m_service->warmEntities(QStringLiteral("nope")); });
        QVERIFY(!unknown.service);  // the engine's own refusal, no server's
        QCOMPARE(unknown.error.kind, ErrorKind::InvalidArgument);
        QVERIFY2(unknown.describe().contains(QStringLiteral("not an entity type")), qPrintable(unknown.describe()));

        const CacheActionResult counted =
            act([&] { return m_service->invalidateEndpoint(QStringLiteral("academics"), true); });
        QVERIFY(counted.dryRun);
        QCOMPARE(counted.keys, 3);
        QCOMPARE(dbsize(), 10);
        const CacheActionResult removed =
            act([&] { return m_service->invalidateEndpoint(QStringLiteral("academics"), false); });
        QVERIFY(!removed.dryRun);
        QCOMPARE(removed.keys, 3);
        QCOMPARE(dbsize(), 7);
        const CacheActionResult states =
            act([&] { return m_service->invalidateEntityType(QStringLiteral("products"), false); });
        QVERIFY(states.kind == CacheActionResult::Kind::InvalidateEntityType);
        QCOMPARE(states.keys, 4);
        QCOMPARE(dbsize(), 3);

        const ServiceError noTarget = refusal(*m_service, CacheAdminService::Request::Invalidate,
                                              [&] { return m_service->invalidateEndpoint({}, true); });
        QVERIFY(!noTarget.service);
        QCOMPARE(noTarget.error.kind, ErrorKind::InvalidArgument);
        QCOMPARE(dbsize(), 3);
    }

    // A cancel that arrives before the warm begins (it waits behind another action) stops
    // it before it writes anything…
    void cancelBeforeItBegins()
    {
        ActionSpies spies(*m_service);
        EntitiesLock lock(m_profile.pg);
        const quint64 first = m_service->warmEntities(QStringLiteral("products"));
        QTRY_VERIFY_WITH_TIMEOUT(warmWaitsOnTheLock(m_profile.pg), kTimeoutMs);
        const quint64 queued = m_service->warmEndpoints({});
        QVERIFY(queued != first);
        m_service->cancel(queued);
        lock.release();
        QTRY_VERIFY_WITH_TIMEOUT(spies.answered(first) && spies.answered(queued), kTimeoutMs);
        QCOMPARE(spies.result(first).keys, 4);
        const CacheActionResult cancelled = spies.result(queued);
        QCOMPARE(cancelled.requestId, queued);
        QVERIFY(cancelled.cancelled);
        QCOMPARE(cancelled.rows, 0);
        QCOMPARE(dbsize(), 4);  // the first warm's entity states only

        // …and never the next one.
        const CacheActionResult next = act([&] { return m_service->warmEndpoints(QStringLiteral("profile")); });
        QVERIFY(!next.cancelled);
        QCOMPARE(next.keys, 3);
    }

    // A cancel of a warm under way stops it at its next chunk; a cancel of a request that
    // ended does nothing.
    void cancelStopsAWarmUnderWay()
    {
        ActionSpies spies(*m_service);
        EntitiesLock lock(m_profile.pg);
        const quint64 request = m_service->warmEntities(QStringLiteral("products"));
        QTRY_VERIFY_WITH_TIMEOUT(warmWaitsOnTheLock(m_profile.pg), kTimeoutMs);
        m_service->cancel(request);
        lock.release();
        QTRY_VERIFY_WITH_TIMEOUT(spies.answered(request), kTimeoutMs);
        const CacheActionResult cancelled = spies.result(request);
        QVERIFY(cancelled.cancelled);
        QVERIFY(cancelled.kind == CacheActionResult::Kind::WarmEntities);
        QCOMPARE(cancelled.target, QStringLiteral("products"));
        QCOMPARE(dbsize(), 0);
        m_service->cancel(request);
        const CacheActionResult again = act([&] { return m_service->warmEntities(QStringLiteral("products")); });
        QVERIFY(!again.cancelled);
        QCOMPARE(again.keys, 4);
    }

    // stop() cancels the warm still going and joins it; nothing runs after it.
    void stopDuringAWarm()
    {
        auto service = std::make_unique<EngineCacheAdminService>(m_pool, ConsoleClocks{});
        service->setProfile(m_profile);
        ActionSpies spies(*service);
        auto lock = std::make_unique<EntitiesLock>(m_profile.pg);
        const quint64 request = service->warmEntities(QStringLiteral("products"));
        QTRY_VERIFY_WITH_TIMEOUT(warmWaitsOnTheLock(m_profile.pg), kTimeoutMs);
        const quint64 queued = service->warmEndpoints({});
        // stop() blocks this thread until the warm ends, so another releases the lock once
        // this one sleeps in stop(), past the cancel: the warm finds it at its first chunk.
        std::atomic_bool stopping{false};
        const pid_t self = gettid();
        std::thread releaser([&] {
            while (!stopping.load() || !sleeping(self))
                std::this_thread::yield();
            lock->release();
        });
        stopping.store(true);
        service->stop();
        releaser.join();
        QVERIFY(!warmWaitsOnTheLock(m_profile.pg));  // joined: the warm has ended
        QCOMPARE(service->warmEntities(QStringLiteral("products")), quint64(0));
        QTRY_VERIFY_WITH_TIMEOUT(spies.answered(request), kTimeoutMs);
        QVERIFY(spies.result(request).cancelled);
        QCOMPARE(dbsize(), 0);
        QVERIFY(!spies.answered(queued));  // dropped: it never began
        service->loadCaching();  // nothing runs after stop()
        QSignalSpy loaded(service.get(), &CacheAdminService::cachingLoaded);
        QTest::qWait(0);
        QVERIFY(loaded.isEmpty());
    }

    // The switch and the events load on a thread of their own: they answer while a warm waits.
    void listsAnswerWhileAWarmWaits()
    {
        ActionSpies spies(*m_service);
        QSignalSpy caching(m_service.get(), &CacheAdminService::cachingLoaded);
        QSignalSpy events(m_service.get(), &CacheAdminService::webhookEventsLoaded);
        EntitiesLock lock(m_profile.pg);
        const quint64 request = m_service->warmEntities(QStringLiteral("products"));
        QTRY_VERIFY_WITH_TIMEOUT(warmWaitsOnTheLock(m_profile.pg), kTimeoutMs);
        m_service->loadCaching();
        m_service->loadWebhookEvents(10);
        QTRY_COMPARE_WITH_TIMEOUT(events.size(), 1, kTimeoutMs);
        QCOMPARE(caching.size(), 1);  // answered in the order asked
        QVERIFY(!spies.answered(request));
        lock.release();
        QTRY_VERIFY_WITH_TIMEOUT(spies.answered(request), kTimeoutMs);
        QCOMPARE(spies.result(request).keys, 4);
    }

    void cachingSwitchAndWebhookEvents()
    {
        QSignalSpy caching(m_service.get(), &CacheAdminService::cachingLoaded);
        m_service->setCachingEnabled(false);
        QTRY_COMPARE_WITH_TIMEOUT(caching.size(), 1, kTimeoutMs);
        const CachingState off = caching.first().first().value<CachingState>();
        QVERIFY(!off.enabled);
        QVERIFY(off.updatedBy.startsWith(QStringLiteral("console:")));
        QVERIFY(off.updatedAt.isValid());
        {
            PgConnection connection(m_profile.pg);
            QCOMPARE(SettingsRepository(connection).cachingEnabled().valueOr(true), false);
        }
        // Off: warming is refused in words, nothing is written.
        const ServiceError refused = refusal(*m_service, CacheAdminService::Request::Warm,
                                             [&] { return m_service->warmEntities({}); });
        QVERIFY2(refused.describe().contains(QStringLiteral("Caching is off")), qPrintable(refused.describe()));
        QVERIFY(!refused.service);  // the switch said no; no server failed
        QCOMPARE(dbsize(), 0);

        m_service->setCachingEnabled(true);
        QTRY_COMPARE_WITH_TIMEOUT(caching.size(), 2, kTimeoutMs);
        QVERIFY(caching.at(1).first().value<CachingState>().enabled);
        m_service->loadCaching();
        QTRY_COMPARE_WITH_TIMEOUT(caching.size(), 3, kTimeoutMs);
        QVERIFY(caching.at(2).first().value<CachingState>().enabled);
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
            VERIFY_OK(events.updateOutcome(first.idempotencyKey, WebhookOutcome::Processed,
                                           {QStringLiteral("tiersync:v1:ep:profile:1")}));
        }
        QSignalSpy loaded(m_service.get(), &CacheAdminService::webhookEventsLoaded);
        m_service->loadWebhookEvents(10);
        QTRY_COMPARE_WITH_TIMEOUT(loaded.size(), 1, kTimeoutMs);
        const auto events = loaded.first().first().value<QList<WebhookEventRepository::Event>>();
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.first().outcome, WebhookOutcome::Processed);
        QCOMPARE(events.first().invalidatedKeys, QStringList{QStringLiteral("tiersync:v1:ep:profile:1")});
    }

    void errorsNameTheServer()
    {
        // Redis unreachable: warming reads PostgreSQL, then fails writing to Redis.
        EngineCacheAdminService noRedis(m_pool, {});
        noRedis.setProfile(unreachable(m_profile, ConnectionCheck::Service::Redis));
        for (const auto &start : std::initializer_list<std::function<quint64()>>{
                 [&] { return noRedis.warmEndpoints({}); },
                 [&] { return noRedis.warmEntities(QStringLiteral("products")); }}) {
            const ServiceError error = refusal(noRedis, CacheAdminService::Request::Warm, start);
            QVERIFY(error.service == std::optional(ConnectionCheck::Service::Redis));
            QVERIFY2(error.describe().contains(QStringLiteral("Cannot reach Redis")), qPrintable(error.describe()));
        }
        const ServiceError invalidation = refusal(noRedis, CacheAdminService::Request::Invalidate, [&] {
            return noRedis.invalidateEntityType(QStringLiteral("products"), true);
        });
        QVERIFY(invalidation.service == std::optional(ConnectionCheck::Service::Redis));
        QVERIFY2(invalidation.describe().contains(QStringLiteral("Cannot reach Redis")),
                 qPrintable(invalidation.describe()));

        // PostgreSQL unreachable: warming, the switch and the events say so.
        EngineCacheAdminService noPostgres(m_pool, {});
        noPostgres.setProfile(unreachable(m_profile, ConnectionCheck::Service::Postgres));
        const ServiceError warm = refusal(noPostgres, CacheAdminService::Request::Warm,
                                          [&] { return noPostgres.warmEndpoints({}); });
        QVERIFY(warm.service == std::optional(ConnectionCheck::Service::Postgres));
        QVERIFY2(warm.describe().contains(QStringLiteral("Cannot reach PostgreSQL")), qPrintable(warm.describe()));
        const QList<std::pair<CacheAdminService::Request, std::function<void()>>> loads{
            {CacheAdminService::Request::LoadCaching, [&] { noPostgres.loadCaching(); }},
            {CacheAdminService::Request::SetCaching, [&] { noPostgres.setCachingEnabled(false); }},
            {CacheAdminService::Request::LoadWebhookEvents, [&] { noPostgres.loadWebhookEvents(10); }}};
        for (const auto &[request, load] : loads) {
            const ServiceError error = listRefusal(noPostgres, request, load);
            QVERIFY(error.service == std::optional(ConnectionCheck::Service::Postgres));
            QVERIFY2(error.describe().contains(QStringLiteral("Cannot reach PostgreSQL")), qPrintable(error.describe()));
        }
        // Redis was never needed for any of them: the error is PostgreSQL's, not a guess.
        const ServiceError invalidateWithoutPg = refusal(noPostgres, CacheAdminService::Request::Invalidate, [&] {
            return noPostgres.invalidateEndpoint({}, true);
        });
        QVERIFY(!invalidateWithoutPg.service);
    }
};

QTEST_MAIN(TestCacheAdminService)
#include "tst_cacheadminservice.moc"
