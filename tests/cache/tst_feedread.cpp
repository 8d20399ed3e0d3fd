// Freshness from the feed (DESIGN.md "The read path" step 2): against the fixture's Redis
// (db 74) and PostgreSQL (a scratch database) and a private zoho-sim whose request counts
// prove when Zoho is asked. Snapshots and feed states are written directly (the feed's
// regroup is the commit step's); the reader's clock is a manual one.
#include "cachetestsupport.h"
#include "manualepochclock.h"
#include "pgtestdatabase.h"
#include "privatezohosim.h"
#include "simcontrol.h"
#include "testsandbox.h"

#include "cache/cachekeys.h"
#include "cache/rawcachedentry.h"
#include "cache/tieredreader.h"
#include "redis/redisconnection.h"
#include "store/feedstaterepository.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "store/snapshotrepository.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <memory>

using namespace tiersync;
using namespace tiersync::test;

namespace {

constexpr int kRedisDb = 74;  // this test's own db on the fixture's Redis

QString describe(const Result<EndpointResponse> &result)
{
    if (!result)
        return result.error().toString();
    return QString::fromUtf8(result->toJson().left(300));
}

QDateTime utc(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
}

}  // namespace

class TestFeedRead final : public QObject {
    Q_OBJECT

private:
    ConnectionProfile m_profile;
    std::unique_ptr<PgTestDatabase> m_database;
    std::unique_ptr<PrivateZohoSim> m_sim;
    ManualEpochClock m_clock;

    std::unique_ptr<CacheEngine> makeEngine()
    {
        CacheEngine::Options options = testEngineOptions(m_profile);
        options.clock = m_clock.clock();
        auto engine = CacheEngine::create(std::move(options));
        if (!engine)
            qWarning() << engine.error().toString();
        return engine ? std::move(*engine) : nullptr;
    }

    qint64 simTotal()
    {
        auto stats = simGet(m_sim->apiBase(), QStringLiteral("/_sim/stats"));
        return stats ? stats->value(QStringLiteral("total")).toInteger(-1) : -1;
    }

    qint64 searches(const QString &module)
    {
        auto count = simRequestCount(m_sim->apiBase(), QStringLiteral("GET /crm/v2/%1/search").arg(module));
        return count ? *count : -1;
    }

    void putSnapshot(const QString &endpoint, qint64 moodleUserId, const QByteArray &payload, qint64 fetchedAtMs)
    {
        PgConnection connection(m_profile.pg);
        SnapshotRepository::Snapshot snapshot;
        snapshot.endpoint = endpoint;
        snapshot.moodleUserId = moodleUserId;
        snapshot.payload = payload;
        snapshot.contentHash = QString::fromLatin1(QCryptographicHash::hash(payload, QCryptographicHash::Sha256).toHex());
        snapshot.fetchedAt = utc(fetchedAtMs);
        auto written = SnapshotRepository(connection).upsert(snapshot);
        QVERIFY2(written.ok(), qPrintable(written.ok() ? QString() : written.error().toString()));
    }

