// RedisConnection with Redis Sentinel, against real servers of this test's own: a primary,
// its replica and a sentinel watching them (redis-server --sentinel, quorum 1). The
// connection asks the sentinel for the primary at every connect and proves it with ROLE,
// so it follows a failover — the primary killed with SIGKILL, the replica promoted — with
// no restart and no new settings.
#include "privateredisserver.h"

#include "redis/redisconnection.h"
#include "redis/sentinelresolver.h"

#include <QDeadlineTimer>
#include <QTest>
#include <QThread>

using namespace tiersync;
using tiersync::test::PrivateRedisServer;

namespace {

constexpr char kMaster[] = "tiersync-primary";
// Generous: a failover takes down-after (1 s) plus an election and a promotion, about
// 2–4 s here; the bound only stops a broken test from hanging.
constexpr int kFailoverBoundMs = 60000;

QString describe(const Status &status)
{
    return status.ok() ? QString() : status.error().toString();
}

template <typename T>
QString describe(const Result<T> &result)
{
    return result.ok() ? QString() : result.error().toString();
}

#define VERIFY_OK(expr)                                                                    \
    do {                                                                                   \
        const auto &verifyOkResult = (expr);                                               \
        QVERIFY2(verifyOkResult.ok(), qPrintable(describe(verifyOkResult)));               \
    } while (false)

// The port the connection's server listens on (CONFIG GET port).
Result<int> serverPort(RedisConnection &connection)
{
    auto reply = connection.command({"CONFIG", "GET", "port"});
    if (!reply)
        return reply.error();
    if (reply->elements().size() != 2)
        return makeError(ErrorKind::Protocol, QStringLiteral("CONFIG GET port: %1").arg(reply->describe()));
    return reply->elements().at(1).bytes().toInt();
}

}  // namespace

class TestRedisSentinel final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<PrivateRedisServer> m_primary;
    std::unique_ptr<PrivateRedisServer> m_replica;
    std::unique_ptr<PrivateRedisServer> m_sentinel;

    [[nodiscard]] RedisSettings viaSentinel() const
    {
        RedisSettings settings;
        settings.sentinels = {{QStringLiteral("127.0.0.1"), m_sentinel->port()}};
        settings.masterName = QLatin1String(kMaster);
        settings.db = 3;
        settings.connectTimeoutMs = 500;
        settings.commandTimeoutMs = 1000;
        return settings;
    }

    // Until the replica is in sync with the primary: the sentinel then finds it in the
    // primary's first INFO instead of ten seconds later.
    [[nodiscard]] bool replicaInSync() const
    {
        RedisConnection replica(m_replica->settings());
        const QDeadlineTimer deadline(kFailoverBoundMs);
        while (!deadline.hasExpired()) {
            auto role = replica.command({"ROLE"});
            if (role && role->elements().size() >= 4 && role->elements().at(3).bytes() == "connected")
                return true;
            QThread::msleep(20);
        }
        return false;
    }

    // Until the sentinel has found the replica (from the primary's INFO): a failover
    // needs one to promote.
    [[nodiscard]] bool sentinelKnowsTheReplica() const
    {
        RedisSettings direct;
        direct.host = QStringLiteral("127.0.0.1");
        direct.port = m_sentinel->port();
        RedisConnection sentinel(direct);
        const QDeadlineTimer deadline(kFailoverBoundMs);
        while (!deadline.hasExpired()) {
            auto replicas = sentinel.command({"SENTINEL", "REPLICAS", kMaster});
            if (replicas && !replicas->elements().isEmpty())
                return true;
            QThread::msleep(50);
        }
        return false;
    }

