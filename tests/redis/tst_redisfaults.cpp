// RedisConnection against a scripted fake server: the faults a real server will not
// produce on cue (a break while a command is in flight, half an answered pipeline,
// silence), plus the pure policy helpers.
#include "fakeredisserver.h"

#include "redis/redisbatch.h"
#include "redis/redisconnection.h"
#include "redis/redisscanner.h"

#include <QTest>

using namespace tiersync;
using tiersync::test::FakeRedisServer;

namespace {

RedisSettings settingsFor(const FakeRedisServer &server)
{
    RedisSettings settings;
    settings.host = QStringLiteral("127.0.0.1");
    settings.port = server.port();
    settings.connectTimeoutMs = 2000;
    settings.commandTimeoutMs = 2000;
    return settings;
}

FakeRedisServer::Session closeOnFirstCommand()
{
    return {0, {}, true};
}

FakeRedisServer::Session answerAll(QByteArray reply)
{
    return {-1, std::move(reply), true};
}

QList<QByteArray> flatten(const QList<QList<QByteArray>> &sessions)
{
    QList<QByteArray> all;
    for (const auto &names : sessions)
        all += names;
    return all;
}

}  // namespace

class TestRedisFaults final : public QObject {
    Q_OBJECT

private slots:
    void retrySafety_data()
    {
        QTest::addColumn<QList<QByteArray>>("argv");
        QTest::addColumn<bool>("safe");
        QTest::newRow("get") << QList<QByteArray>{"get", "k"} << true;
        QTest::newRow("hmget") << QList<QByteArray>{"HMGET", "k", "a"} << true;
        QTest::newRow("scan") << QList<QByteArray>{"SCAN", "0"} << true;
        QTest::newRow("set") << QList<QByteArray>{"SET", "k", "v"} << true;
        QTest::newRow("set ex") << QList<QByteArray>{"SET", "k", "v", "EX", "10"} << true;
        QTest::newRow("set nx") << QList<QByteArray>{"SET", "k", "v", "nx"} << false;
        QTest::newRow("set get") << QList<QByteArray>{"SET", "k", "v", "GET"} << false;
        QTest::newRow("set value NX") << QList<QByteArray>{"SET", "k", "NX"} << true;
        QTest::newRow("hset") << QList<QByteArray>{"HSET", "k", "f", "v"} << true;
        QTest::newRow("expire") << QList<QByteArray>{"EXPIRE", "k", "5"} << true;
        QTest::newRow("unlink") << QList<QByteArray>{"UNLINK", "a", "b"} << true;
        QTest::newRow("del") << QList<QByteArray>{"DEL", "a"} << true;
        QTest::newRow("memory usage") << QList<QByteArray>{"MEMORY", "USAGE", "k"} << true;
        QTest::newRow("client id") << QList<QByteArray>{"CLIENT", "ID"} << true;
        QTest::newRow("client kill") << QList<QByteArray>{"CLIENT", "KILL", "ID", "3"} << false;
        QTest::newRow("incr") << QList<QByteArray>{"INCR", "k"} << false;
        QTest::newRow("hincrby") << QList<QByteArray>{"HINCRBY", "k", "f", "1"} << false;
        QTest::newRow("lpush") << QList<QByteArray>{"LPUSH", "k", "v"} << false;
        QTest::newRow("eval") << QList<QByteArray>{"EVAL", "return 1", "0"} << false;
        QTest::newRow("flushdb") << QList<QByteArray>{"FLUSHDB"} << false;
        QTest::newRow("empty") << QList<QByteArray>{} << false;
    }
    void retrySafety()
    {
        QFETCH(QList<QByteArray>, argv);
        QFETCH(bool, safe);
        QCOMPARE(RedisConnection::isRetrySafe(argv), safe);
    }