    void feedSucceeded(const QString &entityType, qint64 startedAtMs)
    {
        PgConnection connection(m_profile.pg);
        FeedStateRepository::Success success;
        success.entityType = entityType;
        success.startedAt = utc(startedAtMs);
        success.finishedAt = utc(startedAtMs + 10000);
        success.full = true;
        Status recorded = FeedStateRepository(connection).recordSuccess(success);
        QVERIFY2(recorded.ok(), qPrintable(recorded.ok() ? QString() : recorded.error().toString()));
    }

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        auto database = PgTestDatabase::create(profile.pg, QStringLiteral("feedread"));
        QVERIFY2(database.ok(), qPrintable(database.ok() ? QString() : database.error().toString()));
        m_database = std::move(*database);
        auto sim = PrivateZohoSim::start({QStringLiteral("--students"), QStringLiteral("50")});
        QVERIFY2(sim.ok(), qPrintable(sim.ok() ? QString() : sim.error().toString()));
        m_sim = std::move(*sim);
        m_profile = profile;
        m_profile.pg = m_database->settings();
        m_profile.redis.db = kRedisDb;
        m_profile.zoho = m_sim->settings();
        PgConnection connection(m_profile.pg);
        auto migrated = Migrator().migrate(connection);
        QVERIFY2(migrated.ok(), qPrintable(migrated.ok() ? QString() : migrated.error().toString()));
    }

    void init()
    {
        QVERIFY(flushRedisDb(m_profile.redis).ok());
        QVERIFY(simPost(m_sim->apiBase(), QStringLiteral("/_sim/reset-stats")).ok());
        QVERIFY(simSetLimits(m_sim->apiBase(), QJsonObject{{QStringLiteral("reset_budgets"), true}}).ok());
    }

    void cleanupTestCase()
    {
        (void)flushRedisDb(m_profile.redis);
        m_sim.reset();
        m_database.reset();
        RedisConnection::dropForCurrentThread();
    }

    // A healthy feed: the snapshot is answered, however old the row itself, with the
    // data's age from data_as_of, and Zoho is never asked; Redis keeps it no longer than
    // the feed stays healthy.
    void healthyFeedAnswersFromTheSnapshot()
    {
        const qint64 nowMs = m_clock.nowMs();
        const QByteArray grades = R"([{"id":"1","Course":"Physics","Score":91}])";
        putSnapshot(QStringLiteral("academics"), 7, grades, nowMs - 2 * 3600 * 1000);  // far past pg_freshness
        feedSucceeded(QStringLiteral("grades"), nowMs - 800 * 1000);
        auto engine = makeEngine();
        QVERIFY(engine);

        auto first = engine->read(QStringLiteral("academics"), 7, false);
        QVERIFY2(first.ok(), qPrintable(describe(first)));
        QCOMPARE(first->source, ReadSource::Postgres);
        QCOMPARE(first->cacheAgeSeconds, 800);
        QCOMPARE(first->data(), QJsonDocument::fromJson(grades).array());
        QCOMPARE(simTotal(), 0);  // no Zoho call, not even a token

        // Written back with the feed's time and a TTL of the feed's remaining lag (100 s
        // of its 900), under the endpoint's 300.
        RedisConnection redis(m_profile.redis);
        auto stored = redis.get(cachekeys::endpointKey(QStringLiteral("academics"), 7));
        QVERIFY(stored.ok() && stored->has_value());
        auto entry = RawCachedEntry::decode(**stored);
        QVERIFY(entry.ok());
        QCOMPARE(entry->fetchedAtMs, nowMs - 800 * 1000);
        QCOMPARE(entry->ttlSeconds, 100);
        auto ttl = redis.ttl(cachekeys::endpointKey(QStringLiteral("academics"), 7));
        QVERIFY(ttl.ok());
        QVERIFY2(*ttl > 0 && *ttl <= 100, qPrintable(QString::number(*ttl)));

        m_clock.advance(30 * 1000);
        auto second = engine->read(QStringLiteral("academics"), 7, false);
        QVERIFY2(second.ok(), qPrintable(describe(second)));
        QCOMPARE(second->source, ReadSource::Redis);
        QCOMPARE(second->cacheAgeSeconds, 830);
        QCOMPARE(simTotal(), 0);

        // A fresher feed run: the next read from PostgreSQL is that much younger, and
        // the remaining lag exceeds the endpoint's TTL.
        QVERIFY(redis.del({cachekeys::endpointKey(QStringLiteral("academics"), 7)}).ok());
        feedSucceeded(QStringLiteral("grades"), m_clock.nowMs() - 60 * 1000);
        m_clock.advance(1000);  // past the feed-state cache's second
        auto third = engine->read(QStringLiteral("academics"), 7, false);
        QVERIFY2(third.ok(), qPrintable(describe(third)));
        QCOMPARE(third->source, ReadSource::Postgres);
        QCOMPARE(third->cacheAgeSeconds, 61);
        stored = redis.get(cachekeys::endpointKey(QStringLiteral("academics"), 7));
        QVERIFY(stored.ok() && stored->has_value());
        QCOMPARE(RawCachedEntry::decode(**stored)->ttlSeconds, 300);
        QCOMPARE(simTotal(), 0);
    }

    // A student the feed does not know (no snapshot) takes today's path: Zoho.
    void unknownStudentOfAHealthyFeedAsksZoho()
    {
        feedSucceeded(QStringLiteral("grades"), m_clock.nowMs() - 10 * 1000);
        m_clock.advance(1000);
        auto engine = makeEngine();
        QVERIFY(engine);
        auto read = engine->read(QStringLiteral("academics"), 9, false);
        QVERIFY2(read.ok(), qPrintable(describe(read)));
        QCOMPARE(read->source, ReadSource::Zoho);
        QCOMPARE(searches(QStringLiteral("Grades")), 1);
    }

    // Behind its lag the feed vouches for nothing: an old snapshot goes to Zoho.
    void feedBehindItsLagCallsZoho()
    {
        const qint64 nowMs = m_clock.nowMs();
        putSnapshot(QStringLiteral("finance"), 7, R"([{"id":"5","Status":"Paid"}])", nowMs - 3600 * 1000);
        feedSucceeded(QStringLiteral("payments"), nowMs - 901 * 1000);
        auto engine = makeEngine();
        QVERIFY(engine);
        auto read = engine->read(QStringLiteral("finance"), 7, false);
        QVERIFY2(read.ok(), qPrintable(describe(read)));
        QCOMPARE(read->source, ReadSource::Zoho);
        QCOMPARE(read->cacheAgeSeconds, 0);
        QCOMPARE(searches(QStringLiteral("Payments")), 1);
    }

    // A feed falls behind as time passes: the Redis copy expires by the reader's clock
    // with the feed's remaining lag, and the next read goes to Zoho.
    void aFeedFallsBehindAsTheClockMoves()
    {
        const qint64 nowMs = m_clock.nowMs();
        putSnapshot(QStringLiteral("classes"), 7, R"([{"id":"3","Room":"B12"}])", nowMs - 3600 * 1000);
        feedSucceeded(QStringLiteral("classes"), nowMs - 850 * 1000);
        auto engine = makeEngine();
        QVERIFY(engine);
        auto fresh = engine->read(QStringLiteral("classes"), 7, false);
        QVERIFY2(fresh.ok(), qPrintable(describe(fresh)));
        QCOMPARE(fresh->source, ReadSource::Postgres);
        QCOMPARE(fresh->cacheAgeSeconds, 850);
        QCOMPARE(searches(QStringLiteral("Classes")), 0);

        m_clock.advance(51 * 1000);  // 901 s since the feed's run: behind
        auto behind = engine->read(QStringLiteral("classes"), 7, false);
        QVERIFY2(behind.ok(), qPrintable(describe(behind)));
        QCOMPARE(behind->source, ReadSource::Zoho);
        QCOMPARE(searches(QStringLiteral("Classes")), 1);
    }

    // No feed state at all: the endpoint's own pg_freshness window, as before feeds.
    void noFeedStateIsTodaysPath()
    {
        const qint64 nowMs = m_clock.nowMs();
        putSnapshot(QStringLiteral("requests"), 7, R"([])", nowMs - 60 * 1000);
        putSnapshot(QStringLiteral("requests"), 8, R"([])", nowMs - 3600 * 1000);
        auto engine = makeEngine();
        QVERIFY(engine);
        auto recent = engine->read(QStringLiteral("requests"), 7, false);
        QVERIFY2(recent.ok(), qPrintable(describe(recent)));
        QCOMPARE(recent->source, ReadSource::Postgres);
        QCOMPARE(recent->cacheAgeSeconds, 60);
        auto old = engine->read(QStringLiteral("requests"), 8, false);
        QVERIFY2(old.ok(), qPrintable(describe(old)));
        QCOMPARE(old->source, ReadSource::Zoho);
        QCOMPARE(searches(QStringLiteral("Requests")), 1);
    }

    // force_refresh still goes to Zoho, healthy feed or not.
    void forceRefreshStillAsksZoho()
    {
        feedSucceeded(QStringLiteral("grades"), m_clock.nowMs() - 5 * 1000);
        m_clock.advance(1000);
        auto engine = makeEngine();
        QVERIFY(engine);
        auto read = engine->read(QStringLiteral("academics"), 7, true);
        QVERIFY2(read.ok(), qPrintable(describe(read)));
        QCOMPARE(read->source, ReadSource::Zoho);
        QCOMPARE(searches(QStringLiteral("Grades")), 1);
    }
};

QTEST_GUILESS_MAIN(TestFeedRead)
#include "tst_feedread.moc"
