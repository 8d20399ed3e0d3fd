// EngineKeyBrowserService, the Keys page's Redis side, against the fixture's Redis: a
// scan lists every key once over several pages and sizes itself, an older scan's page
// is refused, each type's details are read (and cut at their limits), deletes count what
// existed, a pattern is counted then deleted (and a pattern matching everything is
// refused), an unreachable Redis is said in words naming Redis. Cancelling a count or a
// pattern delete is tested on a Redis the test holds between two SCAN steps, so the
// cancel is known to land mid-walk.
#include "console/enginekeybrowserservice.h"
#include "console/servicethread.h"
#include "redis/redisconnection.h"
#include "scratchprofile.h"
#include "testsandbox.h"
#include "verifyok.h"

#include <QSet>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>

using namespace tiersync;

namespace {

// This test class's own Redis database: tests share the fixture's server.
constexpr int kDb = 80;
constexpr int kTimeoutMs = 60000;

QByteArray bulk(const QByteArray &value)
{
    return '$' + QByteArray::number(value.size()) + "\r\n" + value + "\r\n";
}

// A Redis of the test's own that answers SCAN with two keys and a cursor that goes on,
// and holds every SCAN after the first until release(); UNLINK answers how many keys it
// was given, anything else +OK. So a walk reports one step, then waits.
class HeldRedis final {
public:
    HeldRedis()
    {
        QObject::connect(&m_server, &QTcpServer::newConnection, &m_server, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
                    m_buffer[socket] += socket->readAll();
                    answer(socket);
                });
            }
        });
    }
    [[nodiscard]] bool listen() { return m_server.listen(QHostAddress::LocalHost); }
    [[nodiscard]] RedisSettings settings() const
    {
        RedisSettings settings;
        settings.host = QStringLiteral("127.0.0.1");
        settings.port = m_server.serverPort();
        return settings;
    }
    [[nodiscard]] int scans() const { return m_scans; }
    void release()
    {
        m_released = true;
        for (QTcpSocket *socket : std::as_const(m_held))
            reply(socket, scanReply());
        m_held.clear();
    }

private:
    // Whole commands from the buffer (RESP arrays of bulk strings), answered in order.
    void answer(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffer[socket];
        for (;;) {
            QList<QByteArray> argv;
            qsizetype at = 0;
            if (!parse(buffer, &at, &argv))
                return;
            buffer.remove(0, at);
            const QByteArray name = argv.value(0).toUpper();
            if (name == "SCAN") {
                ++m_scans;
                if (m_scans > 1 && !m_released) {
                    m_held.append(socket);
                    continue;
                }
                reply(socket, scanReply());
            } else if (name == "UNLINK") {
                reply(socket, ':' + QByteArray::number(argv.size() - 1) + "\r\n");
            } else {
                reply(socket, "+OK\r\n");
            }
        }
    }
    static bool parse(const QByteArray &buffer, qsizetype *at, QList<QByteArray> *argv)
    {
        const qsizetype header = buffer.indexOf("\r\n");
        if (header < 0 || !buffer.startsWith('*'))
            return false;
        const int count = buffer.mid(1, header - 1).toInt();
        qsizetype pos = header + 2;
        for (int i = 0; i < count; ++i) {
            const qsizetype line = buffer.indexOf("\r\n", pos);
            if (line < 0)
                return false;
            const int length = buffer.mid(pos + 1, line - pos - 1).toInt();
            if (buffer.size() < line + 2 + length + 2)
                return false;
            argv->append(buffer.mid(line + 2, length));
            pos = line + 2 + length + 2;
        }
        *at = pos;
        return true;
    }
    QByteArray scanReply()
    {
        ++m_served;
        return "*2\r\n" + bulk("7") + "*2\r\n" + bulk("held:" + QByteArray::number(2 * m_served - 1))
               + bulk("held:" + QByteArray::number(2 * m_served));
    }
    static void reply(QTcpSocket *socket, const QByteArray &bytes)
    {
        socket->write(bytes);
        socket->flush();
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffer;
    QList<QTcpSocket *> m_held;
    int m_scans = 0;
    int m_served = 0;
    bool m_released = false;
};