    void errorReplyKinds_data()
    {
        QTest::addColumn<QByteArray>("message");
        QTest::addColumn<ErrorKind>("kind");
        QTest::addColumn<QString>("code");
        QTest::newRow("noauth") << QByteArray("NOAUTH Authentication required.") << ErrorKind::Auth << "NOAUTH";
        QTest::newRow("wrongpass") << QByteArray("WRONGPASS invalid username-password pair") << ErrorKind::Auth
                                   << "WRONGPASS";
        QTest::newRow("loading") << QByteArray("LOADING Redis is loading the dataset in memory")
                                 << ErrorKind::Unavailable << "LOADING";
        QTest::newRow("maxclients") << QByteArray("ERR max number of clients reached") << ErrorKind::Unavailable
                                    << "ERR";
        QTest::newRow("wrongtype") << QByteArray("WRONGTYPE Operation against a key")
                                   << ErrorKind::InvalidArgument << "WRONGTYPE";
        QTest::newRow("err") << QByteArray("ERR unknown command 'FOO'") << ErrorKind::InvalidArgument << "ERR";
        QTest::newRow("oom") << QByteArray("OOM command not allowed") << ErrorKind::Server << "OOM";
    }
    void errorReplyKinds()
    {
        QFETCH(QByteArray, message);
        QFETCH(ErrorKind, kind);
        QFETCH(QString, code);
        const Error error = RedisConnection::errorFromReply(RedisReply::error(message));
        QCOMPARE(error.kind, kind);
        QCOMPARE(error.code, code);
        QCOMPARE(error.message, QString::fromUtf8(message));
    }

    void escapeGlob()
    {
        QCOMPARE(RedisScanner::escapeGlob("plain:123"), QByteArray("plain:123"));
        QCOMPARE(RedisScanner::escapeGlob("a*b?c[d]e\\f"), QByteArray("a\\*b\\?c\\[d\\]e\\\\f"));
        QCOMPARE(RedisScanner::escapeGlob(""), QByteArray(""));
        QCOMPARE(RedisScanner::escapeGlob(QByteArrayView("\0*", 2)), QByteArray("\0\\*", 3));
    }

    void safeCommandRetriedOnceOnFreshConnection()
    {
        FakeRedisServer server({closeOnFirstCommand(), answerAll("+OK\r\n")});
        RedisConnection connection(settingsFor(server));
        const Status set = connection.set("k", "v");
        QVERIFY2(set.ok(), qPrintable(set.ok() ? QString() : set.error().toString()));
        QCOMPARE(connection.connectCount(), 2);
        QCOMPARE(server.commandNames(), (QList<QList<QByteArray>>{{"SET"}, {"SET"}}));
    }

    void unsafeCommandNotRetried()
    {
        FakeRedisServer server({closeOnFirstCommand(), answerAll(":1\r\n")});
        RedisConnection connection(settingsFor(server));
        auto first = connection.command({"INCR", "counter"});
        QVERIFY(!first.ok());
        QCOMPARE(first.error().kind, ErrorKind::Unavailable);
        QVERIFY2(first.error().message.contains(QLatin1String("not retried")), qPrintable(first.error().message));
        QCOMPARE(connection.connectCount(), 1);
        QVERIFY(!connection.isConnected());

        // The connection is re-established on the next call.
        auto second = connection.command({"INCR", "counter"});
        QVERIFY2(second.ok(), qPrintable(second.ok() ? QString() : second.error().toString()));
        QCOMPARE(second->integerValue(), 1);
        QCOMPARE(flatten(server.commandNames()), (QList<QByteArray>{"INCR", "INCR"}));
    }

    void connectionClosedWhileIdleIsReplacedBeforeSending()
    {
        FakeRedisServer server({{1, "+PONG\r\n", true}, answerAll(":1\r\n")});
        RedisConnection connection(settingsFor(server));
        QVERIFY(connection.ping().ok());
        QTRY_COMPARE(server.finishedSessions(), 1);
        // INCR is not retry-safe, yet it succeeds: the dead connection is noticed before
        // anything is written to it, so nothing can have run twice.
        auto reply = connection.command({"INCR", "counter"});
        QVERIFY2(reply.ok(), qPrintable(reply.ok() ? QString() : reply.error().toString()));
        QCOMPARE(connection.connectCount(), 2);
        QCOMPARE(server.commandNames(), (QList<QList<QByteArray>>{{"PING"}, {"INCR"}}));
    }

