// The tiered read against real servers: the fixture's Redis (a db of this test's own)
// and PostgreSQL (a scratch database), and a private zoho-sim (this test injects faults
// and reads its request counters).
#include "cachetestsupport.h"
#include "manualepochclock.h"
#include "pgtestdatabase.h"
#include "privatezohosim.h"
#include "simcontrol.h"
#include "testsandbox.h"

#include "cache/cachedentry.h"
#include "cache/cachekeys.h"
#include "cache/readstatistics.h"
#include "cache/statsstore.h"
#include "cache/tieredreader.h"
#include "redis/redisconnection.h"
#include "store/pgconnection.h"
#include "store/snapshotrepository.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <memory>
#include <vector>

using namespace tiersync;
using namespace tiersync::test;

namespace {

constexpr int kRedisDb = 21;  // this test's own db on the fixture's Redis

QString describe(const Result<EndpointResponse> &result)
{
    if (!result)
        return result.error().toString();
    return QString::fromUtf8(result->toJson().left(300));
}

}  // namespace

class TestTieredRead final : public QObject {
    Q_OBJECT

private:
    ConnectionProfile m_profile;
    std::unique_ptr<PgTestDatabase> m_database;
    std::unique_ptr<PrivateZohoSim> m_sim;

    std::unique_ptr<CacheEngine> makeEngine(CacheEngine::Options options)
    {
        auto engine = CacheEngine::create(std::move(options));
        if (!engine)
            qWarning() << engine.error().toString();
        return engine ? std::move(*engine) : nullptr;
    }

    qint64 searches(const QString &module)
    {
        auto count = simRequestCount(m_sim->apiBase(), QStringLiteral("GET /crm/v2/%1/search").arg(module));
        return count ? *count : -1;
    }