ServiceError errorOf(const QSignalSpy &failed, int at = 0)
{
    return failed.at(at).at(2).value<ServiceError>();
}

}  // namespace

class TestKeyBrowserService final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::ScratchProfile> m_scratch;
    RedisSettings m_redis;
    std::unique_ptr<EngineKeyBrowserService> m_service;

    // Every page of the scan, asked one after another as the page asks them.
    QList<QByteArray> scanAll(quint64 scan, int *pages)
    {
        QSignalSpy loaded(m_service.get(), &KeyBrowserService::pageLoaded);
        QSignalSpy failed(m_service.get(), &KeyBrowserService::failed);
        QList<QByteArray> keys;
        *pages = 0;
        for (bool atEnd = false; !atEnd && failed.isEmpty();) {
            m_service->fetchPage(scan);
            [&] { QTRY_VERIFY_WITH_TIMEOUT(loaded.size() + failed.size() == *pages + 1, kTimeoutMs); }();
            if (!failed.isEmpty())
                break;
            const QList<QVariant> page = loaded.at(*pages);
            ++*pages;
            [&] { QCOMPARE(page.at(0).toULongLong(), scan); }();
            keys.append(page.at(1).value<QList<QByteArray>>());
            atEnd = page.at(2).toBool();
        }
        [&] { QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(errorOf(failed).describe())); }();
        return keys;
    }

    KeyDetails details(const QByteArray &key)
    {
        QSignalSpy loaded(m_service.get(), &KeyBrowserService::detailsLoaded);
        QSignalSpy failed(m_service.get(), &KeyBrowserService::failed);
        const quint64 request = m_service->loadDetails(key);
        [&] {
            QTRY_VERIFY_WITH_TIMEOUT(loaded.size() + failed.size() == 1, kTimeoutMs);
            QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(errorOf(failed).describe()));
            QCOMPARE(loaded.first().at(0).toULongLong(), request);
        }();
        return loaded.isEmpty() ? KeyDetails{} : loaded.first().at(1).value<KeyDetails>();
    }

    RedisConnection redis() { return RedisConnection(m_redis); }

