#include "manualepochclock.h"
#include "pgtestdatabase.h"
#include "privatezohosim.h"
#include "scratchprofile.h"
#include "synctesthelpers.h"
#include "testsandbox.h"
#include "verifyok.h"

#include "cache/cacheengine.h"
#include "cache/readstatistics.h"
#include "cache/statscounts.h"
#include "cache/zohocallstore.h"
#include "console/enginestatisticsservice.h"
#include "redis/redisconnection.h"
#include "sandbox/redisserverprocess.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "sync/entityregistry.h"
#include "sync/syncorchestrator.h"
#include "webhook/webhookprocessor.h"
#include "zoho/awaitresult.h"
#include "zoho/zohoapi.h"
#include "zoho/zohoservice.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace tiersync;
using namespace tiersync::test;

namespace {

constexpr int kRedisDb = 54;  // this executable's Redis database on the fixture's server

// Every counter here reads this clock: what a test spends is counted in its minute, however
// long the test takes.
const ManualEpochClock kClock;

// The organisation's Zoho calls counted in the clock's minute.
Result<ZohoCallCounts> callsThisMinute(const RedisSettings &redis)
{
    RedisConnection connection(redis);
    return ZohoCallStore(connection).sumRecent(kClock.nowMs(), 1);
}

}  // namespace

// Zoho's rate limit is per organisation: every Zoho call, whatever spends it, is counted
// per minute by purpose in tiersync:v1:zoho_calls:{minute} (ZohoCallStore), and the
// Overview's snapshot carries the split.
class TestZohoCallBudget final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<ScratchProfile> m_scratch;
    ConnectionProfile m_profile;  // the fixture's Redis (own db) and PostgreSQL (scratch db), a private sim
    std::unique_ptr<PrivateZohoSim> m_sim;