    void silentServerTimesOut()
    {
        FakeRedisServer server({{0, {}, false}});
        RedisSettings settings = settingsFor(server);
        settings.commandTimeoutMs = 300;
        RedisConnection connection(settings);
        auto reply = connection.get("k");
        QVERIFY(!reply.ok());
        QCOMPARE(reply.error().kind, ErrorKind::Timeout);
        QVERIFY2(reply.error().message.contains(QLatin1String("300 ms")), qPrintable(reply.error().message));
        // Not retried after a timeout, even though GET is safe.
        QCOMPARE(connection.connectCount(), 1);
        QVERIFY(!connection.isConnected());
    }

    void pipelineBrokenMidwayFailsWholeBatch()
    {
        FakeRedisServer server({{3, ":1\r\n", true}, answerAll(":1\r\n")});
        RedisConnection connection(settingsFor(server));
        QList<QList<QByteArray>> commands;
        for (int i = 0; i < 10; ++i)
            commands.append({"INCR", "c" + QByteArray::number(i)});
        auto replies = connection.pipeline(commands);
        QVERIFY(!replies.ok());
        QCOMPARE(replies.error().kind, ErrorKind::Unavailable);
        QVERIFY2(replies.error().message.contains(QLatin1String("after 3 of 10 replies")),
                 qPrintable(replies.error().message));
        QCOMPARE(connection.connectCount(), 1);
    }

    void safePipelineChunkRetriedWhole()
    {
        FakeRedisServer server({{3, "+OK\r\n", true}, answerAll("+OK\r\n")});
        RedisConnection connection(settingsFor(server));
        QList<QPair<QByteArray, QByteArray>> entries;
        for (int i = 0; i < 10; ++i)
            entries.append({"k" + QByteArray::number(i), "v"});
        RedisBatch batch(connection);
        const Status set = batch.setMany(entries, 60);
        QVERIFY2(set.ok(), qPrintable(set.ok() ? QString() : set.error().toString()));
        const auto sessions = server.commandNames();
        QCOMPARE(sessions.size(), 2);
        QCOMPARE(sessions.at(1).size(), 10);
    }

    void unreachablePortIsUnavailable()
    {
        qint32 port = 0;
        {
            // A port that was just free: nothing listens on it.
            FakeRedisServer probe({});
            port = probe.port();
        }
        RedisSettings settings;
        settings.port = port;
        settings.connectTimeoutMs = 500;
        RedisConnection connection(settings);
        const Status connected = connection.connect();
        QVERIFY(!connected.ok());
        QCOMPARE(connected.error().kind, ErrorKind::Unavailable);
        auto reply = connection.get("k");
        QVERIFY(!reply.ok());
        QCOMPARE(reply.error().kind, ErrorKind::Unavailable);
        QVERIFY(!connection.isConnected());
    }

    void errorReplyKeepsConnection()
    {
        FakeRedisServer server({answerAll("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")});
        RedisConnection connection(settingsFor(server));
        auto reply = connection.get("k");
        QVERIFY(!reply.ok());
        QCOMPARE(reply.error().kind, ErrorKind::InvalidArgument);
        QCOMPARE(reply.error().code, QStringLiteral("WRONGTYPE"));
        QVERIFY(connection.isConnected());
        QVERIFY(!connection.get("k").ok());
        QCOMPARE(connection.connectCount(), 1);
    }

    void emptyCommandRejected()
    {
        RedisConnection connection(RedisSettings{});
        auto reply = connection.command({});
        QVERIFY(!reply.ok());
        QCOMPARE(reply.error().kind, ErrorKind::InvalidArgument);
        QCOMPARE(connection.connectCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestRedisFaults)
#include "tst_redisfaults.moc"