private Q_SLOTS:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("keybrowser"), kDb);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
        m_redis = m_scratch->profile().redis;
    }

    void init()
    {
        VERIFY_OK(RedisConnection(m_redis).command({"FLUSHDB"}));
        // A loading thread of the test's, shared as the console shares its own.
        m_service = std::make_unique<EngineKeyBrowserService>(std::make_shared<ServiceThread>(QStringLiteral("loads")));
        m_service->setSettings(m_redis);
    }
    void cleanup() { m_service.reset(); }
    void cleanupTestCase() { (void)RedisConnection(m_redis).command({"FLUSHDB"}); }

    void scanListsEveryKeyOnceInPages()
    {
        RedisConnection r = redis();
        for (int i = 0; i < 30; ++i)
            QVERIFY(r.set("tiersync:v1:ep:grades:" + QByteArray::number(i), R"({"score":)" + QByteArray::number(i) + "}").ok());
        QVERIFY(r.hset("tiersync:v1:state:items:1", {{"content_hash", "abc"}, {"local_id", "7"}}).ok());

        QSignalSpy sized(m_service.get(), &KeyBrowserService::scanSized);
        const quint64 scan = m_service->startScan({}, 5);
        QVERIFY(scan != 0);
        int pages = 0;
        const QList<QByteArray> keys = scanAll(scan, &pages);
        QCOMPARE(QSet<QByteArray>(keys.cbegin(), keys.cend()).size(), 31);
        QVERIFY2(pages > 1, "COUNT 5 over 31 keys takes several pages");
        QCOMPARE(sized.size(), 1);
        QCOMPARE(sized.first().at(0).toULongLong(), scan);
        QCOMPARE(sized.first().at(1).toLongLong(), 31);

        // A filter: only the hash, by the pattern the page makes of a prefix.
        const quint64 filtered = m_service->startScan("tiersync:v1:state:*", 1000);
        QVERIFY(filtered > scan);
        QCOMPARE(scanAll(filtered, &pages), QList<QByteArray>{"tiersync:v1:state:items:1"});
        const quint64 glob = m_service->startScan("tiersync:v1:ep:grades:1*", 1000);
        QCOMPARE(scanAll(glob, &pages).size(), 11);  // 1, 10..19

        // The page of an older scan is refused: the page asks again with the newest.
        QSignalSpy failed(m_service.get(), &KeyBrowserService::failed);
        m_service->fetchPage(scan);
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, kTimeoutMs);
        QCOMPARE(failed.first().at(0).value<KeyBrowserService::Request>(), KeyBrowserService::Request::Scan);
        QCOMPARE(failed.first().at(1).toULongLong(), scan);
        QVERIFY(!errorOf(failed).service);
        QVERIFY2(errorOf(failed).describe().contains(QStringLiteral("out of date")), qPrintable(errorOf(failed).describe()));
    }

    void detailsOfEveryType()
    {
        RedisConnection r = redis();
        VERIFY_OK(r.command({"SET", "s", R"({"score":12})", "EX", "200"}));
        QVERIFY(r.hset("h", {{"content_hash", "abc"}, {"local_id", "7"}}).ok());
        VERIFY_OK(r.command({"RPUSH", "l", "a", "b", "c"}));
        VERIFY_OK(r.command({"SADD", "set", "x", "y"}));
        VERIFY_OK(r.command({"ZADD", "z", "1.5", "m"}));
        VERIFY_OK(r.command({"XADD", "x", "1-1", "f", "v", "g", "w"}));
        QList<QByteArray> many{"RPUSH", "long"};
        for (int i = 0; i <= KeyDetails::kMaxElements; ++i)
            many.append(QByteArray::number(i));
        VERIFY_OK(r.command(many));

        KeyDetails s = details("s");
        QCOMPARE(s.key, QByteArray("s"));
        QCOMPARE(s.type, QStringLiteral("string"));
        QCOMPARE(s.value, QByteArray(R"({"score":12})"));
        QCOMPARE(s.length, 12);
        QVERIFY(s.ttlSeconds > 0 && s.ttlSeconds <= 200);
        QVERIFY(s.memoryBytes > 0);
        QVERIFY(!s.truncated);

        KeyDetails h = details("h");
        QCOMPARE(h.type, QStringLiteral("hash"));
        QCOMPARE(h.length, 2);
        QCOMPARE(h.elements.size(), 2);
        QVERIFY(h.elements.contains(qMakePair(QByteArray("local_id"), QByteArray("7"))));
        QCOMPARE(h.ttlSeconds, -1);

        KeyDetails l = details("l");
        QCOMPARE(l.type, QStringLiteral("list"));
        QCOMPARE(l.elements.size(), 3);
        QCOMPARE(l.elements.at(2), qMakePair(QByteArray("2"), QByteArray("c")));

        KeyDetails set = details("set");
        QCOMPARE(set.type, QStringLiteral("set"));
        QCOMPARE(set.length, 2);
        QCOMPARE(set.elements.size(), 2);

        KeyDetails z = details("z");
        QCOMPARE(z.type, QStringLiteral("zset"));
        QCOMPARE(z.elements, (QList<QPair<QByteArray, QByteArray>>{{"m", "1.5"}}));

        KeyDetails x = details("x");
        QCOMPARE(x.type, QStringLiteral("stream"));
        QCOMPARE(x.elements, (QList<QPair<QByteArray, QByteArray>>{{"1-1", "f=v g=w"}}));

        KeyDetails cut = details("long");
        QCOMPARE(cut.length, KeyDetails::kMaxElements + 1);
        QCOMPARE(cut.elements.size(), KeyDetails::kMaxElements);
        QVERIFY(cut.truncated);

        KeyDetails gone = details("no-such-key");
        QVERIFY(!gone.exists());
        QCOMPARE(gone.ttlSeconds, -2);
    }

    void deleteCountsWhatExisted()
    {
        RedisConnection r = redis();
        for (const char *key : {"a:1", "a:2", "a:3"})
            QVERIFY(r.set(key, "1").ok());
        QSignalSpy deleted(m_service.get(), &KeyBrowserService::keysDeleted);
        const QList<QByteArray> keys{"a:1", "a:2", "a:gone"};
        const quint64 request = m_service->deleteKeys(keys);
        QTRY_COMPARE_WITH_TIMEOUT(deleted.size(), 1, kTimeoutMs);
        QCOMPARE(deleted.first().at(0).toULongLong(), request);
        QCOMPARE(deleted.first().at(1).value<QList<QByteArray>>(), keys);
        QCOMPARE(deleted.first().at(2).toLongLong(), 2);
        QCOMPARE(*r.exists({"a:1", "a:2"}), 0);
        QCOMPARE(*r.exists({"a:3"}), 1);
    }

    void patternCountedThenDeleted()
    {
        RedisConnection r = redis();
        for (int i = 0; i < 25; ++i)
            QVERIFY(r.set("tiersync:v1:ep:fees:" + QByteArray::number(i), "{}").ok());
        QVERIFY(r.set("tiersync:v1:ep:grades:1", "{}").ok());
        const QByteArray match = "tiersync:v1:ep:fees:*";

        QSignalSpy progress(m_service.get(), &KeyBrowserService::patternProgress);
        QSignalSpy counted(m_service.get(), &KeyBrowserService::matchCounted);
        QSignalSpy deleted(m_service.get(), &KeyBrowserService::matchDeleted);
        QSignalSpy failed(m_service.get(), &KeyBrowserService::failed);
        const quint64 count = m_service->countMatching(match);
        QTRY_COMPARE_WITH_TIMEOUT(counted.size(), 1, kTimeoutMs);
        QCOMPARE(counted.first().at(0).toULongLong(), count);
        QCOMPARE(counted.first().at(1).toByteArray(), match);
        QCOMPARE(counted.first().at(2).toLongLong(), 25);
        QVERIFY(!progress.isEmpty());
        QCOMPARE(progress.last().at(0).toULongLong(), count);
        QCOMPARE(progress.last().at(2).toLongLong(), 25);
        QCOMPARE(*r.dbsize(), 26);  // a dry run deletes nothing

        const quint64 removal = m_service->deleteMatching(match);
        QVERIFY(removal > count);
        QTRY_COMPARE_WITH_TIMEOUT(deleted.size(), 1, kTimeoutMs);
        QCOMPARE(deleted.first().at(0).toULongLong(), removal);
        QCOMPARE(deleted.first().at(2).toLongLong(), 25);
        QCOMPARE(*r.dbsize(), 1);
        QVERIFY(failed.isEmpty());

        // A pattern that matches every key is no invalidation: refused, nothing goes.
        for (const QByteArray &everything : {QByteArray(), QByteArray("*"), QByteArray("**")}) {
            failed.clear();
            const quint64 refused = m_service->deleteMatching(everything);
            QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, kTimeoutMs);
            QCOMPARE(failed.first().at(0).value<KeyBrowserService::Request>(), KeyBrowserService::Request::DeleteMatching);
            QCOMPARE(failed.first().at(1).toULongLong(), refused);
            QCOMPARE(errorOf(failed).error.kind, ErrorKind::InvalidArgument);
            QVERIFY(errorOf(failed).describe().contains(QStringLiteral("matches every key")));
        }
        QCOMPARE(*r.dbsize(), 1);
    }

    void unreachableRedisIsNamed()
    {
        RedisSettings nowhere = m_redis;
        nowhere.host = QStringLiteral("127.0.0.1");
        nowhere.port = 1;  // nothing listens there
        m_service->setSettings(nowhere);
        QSignalSpy failed(m_service.get(), &KeyBrowserService::failed);
        const quint64 scan = m_service->startScan({}, 1000);
        m_service->fetchPage(scan);
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, kTimeoutMs);
        QCOMPARE(failed.first().at(1).toULongLong(), scan);
        QCOMPARE(errorOf(failed).service, std::optional(ConnectionCheck::Service::Redis));
        QVERIFY2(errorOf(failed).describe().contains(QStringLiteral("Cannot reach Redis. Is it running")),
                 qPrintable(errorOf(failed).describe()));
        const quint64 count = m_service->countMatching("a:*");
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 2, kTimeoutMs);
        QCOMPARE(failed.at(1).at(0).value<KeyBrowserService::Request>(), KeyBrowserService::Request::CountMatching);
        QCOMPARE(failed.at(1).at(1).toULongLong(), count);
        QCOMPARE(errorOf(failed, 1).service, std::optional(ConnectionCheck::Service::Redis));
    }

    void cancelStopsACountMidWalk()
    {
        HeldRedis held;
        QVERIFY(held.listen());
        m_service->setSettings(held.settings());
        QSignalSpy progress(m_service.get(), &KeyBrowserService::patternProgress);
        QSignalSpy counted(m_service.get(), &KeyBrowserService::matchCounted);
        QSignalSpy failed(m_service.get(), &KeyBrowserService::failed);
        const quint64 request = m_service->countMatching("held:*");
        // One step reported; the second SCAN waits.
        QTRY_COMPARE_WITH_TIMEOUT(progress.size(), 1, kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(held.scans(), 2, kTimeoutMs);
        QCOMPARE(progress.first().at(2).toLongLong(), 2);
        m_service->cancel(request + 1000);  // no such request: nothing happens
        m_service->cancel(request);
        held.release();
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, kTimeoutMs);
        QCOMPARE(failed.first().at(0).value<KeyBrowserService::Request>(), KeyBrowserService::Request::CountMatching);
        QCOMPARE(failed.first().at(1).toULongLong(), request);
        QCOMPARE(errorOf(failed).error.kind, ErrorKind::Cancelled);
        QVERIFY(!errorOf(failed).service);
        QCOMPARE(errorOf(failed).describe(), QStringLiteral("Counting was cancelled."));
        QVERIFY(counted.isEmpty());
        QCOMPARE(held.scans(), 2);  // the walk went no further
    }

    void cancelStopsAPatternDeleteWithWhatItRemoved()
    {
        HeldRedis held;
        QVERIFY(held.listen());
        m_service->setSettings(held.settings());
        QSignalSpy progress(m_service.get(), &KeyBrowserService::patternProgress);
        QSignalSpy deleted(m_service.get(), &KeyBrowserService::matchDeleted);
        const quint64 request = m_service->deleteMatching("held:*");
        QTRY_COMPARE_WITH_TIMEOUT(progress.size(), 1, kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(held.scans(), 2, kTimeoutMs);
        m_service->cancel(request);
        held.release();
        // The step under way is unlinked, then the walk stops: 2 + 2 keys.
        QTRY_COMPARE_WITH_TIMEOUT(deleted.size(), 1, kTimeoutMs);
        QCOMPARE(deleted.first().at(0).toULongLong(), request);
        QCOMPARE(deleted.first().at(2).toLongLong(), 4);
        QCOMPARE(held.scans(), 2);
    }

    void stopWaitsForTheStepUnderWayThenRefusesCalls()
    {
        HeldRedis held;
        QVERIFY(held.listen());
        m_service->setSettings(held.settings());
        const quint64 request = m_service->countMatching("held:*");
        QTRY_COMPARE_WITH_TIMEOUT(held.scans(), 2, kTimeoutMs);
        // stop() waits for the step under way, which the released Redis ends (its reply
        // is on the wire before this thread blocks in stop(), and the cancel keeps the
        // walk from asking this thread's Redis for more while it waits).
        m_service->cancel(request);
        held.release();
        m_service->stop();
        QCOMPARE(held.scans(), 2);
        QCOMPARE(m_service->startScan({}, 10), quint64(0));
        QCOMPARE(m_service->loadDetails("a"), quint64(0));
        QCOMPARE(m_service->deleteKeys({"a"}), quint64(0));
        QCOMPARE(m_service->countMatching("a*"), quint64(0));
        QCOMPARE(m_service->deleteMatching("a*"), quint64(0));
    }
};

QTEST_GUILESS_MAIN(TestKeyBrowserService)
#include "tst_keybrowserservice.moc"
