// RedisConnection with Redis Sentinel, against real servers of this test's own: a primary,
// its replica and a sentinel watching them (redis-server --sentinel, quorum 1). The
// connection asks the sentinel for the primary at every connect and proves it with ROLE,
// so it follows a failover — the primary killed with SIGKILL, the replica promoted — with
// no restart and no new settings.
#include "privateredisserver.h"
#include "sentinelset.h"

#include "redis/redisconnection.h"
#include "redis/sentinelresolver.h"

#include <QDeadlineTimer>
#include <QTest>
#include <QThread>

using namespace tiersync;
using tiersync::test::PrivateRedisServer;
using tiersync::test::SentinelSet;

namespace {

constexpr const char *kMaster = SentinelSet::kMasterName;
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
    std::unique_ptr<SentinelSet> m_set;

    [[nodiscard]] RedisSettings viaSentinel() const { return m_set->settings(3); }
    [[nodiscard]] quint16 primaryPort() const { return m_set->primary().port(); }
    [[nodiscard]] quint16 replicaPort() const { return m_set->replica().port(); }

private slots:
    void init()
    {
        m_set = std::make_unique<SentinelSet>();
        VERIFY_OK(m_set->start(1000));
    }

    void cleanup() { m_set.reset(); }

    void resolvesThePrimary()
    {
        auto master = resolveSentinelMaster(viaSentinel());
        VERIFY_OK(master);
        QCOMPARE(master->host, QStringLiteral("127.0.0.1"));
        QCOMPARE(master->port, int(primaryPort()));

        RedisConnection connection(viaSentinel());
        VERIFY_OK(connection.set("k", "v"));
        auto port = serverPort(connection);
        VERIFY_OK(port);
        QCOMPARE(*port, int(primaryPort()));
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
        QCOMPARE(*serverPort(connection), int(primaryPort()));
        const int connectsBefore = connection.connectCount();

        m_set->killPrimary();
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
        QCOMPARE(*port, int(replicaPort()));
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
        RedisConnection sentinel(m_set->sentinel().settings());
        VERIFY_OK(sentinel.command({"SENTINEL", "FAILOVER", kMaster}));
        const QDeadlineTimer deadline(kFailoverBoundMs);
        bool moved = false;
        while (!deadline.hasExpired() && !moved) {
            if (connection.set("after", "2").ok()) {
                auto port = serverPort(connection);
                moved = port && *port == int(replicaPort());
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
