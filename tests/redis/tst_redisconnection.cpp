// RedisConnection, RedisBatch and RedisScanner against real redis-servers: the sandbox
// server for the data paths, and a private server of this test for restarts and
// passwords. Keys live in database kTestDb under a per-process prefix and are removed
// at the end, so parallel tests do not collide.
#include "privateredisserver.h"
#include "testsandbox.h"

#include "redis/redisbatch.h"
#include "redis/redisconnection.h"
#include "redis/redisscanner.h"

#include <QCoreApplication>
#include <QSet>
#include <QTest>
#include <QThread>

using namespace tiersync;
using tiersync::test::PrivateRedisServer;

namespace {

constexpr int kTestDb = 11;

QString describe(const Status &status)
{
    return status.ok() ? QString() : status.error().toString();
}

template <typename T>
QString describe(const Result<T> &result)
{
    return result.ok() ? QString() : result.error().toString();
}

QByteArray everyByte()
{
    QByteArray bytes;
    for (int i = 0; i < 256; ++i)
        bytes.append(char(i));
    return bytes;
}

}  // namespace

#define VERIFY_OK(expr)                                                                    \
    do {                                                                                   \
        const auto &verifyOkResult = (expr);                                               \
        QVERIFY2(verifyOkResult.ok(), qPrintable(describe(verifyOkResult)));               \
    } while (false)

