// The read path while its servers fail. Stopping servers is only ever done to a
// private sandbox (its own redis-server, PostgreSQL and zoho-sim in a temporary
// directory), never to the fixture's, which other tests share.
#include "cachetestsupport.h"

#include "cache/cachekeys.h"
#include "cache/readstatistics.h"
#include "cache/tieredreader.h"
#include "redis/redisconnection.h"
#include "sandbox/sandbox.h"
#include "store/pgconnection.h"
#include "store/snapshotrepository.h"

#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <optional>

using namespace tiersync;
using namespace tiersync::test;
using tiersync::sandbox::Sandbox;
using tiersync::sandbox::Service;

namespace {

QString describe(const Result<EndpointResponse> &result)
{
    if (!result)
        return result.error().toString();
    return readSourceName(result->source);
}

}  // namespace

class TestCacheFaults final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_directory;
    std::unique_ptr<Sandbox> m_sandbox;
    ConnectionProfile m_profile;
    std::unique_ptr<CacheEngine> m_engine;

    quint64 count(const char *endpoint, StatsCounter counter) const
    {
        return m_engine->statistics().counts(QLatin1String(endpoint)).value(counter);
    }

    ReadSource readSource(const char *endpoint, qint64 id, bool force = false)
    {
        auto result = m_engine->read(QLatin1String(endpoint), id, force);
        return result ? result->source : ReadSource::Stale;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_directory.isValid());
        m_sandbox = std::make_unique<Sandbox>(Sandbox::Options{
            m_directory.filePath(QStringLiteral("sandbox")), qEnvironmentVariable("TIERSYNC_ZOHO_SIM"),
            {QStringLiteral("--students"), QStringLiteral("300"), QStringLiteral("--products"), QStringLiteral("10"),
             QStringLiteral("--customers"), QStringLiteral("10")}});
        auto state = m_sandbox->up();
        QVERIFY2(state.ok(), qPrintable(state.ok() ? QString() : state.error().toString()));
        m_profile = state->profile;
        CacheEngine::Options options = testEngineOptions(m_profile);
        options.redisBackoffMs = 300;
        options.pgBackoffMs = 300;
        auto engine = CacheEngine::create(options);
        QVERIFY2(engine.ok(), qPrintable(engine.ok() ? QString() : engine.error().toString()));
        m_engine = std::move(*engine);
    }

    void cleanupTestCase()
    {
        m_engine.reset();
        RedisConnection::dropForCurrentThread();
        if (m_sandbox)
            QVERIFY(m_sandbox->down().ok());
    }

    // A stream of reads while Redis is stopped: every one answered from PostgreSQL or
    // Zoho, no errors; after Redis returns (empty: it keeps nothing on disk), hits
    // resume without anyone doing anything.
    void redisStoppedDuringReads()
    {
        for (qint64 id = 1; id <= 10; ++id)
            QCOMPARE(readSource("academics", id), ReadSource::Zoho);
        QCOMPARE(readSource("academics", 1), ReadSource::Redis);
        const quint64 errorsBefore = count("academics", StatsCounter::Errors);

        QVERIFY(m_sandbox->stopService(Service::Redis).ok());
        int fromPostgres = 0;
        int fromZoho = 0;
        for (int round = 0; round < 20; ++round) {
            for (qint64 id = 1; id <= 15; ++id) {  // 11..15 were never cached
                auto result = m_engine->read(QStringLiteral("academics"), id, false);
                QVERIFY2(result.ok(), qPrintable(describe(result)));
                QVERIFY2(result->source == ReadSource::Postgres || result->source == ReadSource::Zoho,
                         qPrintable(describe(result)));
                (result->source == ReadSource::Postgres ? fromPostgres : fromZoho) += 1;
            }
        }
        QCOMPARE(count("academics", StatsCounter::Errors), errorsBefore);
        QCOMPARE(fromPostgres + fromZoho, 300);
        QVERIFY(fromPostgres >= 280);  // 11..15 come from Zoho once, then their snapshots
        QVERIFY(count("academics", StatsCounter::RedisFailures) > 0);
        QCOMPARE(m_engine->health().value(QStringLiteral("status")).toString(), QStringLiteral("degraded"));

        QVERIFY(m_sandbox->startService(Service::Redis).ok());
        QTRY_COMPARE(readSource("academics", 3), ReadSource::Redis);
        QCOMPARE(readSource("academics", 12), ReadSource::Postgres);  // written back…
        QCOMPARE(readSource("academics", 12), ReadSource::Redis);     // …and hit
        QCOMPARE(count("academics", StatsCounter::Errors), errorsBefore);
        QTRY_COMPARE(m_engine->health().value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
    }

    // PostgreSQL stopped: Redis hits and Zoho fetches keep serving.
    void postgresStopped()
    {
        for (qint64 id = 101; id <= 105; ++id)
            QCOMPARE(readSource("finance", id), ReadSource::Zoho);
        const quint64 errorsBefore = count("finance", StatsCounter::Errors);

        QVERIFY(m_sandbox->stopService(Service::Postgres).ok());
        for (int round = 0; round < 5; ++round) {
            for (qint64 id = 101; id <= 105; ++id)
                QCOMPARE(readSource("finance", id), ReadSource::Redis);
        }
        QCOMPARE(readSource("finance", 106), ReadSource::Zoho);  // never cached
        QCOMPARE(readSource("finance", 106), ReadSource::Redis);  // cached in Redis alone
        QCOMPARE(readSource("finance", 101, true), ReadSource::Zoho);
        QCOMPARE(count("finance", StatsCounter::Errors), errorsBefore);
        QVERIFY(count("finance", StatsCounter::PgFailures) > 0);
        const QJsonObject health = m_engine->health();
        QVERIFY(!health.value(QStringLiteral("postgres")).toObject().value(QStringLiteral("ok")).toBool());
        QVERIFY(health.value(QStringLiteral("redis")).toObject().value(QStringLiteral("ok")).toBool());

        QVERIFY(m_sandbox->startService(Service::Postgres).ok());
        // Snapshots are written again once PostgreSQL is back.
        PgConnection connection(m_profile.pg);
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                (void)m_engine->read(QStringLiteral("finance"), 107, true);
                auto snapshot = SnapshotRepository(connection).get(QStringLiteral("finance"), 107);
                return snapshot.ok() && snapshot->has_value();
            }(),
            15000);
        QCOMPARE(count("finance", StatsCounter::Errors), errorsBefore);
    }

    // zoho-sim stopped: cached data keeps serving (Redis, fresh snapshots, stale for a
    // forced refresh); a key never cached is an error the server turns into 503.
    void zohoStopped()
    {
        QCOMPARE(readSource("classes", 201), ReadSource::Zoho);
        QVERIFY(m_sandbox->stopService(Service::ZohoSim).ok());

        QCOMPARE(readSource("classes", 201), ReadSource::Redis);
        RedisConnection redis(m_profile.redis);
        QVERIFY(redis.del({cachekeys::endpointKey(QStringLiteral("classes"), 201)}).ok());
        QCOMPARE(readSource("classes", 201), ReadSource::Postgres);
        auto forced = m_engine->read(QStringLiteral("classes"), 201, true);
        QVERIFY2(forced.ok(), qPrintable(describe(forced)));
        QCOMPARE(forced->source, ReadSource::Stale);

        auto never = m_engine->read(QStringLiteral("classes"), 202, false);
        QVERIFY(!never.ok());
        QVERIFY2(never.error().kind == ErrorKind::Unavailable || never.error().kind == ErrorKind::Timeout
                     || never.error().kind == ErrorKind::CircuitOpen,
                 qPrintable(never.error().toString()));
        QVERIFY2(never.error().message.contains(QStringLiteral("Zoho is unavailable")), qPrintable(never.error().message));

        QVERIFY(m_sandbox->startService(Service::ZohoSim).ok());
        // (QTRY_* evaluates its expression once more at the end, so no reads inside it.)
        std::optional<ReadSource> served;
        for (int attempt = 0; attempt < 100 && !served; ++attempt) {
            if (auto result = m_engine->read(QStringLiteral("classes"), 202, false))
                served = result->source;
            else
                QTest::qWait(100);
        }
        QVERIFY(served.has_value());
        QCOMPARE(*served, ReadSource::Zoho);
    }
};

QTEST_GUILESS_MAIN(TestCacheFaults)
#include "tst_cachefaults.moc"