private slots:
    void init()
    {
        m_primary = std::make_unique<PrivateRedisServer>();
        VERIFY_OK(m_primary->start());
        m_replica = std::make_unique<PrivateRedisServer>();
        VERIFY_OK(m_replica->start(0, {}, {QStringLiteral("--replicaof"),
                                           QStringLiteral("127.0.0.1 %1").arg(m_primary->port())}));
        QVERIFY(replicaInSync());
        m_sentinel = std::make_unique<PrivateRedisServer>();
        VERIFY_OK(m_sentinel->startSentinel(QLatin1String(kMaster), m_primary->port(), 1000));
        QVERIFY(sentinelKnowsTheReplica());
    }

    void cleanup()
    {
        m_sentinel.reset();
        m_replica.reset();
        m_primary.reset();
    }

    void resolvesThePrimary()
    {
        auto master = resolveSentinelMaster(viaSentinel());
        VERIFY_OK(master);
        QCOMPARE(master->host, QStringLiteral("127.0.0.1"));
        QCOMPARE(master->port, int(m_primary->port()));

        RedisConnection connection(viaSentinel());
        VERIFY_OK(connection.set("k", "v"));
        auto port = serverPort(connection);
        VERIFY_OK(port);
        QCOMPARE(*port, int(m_primary->port()));
        auto db = connection.command({"CLIENT", "INFO"});
        VERIFY_OK(db);
        QVERIFY2(db->bytes().contains(" db=3 "), db->bytes().constData());
    }

    // A master name the sentinels do not monitor, and sentinels that are not there: a
    // clear Unavailable error naming what each sentinel said, never a hang.
    void unknownMasterOrNoSentinelIsUnavailable()
    {
        RedisSettings wrongName = viaSentinel();
        wrongName.masterName = QStringLiteral("no-such-master");
        RedisConnection wrong(wrongName);
        const Status refused = wrong.connect();
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().kind, ErrorKind::Unavailable);
        QVERIFY2(refused.error().message.contains(QLatin1String("monitors no master named 'no-such-master'")),
                 qPrintable(refused.error().message));

        RedisSettings gone = viaSentinel();
        gone.sentinels = {{QStringLiteral("127.0.0.1"), PrivateRedisServer::freePort()}, gone.sentinels.first()};
        RedisConnection secondAnswers(gone);
        VERIFY_OK(secondAnswers.ping());  // the first sentinel is down, the second names the primary

        gone.sentinels = {{QStringLiteral("127.0.0.1"), PrivateRedisServer::freePort()}};
        RedisConnection none(gone);
        const Status unreachable = none.ping();
        QVERIFY(!unreachable.ok());
        QCOMPARE(unreachable.error().kind, ErrorKind::Unavailable);
        QVERIFY(unreachable.error().message.contains(QLatin1String("no sentinel named the primary")));
    }

    // The primary is killed (SIGKILL: no goodbye) while one connection keeps writing and
    // reading. Calls fail while the sentinel fails over; then the same connection object
    // reaches the promoted replica, writes there and reads back, with no restart.
    void followsAFailover()
    {
        RedisConnection connection(viaSentinel());
        VERIFY_OK(connection.set("before", "1"));
        QCOMPARE(*serverPort(connection), int(m_primary->port()));
        const int connectsBefore = connection.connectCount();

        m_primary->kill();
        int failed = 0;
        int succeededAfter = 0;
        const QDeadlineTimer deadline(kFailoverBoundMs);
        for (int i = 0; !deadline.hasExpired() && succeededAfter < 20; ++i) {
            const QByteArray key = "k" + QByteArray::number(i);
            const Status written = connection.set(key, QByteArray::number(i));
            if (!written) {
                ++failed;
                QVERIFY2(written.error().kind == ErrorKind::Unavailable || written.error().kind == ErrorKind::Timeout,
                         qPrintable(written.error().toString()));
                QThread::msleep(20);
                continue;
            }
            auto read = connection.get(key);
            VERIFY_OK(read);
            QCOMPARE(read->value_or(QByteArray()), QByteArray::number(i));
            ++succeededAfter;
        }
        QCOMPARE(succeededAfter, 20);
        QVERIFY(failed > 0);  // the primary really went away
        auto port = serverPort(connection);
        VERIFY_OK(port);
        QCOMPARE(*port, int(m_replica->port()));
        QVERIFY(connection.connectCount() > connectsBefore);
        auto role = connection.command({"ROLE"});
        VERIFY_OK(role);
        QCOMPARE(role->elements().first().bytes(), QByteArray("master"));
        // What was written before the failover was replicated to the new primary.
        auto before = connection.get("before");
        VERIFY_OK(before);
        QCOMPARE(before->value_or(QByteArray()), QByteArray("1"));
    }

    // A primary demoted while it stays up (a manual failover): the sentinel disconnects
    // its clients, and a write it refused as READONLY sends the connection back to the
    // sentinels; either way the next calls reach the new primary.
    void followsAManualFailover()
    {
        RedisConnection connection(viaSentinel());
        VERIFY_OK(connection.set("before", "1"));
        RedisSettings direct;
        direct.host = QStringLiteral("127.0.0.1");
        direct.port = m_sentinel->port();
        RedisConnection sentinel(direct);
        VERIFY_OK(sentinel.command({"SENTINEL", "FAILOVER", kMaster}));
        const QDeadlineTimer deadline(kFailoverBoundMs);
        bool moved = false;
        while (!deadline.hasExpired() && !moved) {
            if (connection.set("after", "2").ok()) {
                auto port = serverPort(connection);
                moved = port && *port == int(m_replica->port());
            }
            if (!moved)
                QThread::msleep(20);
        }
        QVERIFY(moved);
        auto after = connection.get("after");
        VERIFY_OK(after);
        QCOMPARE(after->value_or(QByteArray()), QByteArray("2"));
    }
};

QTEST_GUILESS_MAIN(TestRedisSentinel)
#include "tst_redissentinel.moc"