class TestRedisConnection final : public QObject {
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
        m_prefix = "tst_redisconnection:" + QByteArray::number(QCoreApplication::applicationPid()) + ':';
        RedisConnection connection(m_settings);
        VERIFY_OK(connection.ping());
    }

    void cleanupTestCase()
    {
        RedisConnection connection(m_settings);
        auto removed = RedisScanner::unlinkMatching(connection, RedisScanner::escapeGlob(m_prefix) + '*');
        VERIFY_OK(removed);
        RedisConnection::dropForCurrentThread();
    }

    void binarySafeRoundTrip_data()
    {
        QTest::addColumn<QByteArray>("name");
        QTest::addColumn<QByteArray>("value");
        QTest::newRow("text") << QByteArray("text") << QByteArray("hello");
        QTest::newRow("nul") << QByteArray("nul\0key", 7) << QByteArray("a\0b\0\0c", 6);
        QTest::newRow("crlf") << QByteArray("crlf\r\nkey") << QByteArray("*1\r\n$3\r\nGET\r\n");
        QTest::newRow("non-utf8") << QByteArray("bin\xff\xfe", 5) << QByteArray("\xc3\x28\xa0\xa1\xff", 5);
        QTest::newRow("every-byte") << QByteArray("all") << everyByte();
        QTest::newRow("empty") << QByteArray("empty") << QByteArray("");
        QTest::newRow("1MiB") << QByteArray("big") << QByteArray(1 << 20, '\0');
    }
    void binarySafeRoundTrip()
    {
        QFETCH(QByteArray, name);
        QFETCH(QByteArray, value);
        RedisConnection connection(m_settings);
        VERIFY_OK(connection.set(key(name), value));
        auto got = connection.get(key(name));
        VERIFY_OK(got);
        QVERIFY(got->has_value());
        QCOMPARE(got->value().size(), value.size());
        QCOMPARE(got->value(), value);
    }

    void missingKeyIsNullopt()
    {
        RedisConnection connection(m_settings);
        auto got = connection.get(key("missing"));
        VERIFY_OK(got);
        QVERIFY(!got->has_value());
    }

    void ttlAndExpire()
    {
        RedisConnection connection(m_settings);
        VERIFY_OK(connection.set(key("ttl:with"), "v", 100));
        auto ttl = connection.ttl(key("ttl:with"));
        VERIFY_OK(ttl);
        QVERIFY2(*ttl > 0 && *ttl <= 100, qPrintable(QString::number(*ttl)));

        VERIFY_OK(connection.set(key("ttl:without"), "v"));
        QCOMPARE(*connection.ttl(key("ttl:without")), qint64(-1));
        QCOMPARE(*connection.ttl(key("ttl:missing")), qint64(-2));

        auto expired = connection.expire(key("ttl:without"), 50);
        VERIFY_OK(expired);
        QVERIFY(*expired);
        ttl = connection.ttl(key("ttl:without"));
        QVERIFY(*ttl > 0 && *ttl <= 50);
        QCOMPARE(*connection.expire(key("ttl:missing"), 50), false);
    }

    void typeOfKeys()
    {
        RedisConnection connection(m_settings);
        VERIFY_OK(connection.set(key("type:string"), "v"));
        VERIFY_OK(connection.hset(key("type:hash"), {{"f", "v"}}));
        QCOMPARE(*connection.type(key("type:string")), QStringLiteral("string"));
        QCOMPARE(*connection.type(key("type:hash")), QStringLiteral("hash"));
        QCOMPARE(*connection.type(key("type:missing")), QStringLiteral("none"));
    }

    void memoryUsage()
    {
        RedisConnection connection(m_settings);
        VERIFY_OK(connection.set(key("memory"), QByteArray(10000, 'x')));
        auto usage = connection.memoryUsage(key("memory"));
        VERIFY_OK(usage);
        QVERIFY(usage->has_value());
        QVERIFY2(usage->value() >= 10000, qPrintable(QString::number(usage->value())));
        auto missing = connection.memoryUsage(key("memory:missing"));
        VERIFY_OK(missing);
        QVERIFY(!missing->has_value());
    }

    void info()
    {
        RedisConnection connection(m_settings);
        auto server = connection.info("server");
        VERIFY_OK(server);
        QVERIFY(server->contains(QStringLiteral("redis_version")));
        QVERIFY(!server->contains(QStringLiteral("used_memory")));
        auto memory = connection.info("memory");
        VERIFY_OK(memory);
        QVERIFY(memory->value(QStringLiteral("used_memory")).toLongLong() > 0);
        auto all = connection.info();
        VERIFY_OK(all);
        QVERIFY(all->contains(QStringLiteral("redis_version")));
        QVERIFY(all->contains(QStringLiteral("used_memory")));
    }

    void hashRoundTrip()
    {
        RedisConnection connection(m_settings);
        const QByteArray field("f\0\r\n", 4);
        const QByteArray value("\xff\0v", 3);
        auto added = connection.hset(key("hash"), {{field, value}, {"plain", "x"}});
        VERIFY_OK(added);
        QCOMPARE(*added, qint64(2));
        auto fields = connection.hgetall(key("hash"));
        VERIFY_OK(fields);
        QCOMPARE(fields->size(), 2);
        QCOMPARE(fields->value(field), value);
        QCOMPARE(fields->value("plain"), QByteArray("x"));
        auto none = connection.hgetall(key("hash:missing"));
        VERIFY_OK(none);
        QVERIFY(none->isEmpty());
    }

    void existsUnlinkDel()
    {
        RedisConnection connection(m_settings);
        VERIFY_OK(connection.set(key("gone:1"), "1"));
        VERIFY_OK(connection.set(key("gone:2"), "2"));
        VERIFY_OK(connection.set(key("gone:3"), "3"));
        QCOMPARE(*connection.exists({key("gone:1"), key("gone:2"), key("gone:3"), key("gone:none")}), qint64(3));
        QCOMPARE(*connection.unlink({key("gone:1"), key("gone:2"), key("gone:none")}), qint64(2));
        QCOMPARE(*connection.del({key("gone:3")}), qint64(1));
        QCOMPARE(*connection.exists({key("gone:1"), key("gone:2"), key("gone:3")}), qint64(0));
        QCOMPARE(*connection.unlink({}), qint64(0));
        auto size = connection.dbsize();
        VERIFY_OK(size);
        QVERIFY(*size >= 0);
    }

    void scanFindsEveryKeyOnce()
    {
        RedisConnection connection(m_settings);
        RedisBatch batch(connection);
        const int count = 5000;
        QList<QPair<QByteArray, QByteArray>> entries;
        for (int i = 0; i < count; ++i)
            entries.append({key("scan:" + QByteArray::number(i)), QByteArray::number(i)});
        VERIFY_OK(batch.setMany(entries, 600));
        // Decoys that share the start of the prefix but not the pattern.
        VERIFY_OK(connection.set(key("scanner:decoy"), "x"));
        VERIFY_OK(connection.hset(key("scan:hash"), {{"f", "v"}}));

        const QByteArray pattern = RedisScanner::escapeGlob(key("scan:")) + '*';
        QSet<QByteArray> seen;
        int steps = 0;
        RedisScanner scanner(connection, pattern, 1000, "string");
        while (!scanner.atEnd()) {
            auto keys = scanner.next();
            VERIFY_OK(keys);
            ++steps;
            for (const QByteArray &found : *keys)
                seen.insert(found);  // SCAN may repeat a key: dedupe
        }
        QCOMPARE(seen.size(), count);
        for (const auto &entry : entries)
            QVERIFY(seen.contains(entry.first));
        QVERIFY(!seen.contains(key("scanner:decoy")));
        QVERIFY(!seen.contains(key("scan:hash")));
        QVERIFY(steps > 1);

        // Without the TYPE filter the hash is found as well.
        QSet<QByteArray> all;
        VERIFY_OK(RedisScanner::forEachBatch(connection, pattern, [&](const QList<QByteArray> &keys) {
            for (const QByteArray &found : keys)
                all.insert(found);
            return true;
        }));
        QCOMPARE(all.size(), count + 1);

        auto removed = RedisScanner::unlinkMatching(connection, pattern);
        VERIFY_OK(removed);
        QCOMPARE(*removed, qint64(count + 1));
        QCOMPARE(*connection.exists({entries.first().first, entries.last().first}), qint64(0));
        QCOMPARE(*connection.exists({key("scanner:decoy")}), qint64(1));
    }

    void scanEarlyStop()
    {
        RedisConnection connection(m_settings);
        VERIFY_OK(connection.set(key("stop:1"), "1"));
        int calls = 0;
        VERIFY_OK(RedisScanner::forEachBatch(connection, RedisScanner::escapeGlob(key("stop:")) + '*',
                                             [&](const QList<QByteArray> &) { return ++calls < 0; }, 10));
        QCOMPARE(calls, 1);
    }

    void unlinkMatchingRefusesEverything()
    {
        RedisConnection connection(m_settings);
        QCOMPARE(RedisScanner::unlinkMatching(connection, "*").error().kind, ErrorKind::InvalidArgument);
        QCOMPARE(RedisScanner::unlinkMatching(connection, "").error().kind, ErrorKind::InvalidArgument);
    }

    void escapedPatternMatchesLiterally()
    {
        RedisConnection connection(m_settings);
        const QList<QByteArray> literal{"a*b", "a?b", "a[b]", "a\\b"};
        const QList<QByteArray> lookalikes{"aXb", "ab", "aab", "axxb", "a\\\\b"};
        for (const QByteArray &name : literal + lookalikes)
            VERIFY_OK(connection.set(key("glob:" + name), "v"));
        for (const QByteArray &name : literal) {
            QSet<QByteArray> found;
            VERIFY_OK(RedisScanner::forEachBatch(connection, RedisScanner::escapeGlob(key("glob:" + name)),
                                                 [&](const QList<QByteArray> &keys) {
                                                     for (const QByteArray &k : keys)
                                                         found.insert(k);
                                                     return true;
                                                 }));
            QCOMPARE(found, QSet<QByteArray>{key("glob:" + name)});
        }
    }

    void pipelinedTenThousandSetThenGet_data()
    {
        QTest::addColumn<int>("chunkSize");
        QTest::newRow("one flush") << 10000;
        QTest::newRow("chunks of 1000") << 1000;
        QTest::newRow("chunks of 333") << 333;
    }
    void pipelinedTenThousandSetThenGet()
    {
        QFETCH(int, chunkSize);
        RedisConnection connection(m_settings);
        RedisBatch batch(connection, chunkSize);
        const int count = 10000;
        QList<QPair<QByteArray, QByteArray>> entries;
        QList<QByteArray> keys;
        for (int i = 0; i < count; ++i) {
            const QByteArray name = key("pipe:" + QByteArray::number(i));
            entries.append({name, QByteArray::number(i) + QByteArray("\0\xff\r\n", 4)});
            keys.append(name);
        }
        VERIFY_OK(batch.setMany(entries, 600));
        keys.append(key("pipe:missing"));
        auto values = batch.getMany(keys);
        VERIFY_OK(values);
        QCOMPARE(values->size(), count + 1);
        for (int i = 0; i < count; ++i)
            QCOMPARE(values->at(i), std::optional<QByteArray>(entries.at(i).second));
        QVERIFY(!values->last().has_value());
        QVERIFY(*connection.ttl(keys.first()) > 0);

        // The raw pipeline keeps replies in order.
        QList<QList<QByteArray>> commands;
        for (int i = 0; i < count; ++i)
            commands.append({"GET", keys.at(i)});
        auto replies = connection.pipeline(commands, chunkSize);
        VERIFY_OK(replies);
        QCOMPARE(replies->size(), count);
        QCOMPARE(replies->at(1234).bytes(), entries.at(1234).second);

        auto removed = batch.unlinkMany(keys);
        VERIFY_OK(removed);
        QCOMPARE(*removed, qint64(count));
    }

    void entityStatesPresentAndMissing()
    {
        RedisConnection connection(m_settings);
        RedisBatch batch(connection);
        const QList<QByteArray> fields{"content_hash", "local_id", "last_modified_time", "cached_at", "sync_count"};
        QList<RedisHashWrite> writes;
        QList<QByteArray> keys;
        for (int i = 0; i < 100; ++i) {
            const QByteArray name = key("tiersync:v1:state:products:" + QByteArray::number(i));
            keys.append(name);
            if (i % 2 == 0) {
                writes.append({name,
                               {{"content_hash", "sha256:" + QByteArray::number(i)},
                                {"local_id", QByteArray::number(1000 + i)},
                                {"last_modified_time", "2024-01-01T00:00:00+0000"},
                                {"cached_at", "1700000000"},
                                {"sync_count", "1"}}});
            }
        }
        VERIFY_OK(batch.hsetExpireMany(writes, 86400));
        auto rows = batch.hmgetMany(keys, fields);
        VERIFY_OK(rows);
        QCOMPARE(rows->size(), 100);
        for (int i = 0; i < 100; ++i) {
            const auto &row = rows->at(i);
            QCOMPARE(row.size(), fields.size());
            if (i % 2 == 0) {
                QCOMPARE(row.at(0), std::optional<QByteArray>("sha256:" + QByteArray::number(i)));
                QCOMPARE(row.at(1), std::optional<QByteArray>(QByteArray::number(1000 + i)));
                QCOMPARE(row.at(4), std::optional<QByteArray>("1"));
            } else {
                for (const auto &value : row)
                    QVERIFY(!value.has_value());
            }
        }
        auto ttl = connection.ttl(keys.first());
        QVERIFY(*ttl > 86000 && *ttl <= 86400);

        // A key of the wrong type fails the whole lookup with the server's message.
        VERIFY_OK(connection.set(keys.at(1), "not a hash"));
        auto broken = batch.hmgetMany(keys, fields);
        QVERIFY(!broken.ok());
        QCOMPARE(broken.error().code, QStringLiteral("WRONGTYPE"));
    }

    void errorRepliesKeepTheConnection()
    {
        RedisConnection connection(m_settings);
        VERIFY_OK(connection.set(key("err:text"), "not a number"));
        const qint64 id = *connection.clientId();

        auto incr = connection.command({"INCR", key("err:text")});
        QVERIFY(!incr.ok());
        QCOMPARE(incr.error().kind, ErrorKind::InvalidArgument);
        QCOMPARE(incr.error().code, QStringLiteral("ERR"));
        QVERIFY2(incr.error().message.contains(QLatin1String("not an integer")), qPrintable(incr.error().message));

        auto wrongType = connection.command({"HGET", key("err:text"), "f"});
        QCOMPARE(wrongType.error().code, QStringLiteral("WRONGTYPE"));

        auto unknown = connection.command({"NOSUCHCOMMAND"});
        QVERIFY(!unknown.ok());
        QVERIFY(unknown.error().message.contains(QLatin1String("unknown command")));

        // In a pipeline the error is one item; its neighbours are answered.
        auto replies = connection.pipeline({{"GET", key("err:text")}, {"INCR", key("err:text")}, {"PING"}});
        VERIFY_OK(replies);
        QCOMPARE(replies->size(), 3);
        QCOMPARE(replies->at(0).bytes(), QByteArray("not a number"));
        QVERIFY(replies->at(1).isError());
        QCOMPARE(replies->at(2), RedisReply::status("PONG"));

        QCOMPARE(*connection.clientId(), id);
        QCOMPARE(connection.connectCount(), 1);
    }

    void wrongPasswordIsAuthError()
    {
        PrivateRedisServer server;
        VERIFY_OK(server.start(0, QStringLiteral("correct-horse")));

        RedisSettings wrong = server.settings();
        wrong.password = Secret(QStringLiteral("battery-staple"));
        RedisConnection wrongConnection(wrong);
        const Status refused = wrongConnection.connect();
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().kind, ErrorKind::Auth);
        QVERIFY2(refused.error().message.contains(QLatin1String("WRONGPASS")), qPrintable(refused.error().message));
        QVERIFY(!refused.error().message.contains(QLatin1String("battery-staple")));
        QVERIFY(!wrongConnection.isConnected());
        QCOMPARE(wrongConnection.get("k").error().kind, ErrorKind::Auth);

        RedisSettings none = server.settings();
        none.password = Secret();
        RedisConnection anonymous(none);
        auto noauth = anonymous.get("k");
        QVERIFY(!noauth.ok());
        QCOMPARE(noauth.error().kind, ErrorKind::Auth);
        QCOMPARE(noauth.error().code, QStringLiteral("NOAUTH"));

        RedisConnection right(server.settings());
        VERIFY_OK(right.ping());

        // A password for a server that has none is just as clearly an Auth error.
        RedisSettings needless = m_settings;
        needless.password = Secret(QStringLiteral("not-configured"));
        if (m_settings.password.isEmpty()) {
            RedisConnection connection(needless);
            QCOMPARE(connection.connect().error().kind, ErrorKind::Auth);
        }
    }

    // Redis 6+ ACL users: AUTH user password, the user's key patterns and commands
    // enforced by the server; a wrong password or an unknown user is an Auth error that
    // names neither the password nor anything secret.
    void aclUserAuthenticates()
    {
        PrivateRedisServer server;
        VERIFY_OK(server.start(0, QStringLiteral("admin-pass")));
        RedisConnection admin(server.settings());
        VERIFY_OK(admin.command({"ACL", "SETUSER", "tiersync-app", "on", ">app-pass", "~tiersync:*", "+@all"}));

        RedisSettings app = server.settings();
        app.username = QStringLiteral("tiersync-app");
        app.password = Secret(QStringLiteral("app-pass"));
        RedisConnection connection(app);
        VERIFY_OK(connection.set("tiersync:k", "v"));
        auto read = connection.get("tiersync:k");
        VERIFY_OK(read);
        QCOMPARE(read->value_or(QByteArray()), QByteArray("v"));
        auto whoami = connection.command({"ACL", "WHOAMI"});
        VERIFY_OK(whoami);
        QCOMPARE(whoami->bytes(), QByteArray("tiersync-app"));
        // Outside its key pattern: the server's NOPERM, an Auth error, the connection kept.
        const Status refused = connection.set("other:k", "v");
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().kind, ErrorKind::Auth);
        QCOMPARE(refused.error().code, QStringLiteral("NOPERM"));
        VERIFY_OK(connection.ping());
        QCOMPARE(connection.connectCount(), 1);

        for (const auto &[user, password] : {std::pair{"tiersync-app", "wrong-pass"}, std::pair{"nobody", "app-pass"}}) {
            RedisSettings bad = app;
            bad.username = QLatin1String(user);
            bad.password = Secret(QLatin1String(password));
            RedisConnection badConnection(bad);
            const Status denied = badConnection.connect();
            QVERIFY(!denied.ok());
            QCOMPARE(denied.error().kind, ErrorKind::Auth);
            QVERIFY(!denied.error().message.contains(QLatin1String(password)));
        }
        // The URL form reaches the same user.
        auto fromUrl = RedisSettings::fromUrl(QStringLiteral("redis://tiersync-app:app-pass@127.0.0.1:%1/0").arg(server.port()));
        VERIFY_OK(fromUrl);
        RedisConnection viaUrl(*fromUrl);
        auto who = viaUrl.command({"ACL", "WHOAMI"});
        VERIFY_OK(who);
        QCOMPARE(who->bytes(), QByteArray("tiersync-app"));
    }

    void badDatabaseIsAnError()
    {
        RedisSettings settings = m_settings;
        settings.db = 100000;
        RedisConnection connection(settings);
        const Status status = connection.connect();
        QVERIFY(!status.ok());
        QVERIFY2(status.error().message.contains(QLatin1String("SELECT")), qPrintable(status.error().message));
        QVERIFY(!connection.isConnected());
    }

    void unreachablePortFailsFast()
    {
        RedisSettings settings = m_settings;
        settings.port = PrivateRedisServer::freePort();
        settings.connectTimeoutMs = 500;
        RedisConnection connection(settings);
        auto reply = connection.get("k");
        QVERIFY(!reply.ok());
        QVERIFY2(reply.error().kind == ErrorKind::Unavailable || reply.error().kind == ErrorKind::Timeout,
                 qPrintable(reply.error().toString()));
        QVERIFY(reply.error().message.contains(QString::number(settings.port)));
    }

    void reconnectsAfterClientKill()
    {
        RedisConnection victim(m_settings);
        RedisConnection killer(m_settings);
        VERIFY_OK(victim.set(key("kill"), "survives"));
        const qint64 id = *victim.clientId();

        auto killed = killer.command({"CLIENT", "KILL", "ID", QByteArray::number(id)});
        VERIFY_OK(killed);
        QCOMPARE(killed->integerValue(), qint64(1));

        auto got = victim.get(key("kill"));
        VERIFY_OK(got);
        QCOMPARE(got->value_or(QByteArray()), QByteArray("survives"));
        QCOMPARE(victim.connectCount(), 2);
        const qint64 newId = *victim.clientId();
        QVERIFY(newId != id);

        // Not only safe commands: the dead connection is replaced before INCR is sent.
        VERIFY_OK(killer.command({"CLIENT", "KILL", "ID", QByteArray::number(newId)}));
        auto incr = victim.command({"INCR", key("kill:counter")});
        VERIFY_OK(incr);
        QCOMPARE(incr->integerValue(), qint64(1));
        QCOMPARE(victim.connectCount(), 3);
    }

    void reconnectsAfterServerRestart()
    {
        PrivateRedisServer server;
        VERIFY_OK(server.start());
        const quint16 port = server.port();
        RedisConnection connection(server.settings());
        VERIFY_OK(connection.set("restart", "before"));

        server.kill();
        // Fails with an error, several times in a row, rather than hanging.
        for (int attempt = 0; attempt < 3; ++attempt) {
            auto down = connection.get("restart");
            QVERIFY(!down.ok());
            QVERIFY2(down.error().kind == ErrorKind::Unavailable || down.error().kind == ErrorKind::Timeout,
                     qPrintable(down.error().toString()));
            QVERIFY(!connection.isConnected());
        }
        QVERIFY(!connection.pipeline({{"PING"}, {"PING"}}).ok());

        VERIFY_OK(server.start(port));
        // Persistence is off: the restarted server is empty, and the same object works.
        auto after = connection.get("restart");
        VERIFY_OK(after);
        QVERIFY(!after->has_value());
        VERIFY_OK(connection.set("restart", "after"));
        QCOMPARE(connection.get("restart")->value_or(QByteArray()), QByteArray("after"));
        QVERIFY(connection.isConnected());
        QVERIFY(connection.connectCount() >= 2);
    }

    void reconnectsInsideBatchAfterRestart()
    {
        PrivateRedisServer server;
        VERIFY_OK(server.start());
        RedisConnection connection(server.settings());
        RedisBatch batch(connection);
        VERIFY_OK(connection.ping());
        server.kill();
        QVERIFY(!batch.getMany({"a", "b"}).ok());
        VERIFY_OK(server.start(server.port()));
        auto values = batch.getMany({"a", "b"});
        VERIFY_OK(values);
        QCOMPARE(values->size(), 2);
    }

    void perThreadConnections()
    {
        RedisConnection &mine = RedisConnection::forCurrentThread(m_settings);
        QCOMPARE(&RedisConnection::forCurrentThread(m_settings), &mine);
        const qint64 myId = *mine.clientId();
        QCOMPARE(*RedisConnection::forCurrentThread(m_settings).clientId(), myId);

        // Other settings, other connection.
        RedisSettings other = m_settings;
        other.commandTimeoutMs += 1;
        QVERIFY(&RedisConnection::forCurrentThread(other) != &mine);

        qint64 idA = -1;
        qint64 idB = -1;
        qint64 idARepeat = -2;
        bool sameObjectA = false;
        auto runner = [this](qint64 *id, qint64 *repeat, bool *same) {
            return QThread::create([=, this] {
                RedisConnection &connection = RedisConnection::forCurrentThread(m_settings);
                *id = connection.clientId().valueOr(-1);
                if (repeat != nullptr) {
                    RedisConnection &again = RedisConnection::forCurrentThread(m_settings);
                    *same = &again == &connection;
                    *repeat = again.clientId().valueOr(-3);
                }
                RedisConnection::dropForCurrentThread();
            });
        };
        std::unique_ptr<QThread> threadA(runner(&idA, &idARepeat, &sameObjectA));
        std::unique_ptr<QThread> threadB(runner(&idB, nullptr, nullptr));
        threadA->start();
        threadB->start();
        QVERIFY(threadA->wait(30000));
        QVERIFY(threadB->wait(30000));
        QVERIFY(idA > 0);
        QVERIFY(idB > 0);
        QVERIFY(idA != myId);
        QVERIFY(idB != myId);
        QVERIFY(idA != idB);
        QVERIFY(sameObjectA);
        QCOMPARE(idARepeat, idA);

        RedisConnection::dropForCurrentThread();
        const qint64 fresh = *RedisConnection::forCurrentThread(m_settings).clientId();
        QVERIFY(fresh != myId);
    }
};

QTEST_GUILESS_MAIN(TestRedisConnection)
#include "tst_redisconnection.moc"
