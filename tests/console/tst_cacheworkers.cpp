#include "cache/cachekeys.h"
#include "cache/endpointregistry.h"
#include "console/studentworker.h"
#include "console/workerthreads.h"
#include "redis/redisconnection.h"
#include "scratchprofile.h"
#include "testsandbox.h"
#include "verifyok.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace tiersync;

namespace {

// This test class's own Redis database: tests share the fixture's server.
constexpr int kDb = 56;
constexpr int kTimeoutMs = 60000;
constexpr qint64 kStudent = 7;

}  // namespace

// StudentWorker on a console thread (WorkerThreads), driven through queued calls as the
// Students page drives it, against the fixture's Redis, zoho-sim and a scratch database.
// (The Cache page's engine side is tested by tst_cacheadminservice.)
class TestCacheWorkers final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::ScratchProfile> m_scratch;
    ConnectionProfile m_profile;

    qint64 keysOfStudent(qint64 id)
    {
        QList<QByteArray> keys;
        for (const QString &endpoint : EndpointRegistry::builtIn().value().names())
            keys.append(cachekeys::endpointKey(endpoint, id));
        return RedisConnection(m_profile.redis).exists(keys).valueOr(-1);
    }

    StudentLookup lookup(StudentWorker *worker, quint64 requestId, qint64 id, const QString &endpoint, bool force)
    {
        QSignalSpy finished(worker, &StudentWorker::lookupFinished);
        QSignalSpy failed(worker, &StudentWorker::lookupFailed);
        QMetaObject::invokeMethod(
            worker, [worker, requestId, id, endpoint, force] { worker->lookup(requestId, id, endpoint, force); },
            Qt::QueuedConnection);
        [&] { QTRY_VERIFY_WITH_TIMEOUT(finished.size() + failed.size() == 1, kTimeoutMs); }();
        if (finished.isEmpty())
            return StudentLookup{};
        return finished.first().first().value<StudentLookup>();
    }

