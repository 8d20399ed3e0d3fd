#include "cache/instancestore.h"
#include "cache/readstatistics.h"
#include "cache/statsflusher.h"
#include "cache/statsstore.h"
#include "console/enginestatisticsservice.h"
#include "manualepochclock.h"
#include "redis/redisconnection.h"
#include "scratchprofile.h"
#include "store/pgconnection.h"
#include "store/retryeventrepository.h"
#include "store/settingsrepository.h"
#include "testsandbox.h"
#include "verifyok.h"

#include <QDateTime>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace tiersync;

namespace {

// This test class's own Redis database: tests share the fixture's server.
constexpr int kDb = 60;
constexpr int kTimeoutMs = 30000;
// "Now" for the service and the data written for it: the minutes cannot turn under a test.
const test::ManualEpochClock kClock;

StatsCounts counts(quint64 requests, quint64 redis, quint64 postgres, quint64 zoho, quint64 zohoCalls)
{
    StatsCounts out;
    out.counters[size_t(StatsCounter::Requests)] = requests;
    out.counters[size_t(StatsCounter::Redis)] = redis;
    out.counters[size_t(StatsCounter::Postgres)] = postgres;
    out.counters[size_t(StatsCounter::Zoho)] = zoho;
    out.counters[size_t(StatsCounter::ZohoCalls)] = zohoCalls;
    out.counters[size_t(StatsCounter::Coalesced)] = 1;
    out.latencyBuckets[2] = requests;  // ≤ 1 ms
    return out;
}

RetryEvent retry(const QString &target, int attempt, const QString &errorClass, const QString &outcome)
{
    RetryEvent event;
    event.at = QDateTime::fromMSecsSinceEpoch(kClock.nowMs(), Qt::UTC);
    event.target = target;
    event.attempt = attempt;
    event.maxAttempts = 5;
    event.errorClass = errorClass;
    event.httpStatus = errorClass == QLatin1String("server") ? 503 : 0;
    event.delayMs = outcome == QLatin1String("retry") ? 800 : 0;
    event.outcome = outcome;
    return event;
}

}  // namespace

// EngineStatisticsService on a loading thread of its own, called as the Overview and
// Retries pages call it, against the fixture's Redis and a scratch database; and the
// instance heartbeat as an engine's StatsFlusher publishes it.
class TestStatisticsService final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::ScratchProfile> m_scratch;
    ConnectionProfile m_profile;

    static OverviewSnapshot pollOverview(StatisticsService &service)
    {
        QSignalSpy loaded(&service, &StatisticsService::overviewLoaded);
        service.loadOverview();
        [&] { QTRY_VERIFY_WITH_TIMEOUT(loaded.size() == 1, kTimeoutMs); }();
        return loaded.isEmpty() ? OverviewSnapshot{} : loaded.first().first().value<OverviewSnapshot>();
    }

    static RetryLogUpdate pollRetryLog(StatisticsService &service)
    {
        QSignalSpy loaded(&service, &StatisticsService::retryLogLoaded);
        service.loadRetryLog();
        [&] { QTRY_VERIFY_WITH_TIMEOUT(loaded.size() == 1, kTimeoutMs); }();
        return loaded.isEmpty() ? RetryLogUpdate{} : loaded.first().first().value<RetryLogUpdate>();
    }