private Q_SLOTS:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = ScratchProfile::create(sandbox, QStringLiteral("zohocallbudget"), kRedisDb);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
        auto sim = PrivateZohoSim::start();
        VERIFY_OK(sim);
        m_sim = std::move(*sim);
        m_profile = m_scratch->profile();
        m_profile.zoho = m_sim->settings();
    }

    void init()
    {
        VERIFY_OK(RedisConnection(m_profile.redis).command({"FLUSHDB"}));
    }

    void syncCountsExactlyItsCalls()
    {
        ZohoService service(m_profile.zoho, fastClientOptions());
        SyncOptions options;
        options.batchSize = 100;
        options.clock = kClock.clock();
        SyncOrchestrator full(entityDefinition(QStringLiteral("products")), service.client(), m_profile.pg,
                              m_profile.redis, options);
        auto first = runOnWorker(full);
        VERIFY_OK(first);
        QCOMPARE(first->run.status, SyncRunStatus::Succeeded);
        QVERIFY(first->run.counters.zohoCalls > 1);
        auto counted = callsThisMinute(m_profile.redis);
        VERIFY_OK(counted);
        QCOMPARE(counted->value(ZohoCallPurpose::Sync), quint64(first->run.counters.zohoCalls));
        QCOMPARE(counted->value(ZohoCallPurpose::Read), 0u);
        QCOMPARE(counted->value(ZohoCallPurpose::Webhook), 0u);

        // Nothing changed: no state is written, so the calls go out in the one write at the end.
        SyncOptions incremental;
        incremental.clock = kClock.clock();
        SyncOrchestrator again(entityDefinition(QStringLiteral("products")), service.client(), m_profile.pg,
                               m_profile.redis, incremental);
        auto second = runOnWorker(again);
        VERIFY_OK(second);
        QCOMPARE(second->run.status, SyncRunStatus::Succeeded);
        QCOMPARE(second->run.counters.synced, 0);
        counted = callsThisMinute(m_profile.redis);
        VERIFY_OK(counted);
        QCOMPARE(counted->value(ZohoCallPurpose::Sync),
                 quint64(first->run.counters.zohoCalls + second->run.counters.zohoCalls));
        QCOMPARE(counted->total(), counted->value(ZohoCallPurpose::Sync));
    }

    void readPathCountsItsCalls()
    {
        CacheEngine::Options options;
        options.profile = m_profile;
        options.zoho = fastClientOptions();
        options.environment = QProcessEnvironment();
        options.earlyRefreshBeta = 0.0;
        options.statsFlushIntervalMs = 60000;  // flushed by hand
        options.clock = kClock.clock();
        auto engine = CacheEngine::create(std::move(options));
        VERIFY_OK(engine);
        for (int i = 0; i < 3; ++i)
            VERIFY_OK((*engine)->read(QStringLiteral("profile"), 41, false));
        VERIFY_OK((*engine)->read(QStringLiteral("profile"), 41, true));  // forced: Zoho again
        VERIFY_OK((*engine)->read(QStringLiteral("academics"), 41, false));
        VERIFY_OK((*engine)->flushStatistics());
        quint64 readCalls = 0;
        for (const QString &endpoint : (*engine)->statistics().endpoints())
            readCalls += (*engine)->statistics().counts(endpoint).value(StatsCounter::ZohoCalls);
        QCOMPARE(readCalls, 3u);
        auto counted = callsThisMinute(m_profile.redis);
        VERIFY_OK(counted);
        QCOMPARE(counted->value(ZohoCallPurpose::Read), readCalls);
        QCOMPARE(counted->value(ZohoCallPurpose::Sync), 0u);
    }

    // A CRM notification re-fetches each named record: one Zoho call per id, counted
    // with the state write, or on its own when nothing changed (no state write).
    void webhookCountsItsRefetches()
    {
        ZohoService service(m_profile.zoho, fastClientOptions());
        QStringList ids;
        for (int moodleUser : {3, 4}) {
            auto page = awaitResult(ZohoApi(service.client())
                                        .crmSearch(QStringLiteral("Students"),
                                                   QStringLiteral("(Moodle_User_ID:equals:%1)").arg(moodleUser)));
            VERIFY_OK(page);
            QCOMPARE(page->records.size(), 1);
            ids.append(page->records.first().value(QStringLiteral("id")).toString());
        }
        WebhookSettings settings;
        settings.crmToken = Secret(QStringLiteral("crm-token-for-tests"));
        auto registry = EntityRegistry::builtIn();
        VERIFY_OK(registry);
        WebhookProcessor webhooks(*registry, m_profile.pg, m_profile.redis, service.client(), settings, {},
                                  kClock.clock());
        qint64 serverTime = 1718117126473;
        const auto notify = [&] {
            WebhookHandler::Delivery delivery;
            delivery.source = QStringLiteral("crm");
            delivery.body = QJsonDocument(QJsonObject{{QStringLiteral("server_time"), ++serverTime},
                                                      {QStringLiteral("module"), QStringLiteral("Students")},
                                                      {QStringLiteral("ids"), QJsonArray::fromStringList(ids)},
                                                      {QStringLiteral("operation"), QStringLiteral("update")},
                                                      {QStringLiteral("token"), QStringLiteral("crm-token-for-tests")}})
                                .toJson(QJsonDocument::Compact);
            return webhooks.handle(delivery);
        };
        auto answer = notify();
        QCOMPARE(answer.status, 200);
        QCOMPARE(QJsonDocument::fromJson(answer.json).object().value(QStringLiteral("status")).toString(),
                 QStringLiteral("processed"));
        auto counted = callsThisMinute(m_profile.redis);
        VERIFY_OK(counted);
        // Both records in one Get Records call (ids=a,b).
        QCOMPARE(counted->value(ZohoCallPurpose::Webhook), 1u);
        QCOMPARE(counted->total(), 1u);

        answer = notify();  // the same records again: unchanged, nothing written but the count
        QCOMPARE(answer.status, 200);
        QCOMPARE(QJsonDocument::fromJson(answer.json).object().value(QStringLiteral("status")).toString(),
                 QStringLiteral("unchanged"));
        counted = callsThisMinute(m_profile.redis);
        VERIFY_OK(counted);
        QCOMPARE(counted->value(ZohoCallPurpose::Webhook), 2u);
    }

    void overviewSnapshotCarriesTheSplit()
    {
        const qint64 minute = kClock.minute();
        {
            RedisConnection redis(m_profile.redis);
            VERIFY_OK(ZohoCallStore(redis).add(minute, ZohoCallPurpose::Read, 4));
            VERIFY_OK(ZohoCallStore(redis).add(minute, ZohoCallPurpose::Sync, 40));
            VERIFY_OK(ZohoCallStore(redis).add(minute, ZohoCallPurpose::Webhook, 2));
            VERIFY_OK(ZohoCallStore(redis).add(minute - 10, ZohoCallPurpose::Sync, 7));
            VERIFY_OK(ZohoCallStore(redis).add(minute - 60, ZohoCallPurpose::Sync, 1000));  // outside the hour
        }
        EngineStatisticsService statistics(nullptr, kClock.clock());
        statistics.setProfile(m_profile);
        QSignalSpy loaded(&statistics, &StatisticsService::overviewLoaded);
        statistics.loadOverview();
        QTRY_COMPARE_WITH_TIMEOUT(loaded.size(), 1, 30000);
        const auto snapshot = loaded.first().first().value<OverviewSnapshot>();
        QVERIFY2(snapshot.redisOk, qPrintable(snapshot.redisMessage));
        QCOMPARE(snapshot.zohoCalls.size(), StatisticsService::kMinutes);
        const ZohoCallCounts last = snapshot.zohoCallsAt(StatisticsService::kMinutes - 1);
        QCOMPARE(last.value(ZohoCallPurpose::Read), 4u);
        QCOMPARE(last.value(ZohoCallPurpose::Sync), 40u);
        QCOMPARE(last.value(ZohoCallPurpose::Webhook), 2u);
        const QList<quint64> totals = snapshot.zohoCallsPerMinute();
        QCOMPARE(totals.last(), 46u);
        QCOMPARE(totals.at(StatisticsService::kMinutes - 11), 7u);
        quint64 hour = 0;
        for (quint64 calls : totals)
            hour += calls;
        QCOMPARE(hour, 53u);
        QCOMPARE(snapshot.zohoCallsPerMinute(ZohoCallPurpose::Sync).last(), 40u);
    }

    // Counting is best effort: Redis down never fails the sync (a redis-server of this
    // test's own, never the fixture's), and once Redis is back the next run is counted.
    void redisDownNeverFailsTheSync()
    {
        QTemporaryDir directory;
        QVERIFY(directory.isValid());
        sandbox::RedisServerProcess redis(directory.path(), 0, Secret(QStringLiteral("budget-test-redis")));
        VERIFY_OK(redis.start());
        const auto stopRedis = qScopeGuard([&redis] { redis.stop(); });  // also when a check fails
        // A database of its own: the products synced by the tests above must not make
        // this run skip everything.
        auto database = PgTestDatabase::create(m_scratch->server(), QStringLiteral("zohocallbudget_down"));
        VERIFY_OK(database);
        ConnectionProfile profile = m_profile;
        profile.pg = (*database)->settings();
        profile.redis.port = redis.port();
        profile.redis.password = redis.password();
        profile.redis.username.clear();  // the default user: the private server has no ACL user
        profile.redis.db = 0;
        {
            PgConnection connection(profile.pg);
            VERIFY_OK(Migrator().migrate(connection));
        }
        ZohoService service(profile.zoho, fastClientOptions());
        redis.stop();
        SyncOptions options;
        options.batchSize = 100;
        options.clock = kClock.clock();
        SyncOrchestrator down(entityDefinition(QStringLiteral("products")), service.client(), profile.pg,
                              profile.redis, options);
        auto blind = runOnWorker(down);
        VERIFY_OK(blind);
        QCOMPARE(blind->run.status, SyncRunStatus::Succeeded);
        QVERIFY(blind->run.counters.synced > 0);
        QVERIFY(blind->redisDegraded);

        VERIFY_OK(redis.start());  // on the same port
        QCOMPARE(redis.port(), profile.redis.port);
        SyncOrchestrator back(entityDefinition(QStringLiteral("products")), service.client(), profile.pg,
                              profile.redis, options);
        auto counted = runOnWorker(back);
        VERIFY_OK(counted);
        QCOMPARE(counted->run.status, SyncRunStatus::Succeeded);
        auto calls = callsThisMinute(profile.redis);
        VERIFY_OK(calls);
        QCOMPARE(calls->value(ZohoCallPurpose::Sync), quint64(counted->run.counters.zohoCalls));
    }
};

QTEST_GUILESS_MAIN(TestZohoCallBudget)
#include "tst_zohocallbudget.moc"