private Q_SLOTS:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("cacheworkers"), kDb);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
        m_profile = m_scratch->profile();
    }

    void init() { VERIFY_OK(RedisConnection(m_profile.redis).command({"FLUSHDB"})); }
    void cleanupTestCase() { (void)RedisConnection(m_profile.redis).command({"FLUSHDB"}); }

    void studentReadsEveryTierThenInvalidates()
    {
        WorkerThreads threads;
        auto *worker = new StudentWorker;
        threads.adopt(worker, QStringLiteral("students"));
        QMetaObject::invokeMethod(worker, [this, worker] { worker->setProfile(m_profile); }, Qt::QueuedConnection);

        // Force refresh: every registered endpoint, fresh from Zoho.
        StudentLookup refreshed = lookup(worker, 1, kStudent, {}, true);
        QCOMPARE(refreshed.requestId, quint64(1));
        QCOMPARE(refreshed.moodleUserId, kStudent);
        QCOMPARE(refreshed.reads.size(), 5);
        for (const StudentEndpointRead &read : std::as_const(refreshed.reads)) {
            QVERIFY2(read.ok, qPrintable(read.endpoint + QLatin1String(": ") + read.error));
            QCOMPARE(readSourceName(read.source), QStringLiteral("zoho"));
            QCOMPARE(read.httpStatus, 200);
            QVERIFY(read.latencyUs > 0);
        }
        QCOMPARE(refreshed.reads.first().endpoint, QStringLiteral("profile"));
        QVERIFY(refreshed.reads.first().dataJson.contains("\"Moodle_User_ID\":\"7\""));
        QCOMPARE(keysOfStudent(kStudent), 5);

        // Read again: Redis answers.
        StudentLookup cached = lookup(worker, 2, kStudent, {}, false);
        QCOMPARE(cached.reads.size(), 5);
        for (const StudentEndpointRead &read : std::as_const(cached.reads))
            QCOMPARE(readSourceName(read.source), QStringLiteral("redis"));

        // One endpoint only.
        StudentLookup one = lookup(worker, 3, kStudent, QStringLiteral("academics"), true);
        QCOMPARE(one.reads.size(), 1);
        QCOMPARE(one.reads.first().endpoint, QStringLiteral("academics"));
        QCOMPARE(readSourceName(one.reads.first().source), QStringLiteral("zoho"));

        // Invalidate: the dry run counts, the real one deletes, PostgreSQL answers next.
        QSignalSpy invalidated(worker, &StudentWorker::studentInvalidated);
        QMetaObject::invokeMethod(worker, [worker] { worker->invalidate(4, kStudent, true); }, Qt::QueuedConnection);
        QTRY_COMPARE_WITH_TIMEOUT(invalidated.size(), 1, kTimeoutMs);
        QCOMPARE(invalidated.first().at(2).toBool(), true);
        QCOMPARE(invalidated.first().at(3).toLongLong(), 5);
        QCOMPARE(keysOfStudent(kStudent), 5);
        QMetaObject::invokeMethod(worker, [worker] { worker->invalidate(5, kStudent, false); }, Qt::QueuedConnection);
        QTRY_COMPARE_WITH_TIMEOUT(invalidated.size(), 2, kTimeoutMs);
        QCOMPARE(invalidated.at(1).at(3).toLongLong(), 5);
        QCOMPARE(keysOfStudent(kStudent), 0);
        StudentLookup fromPg = lookup(worker, 6, kStudent, {}, false);
        for (const StudentEndpointRead &read : std::as_const(fromPg.reads))
            QCOMPARE(readSourceName(read.source), QStringLiteral("postgres"));
    }

    void studentRefusesBadInput()
    {
        WorkerThreads threads;
        auto *worker = new StudentWorker;
        threads.adopt(worker, QStringLiteral("students"));
        QSignalSpy failed(worker, &StudentWorker::lookupFailed);
        QMetaObject::invokeMethod(worker, [worker] { worker->lookup(1, kStudent, {}, false); }, Qt::QueuedConnection);
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, kTimeoutMs);
        QVERIFY(failed.first().at(1).toString().contains(QStringLiteral("No connection profile")));

        QMetaObject::invokeMethod(worker, [this, worker] { worker->setProfile(m_profile); }, Qt::QueuedConnection);
        QMetaObject::invokeMethod(worker, [worker] { worker->lookup(2, 0, {}, false); }, Qt::QueuedConnection);
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 2, kTimeoutMs);
        QCOMPARE(failed.at(1).at(0).toULongLong(), quint64(2));
        QVERIFY(failed.at(1).at(1).toString().contains(QStringLiteral("Moodle user id")));
        QMetaObject::invokeMethod(worker, [worker] { worker->lookup(3, kStudent, QStringLiteral("nope"), false); },
                                  Qt::QueuedConnection);
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 3, kTimeoutMs);
        QVERIFY(failed.at(2).at(1).toString().contains(QStringLiteral("not a dashboard endpoint")));
        // Nothing was read or cached; the only keys are the process's heartbeat.
        auto keys = RedisConnection(m_profile.redis).command({"KEYS", "*"});
        VERIFY_OK(keys);
        for (const RedisReply &key : keys->elements())
            QVERIFY2(key.bytes().startsWith("tiersync:v1:instance"), key.bytes().constData());
    }

    void studentWithZohoDownSaysSo()
    {
        ConnectionProfile down = m_profile;
        // Nothing listens on port 1: Zoho is unreachable, and student 9 was never cached.
        down.zoho.apiBase = QStringLiteral("http://127.0.0.1:1");
        down.zoho.accountsUrl = QStringLiteral("http://127.0.0.1:1");
        WorkerThreads threads;
        auto *worker = new StudentWorker;
        threads.adopt(worker, QStringLiteral("students"));
        QMetaObject::invokeMethod(worker, [down, worker] { worker->setProfile(down); }, Qt::QueuedConnection);
        StudentLookup result = lookup(worker, 1, 9, QStringLiteral("profile"), false);
        QCOMPARE(result.reads.size(), 1);
        const StudentEndpointRead &read = result.reads.first();
        QVERIFY(!read.ok);
        QCOMPARE(read.httpStatus, 503);
        QVERIFY2(read.error.contains(QStringLiteral("503")), qPrintable(read.error));
        QVERIFY2(read.error.contains(QStringLiteral("Zoho")), qPrintable(read.error));
    }
};

QTEST_MAIN(TestCacheWorkers)
#include "tst_cacheworkers.moc"