private Q_SLOTS:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("statisticsservice"), kDb);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
        m_profile = m_scratch->profile();
        m_profile.name = sandbox.name;
    }

    void init()
    {
        VERIFY_OK(RedisConnection(m_profile.redis).command({"FLUSHDB"}));
    }

    void heartbeatIsPublishedAndRemoved()
    {
        ReadStatistics statistics({QStringLiteral("profile")});
        const test::ManualEpochClock clock;
        StatsFlusher flusher(statistics, m_profile.redis, 50, clock.clock());
        const qint64 startedAtMs = clock.nowMs();
        clock.advance(5000);
        flusher.setHeartbeatSource([] {
            InstanceHeartbeat heartbeat;
            heartbeat.circuit = QStringLiteral("open");
            heartbeat.cachingEnabled = false;
            heartbeat.cachingForcedOff = true;
            heartbeat.zohoInFlight = 3;
            heartbeat.zohoQueued = 4;
            heartbeat.zohoRequestsPerMinute = 90;
            heartbeat.zohoBudgetMode = QStringLiteral("shared");
            return heartbeat;
        });
        const InstanceHeartbeat self = InstanceHeartbeat::forThisProcess();
        QVERIFY(self.key().startsWith("tiersync:v1:instance:"));
        QVERIFY(self.key().endsWith(':' + QByteArray::number(QCoreApplication::applicationPid())));
        RedisConnection redis(m_profile.redis);
        flusher.start();
        QTRY_COMPARE_WITH_TIMEOUT(redis.exists({self.key()}).valueOr(-1), 1, kTimeoutMs);
        const qint64 ttl = redis.ttl(self.key()).valueOr(-1);
        QVERIFY2(ttl > 0 && ttl <= InstanceStore::kTtlSeconds, qPrintable(QString::number(ttl)));

        auto instances = InstanceStore(redis).readAll();
        VERIFY_OK(instances);
        QCOMPARE(instances->size(), 1);
        const InstanceHeartbeat &read = instances->first();
        QCOMPARE(read.host, self.host);
        QCOMPARE(read.pid, self.pid);
        QCOMPARE(read.circuit, QStringLiteral("open"));
        QVERIFY(!read.cachingEnabled);
        QVERIFY(read.cachingForcedOff);
        QCOMPARE(read.zohoInFlight, 3);
        QCOMPARE(read.zohoQueued, 4);
        QCOMPARE(read.zohoRequestsPerMinute, 90.0);
        QCOMPARE(read.zohoBudgetMode, QStringLiteral("shared"));
        QCOMPARE(read.startedAtMs, startedAtMs);
        QCOMPARE(read.lastSeenMs, startedAtMs + 5000);

        // A clean stop removes it at once (a crash leaves it to the TTL).
        flusher.stop();
        QCOMPARE(redis.exists({self.key()}).valueOr(-1), 0);
    }

    void overviewShowsSharedStatisticsInstancesAndSwitch()
    {
        const qint64 minute = kClock.minute();
        RedisConnection redis(m_profile.redis);
        // Two servers adding to the same minute, one more five minutes earlier.
        VERIFY_OK(StatsStore(redis).add(minute, {{QStringLiteral("profile"), counts(10, 6, 2, 2, 2)}}));
        VERIFY_OK(StatsStore(redis).add(minute, {{QStringLiteral("profile"), counts(10, 8, 0, 2, 1)}}));
        VERIFY_OK(StatsStore(redis).add(minute - 5, {{QStringLiteral("finance"), counts(4, 0, 0, 4, 4)}}));
        // Something older than the hour is not shown.
        VERIFY_OK(StatsStore(redis).add(minute - 60, {{QStringLiteral("profile"), counts(100, 0, 0, 0, 0)}}));
        InstanceHeartbeat other;
        other.host = QStringLiteral("server-b");
        other.pid = 4242;
        other.circuit = QStringLiteral("half_open");
        other.zohoRequestsPerMinute = 120;
        VERIFY_OK(InstanceStore(redis).publish(other));

        EngineStatisticsService service(nullptr, kClock.clock());
        service.setProfile(m_profile);

        OverviewSnapshot snapshot = pollOverview(service);
        QVERIFY2(snapshot.redisOk, qPrintable(snapshot.redisMessage));
        QVERIFY2(snapshot.pgOk, qPrintable(snapshot.pgMessage));
        QCOMPARE(snapshot.minutes, StatisticsService::kMinutes);
        QCOMPARE(snapshot.firstMinute, minute - StatisticsService::kMinutes + 1);
        QVERIFY(snapshot.cachingKnown);
        QVERIFY(snapshot.cachingStored);
        QCOMPARE(snapshot.endpoints.size(), 5);
        const auto endpoint = [&](const QString &name) {
            for (const OverviewSnapshot::Endpoint &e : std::as_const(snapshot.endpoints)) {
                if (e.name == name)
                    return e;
            }
            return OverviewSnapshot::Endpoint{};
        };
        const OverviewSnapshot::Endpoint profile = endpoint(QStringLiteral("profile"));
        QCOMPARE(profile.perMinute.size(), 60);
        QCOMPARE(profile.total.value(StatsCounter::Requests), 20u);
        QCOMPARE(profile.perMinute.last().value(StatsCounter::Redis), 14u);
        QCOMPARE(profile.total.hitRate(), 0.8);
        QCOMPARE(profile.total.latencyQuantileUs(0.99), 1000);
        const OverviewSnapshot::Endpoint finance = endpoint(QStringLiteral("finance"));
        QCOMPARE(finance.perMinute.at(54).value(StatsCounter::Zoho), 4u);
        QCOMPARE(snapshot.total().value(StatsCounter::Requests), 24u);
        QCOMPARE(snapshot.total().value(StatsCounter::Coalesced), 3u);
        const QList<quint64> calls = snapshot.zohoCallsPerMinute();
        QCOMPARE(calls.size(), 60);
        QCOMPARE(calls.last(), 3u);
        QCOMPARE(calls.at(54), 4u);
        QCOMPARE(snapshot.instances.size(), 1);
        QCOMPARE(snapshot.instances.first().host, QStringLiteral("server-b"));
        QCOMPARE(snapshot.instancesWithCircuit(QStringLiteral("half_open")), 1);
        QCOMPARE(snapshot.zohoBudgetPerMinute, 120.0);

        // The switch as PostgreSQL holds it.
        {
            PgConnection connection(m_profile.pg);
            VERIFY_OK(SettingsRepository(connection).setCachingEnabled(false, QStringLiteral("tst_statisticsservice")));
        }
        // Another server's counts arrive meanwhile: the next poll has them too.
        VERIFY_OK(StatsStore(redis).add(minute, {{QStringLiteral("finance"), counts(10, 10, 0, 0, 0)}}));
        snapshot = pollOverview(service);
        QVERIFY(snapshot.cachingKnown);
        QVERIFY(!snapshot.cachingStored);
        QCOMPARE(snapshot.total().value(StatsCounter::Requests), 34u);
        QCOMPARE(endpoint(QStringLiteral("finance")).perMinute.last().value(StatsCounter::Redis), 10u);
        {
            PgConnection connection(m_profile.pg);
            VERIFY_OK(SettingsRepository(connection).setCachingEnabled(true, QStringLiteral("tst_statisticsservice")));
        }

        // Redis unreachable: said in words; PostgreSQL still read.
        ConnectionProfile deadRedis = m_profile;
        deadRedis.redis.port = 1;
        service.setProfile(deadRedis);
        snapshot = pollOverview(service);
        QVERIFY(!snapshot.redisOk);
        QVERIFY(snapshot.redisMessage.contains(QStringLiteral("Redis")));
        QVERIFY(snapshot.pgOk);
        QVERIFY(snapshot.cachingStored);
    }

    void retryLogComesOutNewSinceTheLastPoll()
    {
        {
            PgConnection connection(m_profile.pg);
            auto inserted = RetryEventRepository(connection).insert(
                {retry(QStringLiteral("GET /books/v3/items"), 1, QStringLiteral("server"), QStringLiteral("retry")),
                 retry(QStringLiteral("GET /books/v3/items"), 2, QStringLiteral("server"), QStringLiteral("retry")),
                 retry(QStringLiteral("GET /crm/v2/Contacts"), 1, QStringLiteral("timeout"), QStringLiteral("gave_up"))});
            VERIFY_OK(inserted);
        }
        InstanceHeartbeat other;
        other.host = QStringLiteral("server-c");
        other.pid = 7;
        other.circuit = QStringLiteral("open");
        VERIFY_OK(InstanceStore(RedisConnection::forCurrentThread(m_profile.redis)).publish(other));

        EngineStatisticsService service(nullptr, kClock.clock());
        service.setProfile(m_profile);

        RetryLogUpdate update = pollRetryLog(service);
        QVERIFY2(update.logOk, qPrintable(update.logMessage));
        QVERIFY(update.reset);
        QCOMPARE(update.added.size(), 3);
        QVERIFY(update.added.at(0).id < update.added.at(2).id);
        QCOMPARE(update.added.at(2).event.target, QStringLiteral("GET /crm/v2/Contacts"));
        QCOMPARE(update.added.at(2).event.outcome, QStringLiteral("gave_up"));
        QCOMPARE(update.added.at(0).event.httpStatus, 503);
        QCOMPARE(update.added.at(0).event.delayMs, 800);
        QCOMPARE(update.retriesPerMinute.size(), StatisticsService::kMinutes);
        int total = 0;
        for (int count : std::as_const(update.retriesPerMinute))
            total += count;
        QCOMPARE(total, 3);
        QCOMPARE(update.retriesPerMinute.last(), 3);  // all in the clock's minute
        QVERIFY(update.instancesKnown);
        QCOMPARE(update.instances.size(), 1);
        QCOMPARE(update.instances.first().circuit, QStringLiteral("open"));

        // Nothing new: nothing added, the chart keeps its counts; a circuit that closed
        // meanwhile shows.
        other.circuit = QStringLiteral("closed");
        VERIFY_OK(InstanceStore(RedisConnection::forCurrentThread(m_profile.redis)).publish(other));
        update = pollRetryLog(service);
        QVERIFY(!update.reset);
        QVERIFY(update.added.isEmpty());
        QCOMPARE(update.instances.size(), 1);
        QCOMPARE(update.instances.first().circuit, QStringLiteral("closed"));

        // A new event, even one stamped earlier than those seen (a late batch), is found.
        {
            PgConnection connection(m_profile.pg);
            RetryEvent late = retry(QStringLiteral("POST /crm/v2/Deals"), 3, QStringLiteral("rate_limited"),
                                    QStringLiteral("retry"));
            late.at = late.at.addSecs(-20);
            VERIFY_OK(RetryEventRepository(connection).insert({late}));
        }
        update = pollRetryLog(service);
        QVERIFY(!update.reset);
        QCOMPARE(update.added.size(), 1);
        QCOMPARE(update.added.first().event.target, QStringLiteral("POST /crm/v2/Deals"));
        total = 0;
        for (int count : std::as_const(update.retriesPerMinute))
            total += count;
        QCOMPARE(total, 4);
        QCOMPARE(update.retriesPerMinute.last(), 4);  // 20 s earlier, still that minute
    }
};

QTEST_GUILESS_MAIN(TestStatisticsService)
#include "tst_statisticsservice.moc"
