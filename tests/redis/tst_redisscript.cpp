// RedisScript against the sandbox's redis-server (database kTestDb, keys under a
// per-process prefix): EVALSHA, the EVAL fallback when the server forgot the script, the
// SHA-1 the server computes, and how errors come back. A scripted fake server breaks
// the connection mid-flight to show a script is never sent twice.
#include "fakeredisserver.h"
#include "testsandbox.h"
#include "verifyok.h"

#include "redis/redisconnection.h"
#include "redis/redisscanner.h"
#include "redis/redisscript.h"

#include <QCoreApplication>
#include <QTest>

using namespace tiersync;
using tiersync::test::FakeRedisServer;

namespace {

constexpr int kTestDb = 33;

const QByteArray kIncrBy = "return redis.call('INCRBY', KEYS[1], ARGV[1])";

// Every command the fake server received, all sessions in order.
QList<QByteArray> sent(const FakeRedisServer &server)
{
    QList<QByteArray> all;
    for (const auto &session : server.commandNames())
        all << session;
    return all;
}

}  // namespace

class TestRedisScript final : public QObject {
    Q_OBJECT

private:
    RedisSettings m_settings;
    QByteArray m_prefix;

    [[nodiscard]] QByteArray key(const QByteArray &name) const { return m_prefix + name; }

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        m_settings = profile.redis;
        m_settings.db = kTestDb;
        m_prefix = "tst_redisscript:" + QByteArray::number(QCoreApplication::applicationPid()) + ':';
        RedisConnection connection(m_settings);
        VERIFY_OK(connection.ping());
    }

    void cleanupTestCase()
    {
        RedisConnection connection(m_settings);
        VERIFY_OK(RedisScanner::unlinkMatching(connection, RedisScanner::escapeGlob(m_prefix) + '*'));
    }

    void shaIsTheServersOwn()
    {
        const RedisScript script(kIncrBy);
        RedisConnection connection(m_settings);
        auto loaded = connection.command({"SCRIPT", "LOAD", kIncrBy});
        VERIFY_OK(loaded);
        QCOMPARE(script.sha1(), loaded->bytes());
        QCOMPARE(script.sha1().size(), 40);
        QCOMPARE(script.evalShaCommand({"k"}, {"1"}),
                 (QList<QByteArray>{"EVALSHA", script.sha1(), "1", "k", "1"}));
    }

    void evalFallbackAfterScriptFlush()
    {
        // A source no other test uses, so the flush is the only way it left the cache.
        const QByteArray source = kIncrBy + " -- " + m_prefix;
        const RedisScript script(source);
        RedisConnection connection(m_settings);
        VERIFY_OK(connection.command({"SCRIPT", "FLUSH"}));
        auto exists = connection.command({"SCRIPT", "EXISTS", script.sha1()});
        VERIFY_OK(exists);
        QCOMPARE(exists->elements().at(0).integerValue(), 0);

        auto first = script.run(connection, {key("counter")}, {"5"});
        VERIFY_OK(first);
        QCOMPARE(first->integerValue(), 5);
        // EVAL cached it again: the next run is an EVALSHA that finds it.
        exists = connection.command({"SCRIPT", "EXISTS", script.sha1()});
        VERIFY_OK(exists);
        QCOMPARE(exists->elements().at(0).integerValue(), 1);
        auto second = script.run(connection, {key("counter")}, {"2"});
        VERIFY_OK(second);
        QCOMPARE(second->integerValue(), 7);  // each run counted once

        VERIFY_OK(connection.command({"SCRIPT", "FLUSH"}));
        auto third = script.run(connection, {key("counter")}, {"1"});
        VERIFY_OK(third);
        QCOMPARE(third->integerValue(), 8);
    }

    void repliesKeepTheirShape()
    {
        RedisConnection connection(m_settings);
        // false arrives as nil; 3.7 as 3 (numbers are truncated to integers).
        auto reply = RedisScript("return {1, 'two', ARGV[1], false, 3.7}").run(connection, {}, {QByteArray("bin\0ary", 7)});
        VERIFY_OK(reply);
        QVERIFY(reply->isArray());
        QCOMPARE(reply->elements().size(), 5);
        QCOMPARE(reply->elements().at(0).integerValue(), 1);
        QCOMPARE(reply->elements().at(1).bytes(), QByteArray("two"));
        QCOMPARE(reply->elements().at(2).bytes(), QByteArray("bin\0ary", 7));
        QVERIFY(reply->elements().at(3).isNil());
        QCOMPARE(reply->elements().at(4).integerValue(), 3);
        // A Lua nil ends the table: the scripts use '' and 0 as sentinels instead.
        auto cut = RedisScript("return {1, nil, 3}").run(connection, {}, {});
        VERIFY_OK(cut);
        QCOMPARE(cut->elements().size(), 1);
    }

    void errorsMapToKinds()
    {
        RedisConnection connection(m_settings);
        VERIFY_OK(connection.set(key("text"), "abc"));

        auto custom = RedisScript("return redis.error_reply('BUDGET over the limit')").run(connection, {}, {});
        QVERIFY(!custom.ok());
        QCOMPARE(custom.error().code, QStringLiteral("BUDGET"));
        QCOMPARE(custom.error().kind, ErrorKind::Server);

        auto wrongType = RedisScript("return redis.call('INCR', KEYS[1])").run(connection, {key("text")}, {});
        QVERIFY(!wrongType.ok());
        QCOMPARE(wrongType.error().kind, ErrorKind::InvalidArgument);

        auto broken = RedisScript("this is not lua").run(connection, {}, {});
        QVERIFY(!broken.ok());
        QCOMPARE(broken.error().code, QStringLiteral("ERR"));
        QCOMPARE(broken.error().kind, ErrorKind::InvalidArgument);

        // The connection survives error replies.
        VERIFY_OK(connection.ping());
    }

    void neverSentTwiceAfterABrokenConnection()
    {
        // The fake server reads the EVALSHA and hangs up without answering: it may have run.
        FakeRedisServer server({FakeRedisServer::Session{0, "+OK\r\n", true},
                                FakeRedisServer::Session{-1, "+OK\r\n", true}});
        RedisSettings settings;
        settings.port = server.port();
        settings.connectTimeoutMs = 1000;
        settings.commandTimeoutMs = 5000;
        RedisConnection connection(settings);
        auto reply = RedisScript(kIncrBy).run(connection, {"k"}, {"1"});
        QVERIFY(!reply.ok());
        QVERIFY2(reply.error().message.contains(QLatin1String("outcome unknown")),
                 qPrintable(reply.error().message));
        QVERIFY(reply.error().kind == ErrorKind::Unavailable || reply.error().kind == ErrorKind::Protocol);
        QCOMPARE(sent(server), (QList<QByteArray>{"EVALSHA"}));
    }

    void noscriptThenEvalUnknownIsAnError()
    {
        // NOSCRIPT, then the EVAL's connection breaks: reported, not sent a third time.
        FakeRedisServer server({FakeRedisServer::Session{1, "-NOSCRIPT No matching script.\r\n", true},
                                FakeRedisServer::Session{0, "+OK\r\n", true},
                                FakeRedisServer::Session{-1, "+OK\r\n", true}});
        RedisSettings settings;
        settings.port = server.port();
        settings.connectTimeoutMs = 1000;
        RedisConnection connection(settings);
        auto reply = RedisScript(kIncrBy).run(connection, {"k"}, {"1"});
        QVERIFY(!reply.ok());
        QVERIFY2(reply.error().message.contains(QLatin1String("outcome unknown")),
                 qPrintable(reply.error().message));
        // The EVAL went out once, or not at all if the hang-up was seen before sending it.
        const QList<QByteArray> names = sent(server);
        QVERIFY2(names == (QList<QByteArray>{"EVALSHA", "EVAL"}) || names == (QList<QByteArray>{"EVALSHA"}),
                 qPrintable(QString::fromUtf8(names.join(' '))));
    }
};

QTEST_GUILESS_MAIN(TestRedisScript)
#include "tst_redisscript.moc"
