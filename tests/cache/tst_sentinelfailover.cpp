// The read path on Redis Sentinel (issue 12): a CacheEngine whose profile names sentinels
// instead of a host reads through the primary they name; when the primary is killed
// (SIGKILL) under read load, every read is still answered (from PostgreSQL's snapshots
// while Redis is away), and Redis hits return on the promoted replica without a restart.
// The fixture's PostgreSQL and zoho-sim (a scratch database, a tenant of its own); the
// primary, replica and sentinel are this test's own. How long the hits take to return is
// bench_sentinel_failover's figure, not asserted here.
#include "cachetestsupport.h"
#include "scratchprofile.h"
#include "sentinelset.h"
#include "testsandbox.h"
#include "verifyok.h"

#include "redis/redisconnection.h"
#include "redis/sentinelresolver.h"

#include <QDeadlineTimer>
#include <QTest>
#include <QThread>

#include <atomic>
#include <thread>
#include <vector>

using namespace tiersync;

namespace {

constexpr qint64 kStudents = 20;
constexpr int kReaders = 3;
// Only stops a broken test from hanging; a failover takes a few seconds here.
constexpr int kBoundMs = 90000;

}  // namespace

class TestSentinelFailover final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::ScratchProfile> m_scratch;
    std::unique_ptr<test::SentinelSet> m_set;
    std::unique_ptr<CacheEngine> m_engine;

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("sentinelfailover"), 102);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
        m_set = std::make_unique<test::SentinelSet>();
        VERIFY_OK(m_set->start(1000));
        ConnectionProfile profile = m_scratch->profile();
        profile.redis = m_set->settings(0);
        CacheEngine::Options options = test::testEngineOptions(profile);
        options.redisBackoffMs = 200;
        auto engine = CacheEngine::create(options);
        VERIFY_OK(engine);
        m_engine = std::move(*engine);
    }

    void cleanupTestCase()
    {
        m_engine.reset();
        RedisConnection::dropForCurrentThread();
        m_set.reset();
        m_scratch.reset();
    }

    void readsNeverFailAcrossAFailover()
    {
        // Warm: Zoho once per student, then Redis.
        for (qint64 id = 1; id <= kStudents; ++id)
            VERIFY_OK(m_engine->read(QStringLiteral("academics"), id, false));
        for (qint64 id = 1; id <= kStudents; ++id) {
            auto read = m_engine->read(QStringLiteral("academics"), id, false);
            VERIFY_OK(read);
            QCOMPARE(read->source, ReadSource::Redis);
        }

        std::atomic<bool> stop{false};
        std::atomic<bool> killed{false};
        std::atomic<qint64> failed{0};
        std::atomic<qint64> afterKill[4] = {0, 0, 0, 0};  // by ReadSource
        std::vector<std::thread> readers;
        for (int r = 0; r < kReaders; ++r) {
            readers.emplace_back([&, r] {
                for (qint64 i = r; !stop.load(); ++i) {
                    const bool wasKilled = killed.load();
                    auto read = m_engine->read(QStringLiteral("academics"), 1 + i % kStudents, false);
                    if (!read)
                        ++failed;
                    else if (wasKilled)
                        ++afterKill[int(read->source)];
                }
                RedisConnection::dropForCurrentThread();
            });
        }
        QThread::msleep(50);  // reads under way before the kill
        m_set->killPrimary();
        killed = true;

        // Wait until the sentinel names the replica, then for Redis hits after that.
        const QDeadlineTimer deadline(kBoundMs);
        bool promoted = false;
        while (!deadline.hasExpired() && !promoted) {
            auto master = resolveSentinelMaster(m_set->settings(0));
            promoted = master && master->port == int(m_set->replica().port());
            if (!promoted)
                QThread::msleep(50);
        }
        const qint64 hitsAtPromotion = afterKill[int(ReadSource::Redis)].load();
        while (!deadline.hasExpired() && afterKill[int(ReadSource::Redis)].load() < hitsAtPromotion + 100)
            QThread::msleep(20);
        stop = true;
        for (std::thread &reader : readers)
            reader.join();

        QVERIFY(promoted);
        QCOMPARE(failed.load(), 0);
        // Redis was really away (PostgreSQL answered), and hits came back on the new primary.
        QVERIFY2(afterKill[int(ReadSource::Postgres)].load() > 0,
                 qPrintable(QStringLiteral("postgres %1").arg(afterKill[int(ReadSource::Postgres)].load())));
        QVERIFY(afterKill[int(ReadSource::Redis)].load() >= hitsAtPromotion + 100);
        auto read = m_engine->read(QStringLiteral("academics"), 1, false);
        VERIFY_OK(read);
        QCOMPARE(read->source, ReadSource::Redis);
        RedisConnection viaSentinel(m_set->settings(0));
        auto role = viaSentinel.command({"ROLE"});
        VERIFY_OK(role);
        QCOMPARE(role->elements().first().bytes(), QByteArray("master"));
        auto port = viaSentinel.command({"CONFIG", "GET", "port"});
        VERIFY_OK(port);
        QCOMPARE(port->elements().at(1).bytes().toInt(), int(m_set->replica().port()));
    }
};

QTEST_GUILESS_MAIN(TestSentinelFailover)
#include "tst_sentinelfailover.moc"