    quint64 count(const CacheEngine &engine, const char *endpoint, StatsCounter counter)
    {
        return engine.statistics().counts(QLatin1String(endpoint)).value(counter);
    }

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        auto database = PgTestDatabase::create(profile.pg, QStringLiteral("tieredread"));
        QVERIFY2(database.ok(), qPrintable(database.ok() ? QString() : database.error().toString()));
        m_database = std::move(*database);
        auto sim = PrivateZohoSim::start({QStringLiteral("--students"), QStringLiteral("200")});
        QVERIFY2(sim.ok(), qPrintable(sim.ok() ? QString() : sim.error().toString()));
        m_sim = std::move(*sim);
        m_profile = profile;
        m_profile.pg = m_database->settings();
        m_profile.redis.db = kRedisDb;
        m_profile.zoho = m_sim->settings();
    }

    void init()
    {
        QVERIFY(flushRedisDb(m_profile.redis).ok());
        QVERIFY(simPost(m_sim->apiBase(), QStringLiteral("/_sim/faults"), noSimFaults()).ok());
        QVERIFY(simPost(m_sim->apiBase(), QStringLiteral("/_sim/reset-stats")).ok());
        // The flushed Redis forgot the product's token and budget: the sim forgets its
        // windows too, so every test starts within Zoho's limits.
        QVERIFY(simSetLimits(m_sim->apiBase(), QJsonObject{{QStringLiteral("reset_budgets"), true}}).ok());
        PgConnection connection(m_profile.pg);
        (void)SnapshotRepository(connection).count();  // the engine migrates; nothing to clear before
    }

    void cleanupTestCase()
    {
        m_sim.reset();
        m_database.reset();
        RedisConnection::dropForCurrentThread();
    }

    // zoho → redis → (Redis key gone) postgres → force refresh zoho → (Zoho failing,
    // snapshot old) stale; a key never cached with Zoho failing is an error for 503.
    void everySourceInTurn()
    {
        const ManualEpochClock clock;
        CacheEngine::Options options = testEngineOptions(m_profile);
        options.clock = clock.clock();
        auto engine = makeEngine(options);
        QVERIFY(engine);
        QVERIFY(engine->hasEndpoint(QStringLiteral("profile")));
        QVERIFY(!engine->hasEndpoint(QStringLiteral("nope")));

        auto first = engine->read(QStringLiteral("profile"), 7, false);
        QVERIFY2(first.ok(), qPrintable(describe(first)));
        QCOMPARE(first->source, ReadSource::Zoho);
        QCOMPARE(first->cacheAgeSeconds, 0);
        QVERIFY(first->data().isObject());
        QCOMPARE(first->data().toObject().value(QStringLiteral("Moodle_User_ID")).toString(), QStringLiteral("7"));
        QCOMPARE(searches(QStringLiteral("Students")), 1);

        auto second = engine->read(QStringLiteral("profile"), 7, false);
        QVERIFY2(second.ok(), qPrintable(describe(second)));
        QCOMPARE(second->source, ReadSource::Redis);
        QCOMPARE(second->data(), first->data());
        QCOMPARE(searches(QStringLiteral("Students")), 1);

        RedisConnection redis(m_profile.redis);
        QVERIFY(redis.del({cachekeys::endpointKey(QStringLiteral("profile"), 7)}).ok());
        auto third = engine->read(QStringLiteral("profile"), 7, false);
        QVERIFY2(third.ok(), qPrintable(describe(third)));
        QCOMPARE(third->source, ReadSource::Postgres);
        QCOMPARE(third->data(), first->data());
        // Written back: the next read is a Redis hit again.
        auto fourth = engine->read(QStringLiteral("profile"), 7, false);
        QVERIFY(fourth.ok());
        QCOMPARE(fourth->source, ReadSource::Redis);

        auto forced = engine->read(QStringLiteral("profile"), 7, true);
        QVERIFY2(forced.ok(), qPrintable(describe(forced)));
        QCOMPARE(forced->source, ReadSource::Zoho);
        QCOMPARE(searches(QStringLiteral("Students")), 2);

        // Arrays: a student's grades.
        auto grades = engine->read(QStringLiteral("academics"), 7, false);
        QVERIFY2(grades.ok(), qPrintable(describe(grades)));
        QVERIFY(grades->data().isArray());
        QVERIFY(grades->data().toArray().size() >= 3);
        QCOMPARE(grades->data().toArray().first().toObject().value(QStringLiteral("Moodle_User_ID")).toString(),
                 QStringLiteral("7"));

        // Zoho down; the snapshot is older than the window (the engine's clock moved on).
        QVERIFY(simPost(m_sim->apiBase(), QStringLiteral("/_sim/faults"),
                        QJsonObject{{QStringLiteral("error_5xx"), 1.0}}).ok());
        clock.advance(400 * 1000);
        QVERIFY(redis.del({cachekeys::endpointKey(QStringLiteral("profile"), 7)}).ok());
        auto stale = engine->read(QStringLiteral("profile"), 7, false);
        QVERIFY2(stale.ok(), qPrintable(describe(stale)));
        QCOMPARE(stale->source, ReadSource::Stale);
        QCOMPARE(stale->cacheAgeSeconds, 400);  // the forced read's snapshot, 400 s ago
        QCOMPARE(stale->data(), first->data());
        // A forced refresh with Zoho down falls back the same way.
        auto forcedStale = engine->read(QStringLiteral("profile"), 7, true);
        QVERIFY2(forcedStale.ok(), qPrintable(describe(forcedStale)));
        QCOMPARE(forcedStale->source, ReadSource::Stale);

        auto never = engine->read(QStringLiteral("profile"), 8, false);
        QVERIFY(!never.ok());
        QVERIFY2(never.error().kind == ErrorKind::Unavailable || never.error().kind == ErrorKind::CircuitOpen,
                 qPrintable(never.error().toString()));
        QVERIFY2(never.error().message.contains(QStringLiteral("never cached")), qPrintable(never.error().message));

        // Unknown endpoint and bad id never reach anything.
        QCOMPARE(engine->read(QStringLiteral("nope"), 7, false).error().kind, ErrorKind::NotFound);
        QCOMPARE(engine->read(QStringLiteral("profile"), 0, false).error().kind, ErrorKind::InvalidArgument);

        QCOMPARE(count(*engine, "profile", StatsCounter::Redis), 2u);
        QCOMPARE(count(*engine, "profile", StatsCounter::Postgres), 1u);
        QCOMPARE(count(*engine, "profile", StatsCounter::Zoho), 2u);
        QCOMPARE(count(*engine, "profile", StatsCounter::Stale), 2u);
        QCOMPARE(count(*engine, "profile", StatsCounter::Errors), 1u);
        QCOMPARE(count(*engine, "profile", StatsCounter::Requests), 8u);
    }

    // A student without requests: Zoho answers 204, which is data ([]), cached as such.
    void emptySearchIsData()
    {
        auto engine = makeEngine(testEngineOptions(m_profile));
        QVERIFY(engine);
        bool foundEmpty = false;
        for (qint64 id = 1; id <= 60 && !foundEmpty; ++id) {
            auto result = engine->read(QStringLiteral("requests"), id, false);
            QVERIFY2(result.ok(), qPrintable(describe(result)));
            if (result->data().toArray().isEmpty()) {
                foundEmpty = true;
                auto again = engine->read(QStringLiteral("requests"), id, false);
                QVERIFY(again.ok());
                QCOMPARE(again->source, ReadSource::Redis);
                QVERIFY(again->data().isArray());
            }
        }
        QVERIFY2(foundEmpty, "no student without requests among the first 60");
        // A profile nobody has: null, not an error.
        auto nobody = engine->read(QStringLiteral("profile"), 999999, false);
        QVERIFY2(nobody.ok(), qPrintable(describe(nobody)));
        QVERIFY(nobody->data().isNull());
    }

    // 100 threads ask for one cold key at the same moment; Zoho answers slowly, so all
    // of them arrive while the first fetch is in flight.
    void hundredConcurrentColdReadsMakeOneZohoCall()
    {
        QVERIFY(simPost(m_sim->apiBase(), QStringLiteral("/_sim/faults"),
                        QJsonObject{{QStringLiteral("latency_ms"), QJsonArray{800, 800}}}).ok());
        auto engine = makeEngine(testEngineOptions(m_profile));
        QVERIFY(engine);
        QVERIFY(simPost(m_sim->apiBase(), QStringLiteral("/_sim/reset-stats")).ok());

        constexpr int kThreads = 100;
        std::atomic_int ready{0};
        std::atomic_bool go{false};
        std::atomic_int zohoAnswers{0};
        std::atomic_int failures{0};
        std::vector<std::unique_ptr<QThread>> threads;
        for (int i = 0; i < kThreads; ++i) {
            threads.emplace_back(QThread::create([&] {
                ready.fetch_add(1);
                while (!go.load())
                    QThread::yieldCurrentThread();
                auto result = engine->read(QStringLiteral("finance"), 11, false);
                if (!result)
                    failures.fetch_add(1);
                else if (result->source == ReadSource::Zoho)
                    zohoAnswers.fetch_add(1);
                RedisConnection::dropForCurrentThread();
            }));
            threads.back()->start();
        }
        QTRY_COMPARE(ready.load(), kThreads);
        go = true;
        for (auto &thread : threads)
            QVERIFY(thread->wait(60000));

        QCOMPARE(failures.load(), 0);
        QCOMPARE(zohoAnswers.load(), kThreads);
        QCOMPARE(searches(QStringLiteral("Payments")), 1);
        QCOMPARE(count(*engine, "finance", StatsCounter::ZohoCalls), 1u);
        QCOMPARE(count(*engine, "finance", StatsCounter::Coalesced), 99u);
        QCOMPARE(count(*engine, "finance", StatsCounter::Requests), 100u);
    }

    void corruptRedisValueIsAMiss()
    {
        auto engine = makeEngine(testEngineOptions(m_profile));
        QVERIFY(engine);
        const QByteArray key = cachekeys::endpointKey(QStringLiteral("classes"), 21);
        RedisConnection redis(m_profile.redis);
        for (const QByteArray &garbage : {QByteArray("{\"data\":"), QByteArray("\xff\x00\x01", 3), QByteArray("[]")}) {
            QVERIFY(redis.set(key, garbage, 60).ok());
            auto result = engine->read(QStringLiteral("classes"), 21, false);
            QVERIFY2(result.ok(), qPrintable(describe(result)));
            QVERIFY(result->source == ReadSource::Zoho || result->source == ReadSource::Postgres);
            QVERIFY(result->data().isArray());
            // Overwritten by the write-back with a value that decodes.
            auto stored = redis.get(key);
            QVERIFY(stored.ok() && stored->has_value());
            QVERIFY(CachedEntry::decode(**stored).ok());
        }
        QCOMPARE(count(*engine, "classes", StatsCounter::Corrupt), 3u);
        // A value of the wrong type is a miss too.
        QVERIFY(redis.del({key}).ok());
        QVERIFY(redis.hset(key, {{"a", "b"}}).ok());
        auto wrongType = engine->read(QStringLiteral("classes"), 21, false);
        QVERIFY2(wrongType.ok(), qPrintable(describe(wrongType)));
        QCOMPARE(count(*engine, "classes", StatsCounter::Errors), 0u);
    }

    void cachingForcedOffByTheEnvironment()
    {
        CacheEngine::Options options = testEngineOptions(m_profile);
        options.environment.insert(QStringLiteral("TIERSYNC_CACHE_ENABLED"), QStringLiteral("false"));
        auto engine = makeEngine(options);
        QVERIFY(engine);
        QVERIFY(!engine->cachingEnabled());
        QVERIFY(engine->cachingSwitch()->isForcedOff());
        QVERIFY(engine->cachingSwitch()->storedValue());  // the database still says on
        PgConnection connection(m_profile.pg);
        auto before = SnapshotRepository(connection).count(QStringLiteral("finance"));
        QVERIFY(before.ok());
        for (int i = 0; i < 3; ++i) {
            auto result = engine->read(QStringLiteral("finance"), 31, false);
            QVERIFY2(result.ok(), qPrintable(describe(result)));
            QCOMPARE(result->source, ReadSource::Zoho);
        }
        QCOMPARE(searches(QStringLiteral("Payments")), 3);
        QCOMPARE(countEndpointKeys(m_profile.redis).valueOr(-1), 0);
        auto after = SnapshotRepository(connection).count(QStringLiteral("finance"));
        QVERIFY(after.ok());
        QCOMPARE(*after, *before);
        QVERIFY(engine->health().value(QStringLiteral("caching_forced_off")).toBool());
        QVERIFY(engine->metrics().contains("tiersync_caching_enabled 0\n"));
    }

    void statisticsAreFlushedAndSummed()
    {
        const ManualEpochClock clock;  // the minute the counts go to cannot turn under the test
        CacheEngine::Options options = testEngineOptions(m_profile);
        options.clock = clock.clock();
        options.statsFlushIntervalMs = 60000;  // this test flushes by hand
        auto engine = makeEngine(options);
        QVERIFY(engine);
        for (int i = 0; i < 3; ++i)
            QVERIFY(engine->read(QStringLiteral("profile"), 41, false).ok());
        QVERIFY(engine->read(QStringLiteral("academics"), 41, false).ok());
        QVERIFY(engine->flushStatistics().ok());
        // A second instance's counts add up in the same hashes.
        auto other = makeEngine(options);
        QVERIFY(other);
        QVERIFY(other->read(QStringLiteral("profile"), 41, false).ok());
        QVERIFY(other->flushStatistics().ok());
        QVERIFY(engine->flushStatistics().ok());  // nothing new: adds nothing

        RedisConnection redis(m_profile.redis);
        auto sums = StatsStore(redis).sumRecent(engine->registry().names(), clock.nowMs(), 1);
        QVERIFY2(sums.ok(), qPrintable(sums.ok() ? QString() : sums.error().toString()));
        const StatsCounts profile = sums->value(QStringLiteral("profile"));
        QCOMPARE(profile.value(StatsCounter::Requests), 4u);
        QCOMPARE(profile.value(StatsCounter::Zoho), 1u);
        QCOMPARE(profile.value(StatsCounter::Redis), 3u);
        QCOMPARE(profile.hitRate(), 0.75);
        quint64 latencies = 0;
        for (quint64 bucket : profile.latencyBuckets)
            latencies += bucket;
        QCOMPARE(latencies, 4u);
        QCOMPARE(sums->value(QStringLiteral("academics")).value(StatsCounter::Requests), 1u);
        QCOMPARE(sums->value(QStringLiteral("finance")).value(StatsCounter::Requests), 0u);
        auto ttl = redis.ttl(cachekeys::statsKey(QStringLiteral("profile"), clock.minute()));
        QVERIFY(ttl.ok());
        QVERIFY2(*ttl > 47 * 3600, qPrintable(QString::number(*ttl)));
    }

    // The background flush happens on its own, about once a second.
    void statisticsFlushByThemselves()
    {
        const ManualEpochClock clock;
        CacheEngine::Options options = testEngineOptions(m_profile);
        options.clock = clock.clock();
        options.statsFlushIntervalMs = 100;
        auto engine = makeEngine(options);
        QVERIFY(engine);
        QVERIFY(engine->read(QStringLiteral("requests"), 42, false).ok());
        RedisConnection redis(m_profile.redis);
        const auto summed = [&] {
            auto sums = StatsStore(redis).sumRecent({QStringLiteral("requests")}, clock.nowMs(), 1);
            return sums ? sums->value(QStringLiteral("requests")).value(StatsCounter::Requests) : 0;
        };
        QTRY_COMPARE(summed(), 1u);
    }

    // XFetch decided by the test: a clock 20 ms short of the value's expiry and a random
    // draw of 1e-12 (a head start of 27.6 × the recompute cost, which is at least 1 ms)
    // make a Redis hit start one background refresh, which fetches from Zoho and
    // rewrites the value; a draw of 1 (no head start) on a fresh value starts none.
    void earlyRefreshIsCounted()
    {
        std::atomic_bool early{false};
        const ManualEpochClock clock;
        CacheEngine::Options options = testEngineOptions(m_profile);
        options.earlyRefreshBeta = 1.0;
        options.random = [&early] { return early.load() ? 1e-12 : 1.0; };
        options.clock = clock.clock();
        auto engine = makeEngine(options);
        QVERIFY(engine);
        auto first = engine->read(QStringLiteral("classes"), 51, false);
        QVERIFY(first.ok());
        QCOMPARE(first->source, ReadSource::Zoho);
        RedisConnection redis(m_profile.redis);
        const QByteArray key = cachekeys::endpointKey(QStringLiteral("classes"), 51);
        auto before = CachedEntry::decode(redis.get(key)->value_or(QByteArray()));
        QVERIFY(before.ok());

        clock.advance(before->ttlSeconds * 1000 - 20);
        early = true;
        auto hit = engine->read(QStringLiteral("classes"), 51, false);
        QVERIFY(hit.ok());
        QCOMPARE(hit->source, ReadSource::Redis);  // answered at once, refreshed behind
        early = false;
        engine->reader().waitForBackgroundRefreshes();
        QCOMPARE(count(*engine, "classes", StatsCounter::EarlyRefreshes), 1u);
        QCOMPARE(count(*engine, "classes", StatsCounter::ZohoCalls), 2u);
        QCOMPARE(searches(QStringLiteral("Classes")), 2);
        auto after = CachedEntry::decode(redis.get(key)->value_or(QByteArray()));
        QVERIFY(after.ok());
        QVERIFY(after->storedAtMs > before->storedAtMs);
        auto next = engine->read(QStringLiteral("classes"), 51, false);
        QVERIFY(next.ok());
        QCOMPARE(next->source, ReadSource::Redis);
        engine->reader().waitForBackgroundRefreshes();
        QCOMPARE(count(*engine, "classes", StatsCounter::EarlyRefreshes), 1u);
    }

    // Expiry by the engine's own clock: a Redis value whose stored_at + ttl has passed on
    // Options::clock is a miss even while Redis still holds it (a skewed server, or a
    // simulation on a virtual clock); a second before that it is a hit.
    void redisValuePastItsTtlByTheEngineClockIsAMiss()
    {
        const ManualEpochClock clock;
        CacheEngine::Options options = testEngineOptions(m_profile);
        options.clock = clock.clock();
        auto engine = makeEngine(options);
        QVERIFY(engine);
        auto first = engine->read(QStringLiteral("finance"), 53, false);
        QVERIFY2(first.ok(), qPrintable(describe(first)));
        QCOMPARE(first->source, ReadSource::Zoho);
        RedisConnection redis(m_profile.redis);
        auto stored = CachedEntry::decode(redis.get(cachekeys::endpointKey(QStringLiteral("finance"), 53))
                                              ->value_or(QByteArray()));
        QVERIFY(stored.ok());

        clock.advance(stored->ttlSeconds * 1000 - 1000);
        auto hit = engine->read(QStringLiteral("finance"), 53, false);
        QVERIFY2(hit.ok(), qPrintable(describe(hit)));
        QCOMPARE(hit->source, ReadSource::Redis);
        QCOMPARE(hit->data(), first->data());

        // Past the TTL (and the snapshot past its freshness window too): Zoho again.
        clock.advance(2000);
        auto expired = engine->read(QStringLiteral("finance"), 53, false);
        QVERIFY2(expired.ok(), qPrintable(describe(expired)));
        QCOMPARE(expired->source, ReadSource::Zoho);
        QCOMPARE(count(*engine, "finance", StatsCounter::Misses), 2u);
        QCOMPARE(count(*engine, "finance", StatsCounter::Redis), 1u);
    }

    // Figures for the report (printed, never asserted): in-process read latency per tier
    // and Redis-hit throughput from several threads. The HTTP figures are the load
    // benchmark's (tests/bench).
    void printReadPathFigures()
    {
        auto engine = makeEngine(testEngineOptions(m_profile));
        QVERIFY(engine);
        const auto quantiles = [](QList<qint64> samplesNs) {
            std::sort(samplesNs.begin(), samplesNs.end());
            const auto at = [&](double q) { return double(samplesNs.at(qsizetype(q * double(samplesNs.size() - 1)))) / 1000.0; };
            return QStringLiteral("p50 %1 us, p99 %2 us").arg(at(0.5), 0, 'f', 1).arg(at(0.99), 0, 'f', 1);
        };
        QVERIFY(engine->read(QStringLiteral("profile"), 71, false).ok());
        QList<qint64> redisNs;
        QElapsedTimer timer;
        for (int i = 0; i < 5000; ++i) {
            timer.start();
            auto result = engine->read(QStringLiteral("profile"), 71, false);
            redisNs.append(timer.nsecsElapsed());
            QVERIFY(result.ok() && result->source == ReadSource::Redis);
        }
        RedisConnection redis(m_profile.redis);
        const QByteArray key = cachekeys::endpointKey(QStringLiteral("profile"), 71);
        QList<qint64> postgresNs;
        for (int i = 0; i < 1000; ++i) {
            QVERIFY(redis.del({key}).ok());
            timer.start();
            auto result = engine->read(QStringLiteral("profile"), 71, false);
            postgresNs.append(timer.nsecsElapsed());
            QVERIFY(result.ok() && result->source == ReadSource::Postgres);
        }
        constexpr int kThreads = 4;
        constexpr int kReadsPerThread = 10000;
        std::atomic_int failures{0};
        std::vector<std::unique_ptr<QThread>> threads;
        timer.start();
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back(QThread::create([&] {
                for (int i = 0; i < kReadsPerThread; ++i) {
                    auto result = engine->read(QStringLiteral("profile"), 71, false);
                    if (!result || result->source != ReadSource::Redis)
                        failures.fetch_add(1);
                }
                RedisConnection::dropForCurrentThread();
            }));
            threads.back()->start();
        }
        for (auto &thread : threads)
            QVERIFY(thread->wait(120000));
        const double seconds = double(timer.nsecsElapsed()) / 1e9;
        QCOMPARE(failures.load(), 0);
        qInfo().noquote() << "read path, in process (no HTTP):";
        qInfo().noquote() << "  redis hit, 1 thread, 5000 reads:" << quantiles(redisNs);
        qInfo().noquote() << "  postgres tier (fresh snapshot + write-back), 1000 reads:" << quantiles(postgresNs);
        qInfo().noquote() << QStringLiteral("  redis hit, %1 threads x %2 reads: %3 reads/s")
                                 .arg(kThreads)
                                 .arg(kReadsPerThread)
                                 .arg(double(kThreads * kReadsPerThread) / seconds, 0, 'f', 0);
    }

    void healthAndMetrics()
    {
        auto engine = makeEngine(testEngineOptions(m_profile));
        QVERIFY(engine);
        QVERIFY(engine->read(QStringLiteral("profile"), 61, false).ok());
        const QJsonObject health = engine->health();
        QCOMPARE(health.value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
        QVERIFY(health.value(QStringLiteral("redis")).toObject().value(QStringLiteral("ok")).toBool());
        QVERIFY(health.value(QStringLiteral("postgres")).toObject().value(QStringLiteral("ok")).toBool());
        QCOMPARE(health.value(QStringLiteral("zoho")).toObject().value(QStringLiteral("circuit")).toString(),
                 QStringLiteral("closed"));
        QVERIFY(health.value(QStringLiteral("caching_enabled")).toBool());
        const QByteArray metrics = engine->metrics();
        QVERIFY(metrics.contains("tiersync_requests_total{endpoint=\"profile\",source=\"zoho\"} 1\n"));
        QVERIFY(metrics.contains("tiersync_requests_total{endpoint=\"requests\",source=\"redis\"} 0\n"));
        QVERIFY(metrics.contains("tiersync_caching_enabled 1\n"));
        QVERIFY(metrics.contains("tiersync_zoho_circuit_state{state=\"closed\"} 1\n"));
    }
};

QTEST_GUILESS_MAIN(TestTieredRead)
#include "tst_tieredread.moc"
