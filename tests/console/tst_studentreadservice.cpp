// EngineStudentReadService, the Students page's reads, against the fixture's Redis,
// PostgreSQL and zoho-sim: every tier answers in turn (Zoho on a forced refresh, then
// Redis, then PostgreSQL once the student's keys are invalidated), bad input and a
// missing profile are refused in words naming no server, Zoho down is said in words
// with the API's 503, and cancel stops a lookup before its next endpoint (only that
// lookup), with a Zoho the test holds so the read under way is known to be under way.
#include "cache/cachekeys.h"
#include "cache/endpointregistry.h"
#include "console/enginestudentreadservice.h"
#include "host/engineservices.h"
#include "redis/redisconnection.h"
#include "scratchprofile.h"
#include "testsandbox.h"
#include "verifyok.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>

using namespace tiersync;

namespace {

// This test class's own Redis database: tests share the fixture's server.
constexpr int kDb = 81;
constexpr int kTimeoutMs = 60000;
constexpr qint64 kStudent = 7;
// Never read by another test here: PostgreSQL holds no copy of it to answer with.
constexpr qint64 kUnreadStudent = 11;

// A Zoho that holds every request until release(), then refuses each with 400 (so the
// read under way ends at once, without retries).
class HeldZoho final {
public:
    HeldZoho()
    {
        QObject::connect(&m_server, &QTcpServer::newConnection, &m_server, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                m_sockets.append(socket);
                QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
                    socket->readAll();
                    ++m_requests;
                    if (m_released)
                        refuse(socket);
                });
            }
        });
    }
    [[nodiscard]] bool listen() { return m_server.listen(QHostAddress::LocalHost); }
    [[nodiscard]] QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()); }
    [[nodiscard]] int requests() const { return m_requests; }
    void release()
    {
        m_released = true;
        for (QTcpSocket *socket : std::as_const(m_sockets)) {
            if (socket->state() == QAbstractSocket::ConnectedState)
                refuse(socket);
        }
    }

private:
    static void refuse(QTcpSocket *socket)
    {
        socket->write("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                      "Connection: close\r\n\r\n{}");
        socket->flush();  // now: the test may block this thread next (stop() waits)
        socket->disconnectFromHost();
    }

    QTcpServer m_server;
    QList<QTcpSocket *> m_sockets;
    int m_requests = 0;
    bool m_released = false;
};

}  // namespace

class TestStudentReadService final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::ScratchProfile> m_scratch;
    ConnectionProfile m_profile;

    // The test's profile with Zoho (its API and its accounts server) at this address.
    ConnectionProfile zohoAt(const QString &url) const
    {
        ConnectionProfile profile = m_profile;
        profile.zoho.apiBase = url;
        profile.zoho.accountsUrl = url;
        return profile;
    }

    qint64 keysOfStudent(qint64 id)
    {
        QList<QByteArray> keys;
        for (const QString &endpoint : EndpointRegistry::builtIn().value().names())
            keys.append(cachekeys::endpointKey(endpoint, id));
        return RedisConnection(m_profile.redis).exists(keys).valueOr(-1);
    }

    // One lookup's answer; an empty lookup (and a failed comparison) when it failed.
    static StudentLookup lookup(StudentReadService &service, qint64 id, const QString &endpoint, bool force)
    {
        QSignalSpy finished(&service, &StudentReadService::lookupFinished);
        QSignalSpy failed(&service, &StudentReadService::failed);
        const quint64 request = service.lookup(id, endpoint, force);
        [&] {
            QVERIFY(request != 0);
            QTRY_VERIFY_WITH_TIMEOUT(finished.size() + failed.size() == 1, kTimeoutMs);
            QVERIFY2(failed.isEmpty(),
                     qPrintable(failed.isEmpty() ? QString() : failed.first().at(2).value<ServiceError>().describe()));
        }();
        if (finished.isEmpty())
            return StudentLookup{};
        const auto answer = finished.first().first().value<StudentLookup>();
        [&] { QCOMPARE(answer.requestId, request); }();
        return answer;
    }

    // The failure of one call.
    static ServiceError failure(StudentReadService &service, const std::function<quint64()> &call,
                                StudentReadService::Request expected)
    {
        QSignalSpy failed(&service, &StudentReadService::failed);
        const quint64 request = call();
        [&] {
            QVERIFY(request != 0);
            QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, kTimeoutMs);
            QCOMPARE(failed.first().at(0).value<StudentReadService::Request>(), expected);
            QCOMPARE(failed.first().at(1).toULongLong(), request);
        }();
        return failed.isEmpty() ? ServiceError{} : failed.first().at(2).value<ServiceError>();
    }

private Q_SLOTS:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("studentreads"), kDb);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
        m_profile = m_scratch->profile();
    }

    void init() { VERIFY_OK(RedisConnection(m_profile.redis).command({"FLUSHDB"})); }
    void cleanupTestCase() { (void)RedisConnection(m_profile.redis).command({"FLUSHDB"}); }

    void readsEveryTierThenInvalidates()
    {
        EngineStudentReadService service(std::make_shared<EngineServicesPool>(), {});
        service.setProfile(m_profile);

        // Force refresh: every registered endpoint, fresh from Zoho.
        StudentLookup refreshed = lookup(service, kStudent, {}, true);
        QCOMPARE(refreshed.moodleUserId, kStudent);
        QVERIFY(refreshed.forceRefresh);
        QVERIFY(!refreshed.cancelled);
        QVERIFY(refreshed.cachingEnabled);
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
        StudentLookup cached = lookup(service, kStudent, {}, false);
        QCOMPARE(cached.reads.size(), 5);
        for (const StudentEndpointRead &read : std::as_const(cached.reads))
            QCOMPARE(readSourceName(read.source), QStringLiteral("redis"));

        // One endpoint only.
        StudentLookup one = lookup(service, kStudent, QStringLiteral("academics"), true);
        QCOMPARE(one.reads.size(), 1);
        QCOMPARE(one.reads.first().endpoint, QStringLiteral("academics"));
        QCOMPARE(readSourceName(one.reads.first().source), QStringLiteral("zoho"));
        // The others still come from Redis.
        StudentLookup mixed = lookup(service, kStudent, {}, false);
        for (const StudentEndpointRead &read : std::as_const(mixed.reads))
            QCOMPARE(readSourceName(read.source), QStringLiteral("redis"));

        // Invalidate: the dry run counts, the real one deletes, PostgreSQL answers next.
        QSignalSpy invalidated(&service, &StudentReadService::studentInvalidated);
        const quint64 dryRun = service.invalidate(kStudent, true);
        QTRY_COMPARE_WITH_TIMEOUT(invalidated.size(), 1, kTimeoutMs);
        QCOMPARE(invalidated.first().at(0).toULongLong(), dryRun);
        QCOMPARE(invalidated.first().at(1).toLongLong(), kStudent);
        QCOMPARE(invalidated.first().at(2).toBool(), true);
        QCOMPARE(invalidated.first().at(3).toLongLong(), 5);
        QCOMPARE(keysOfStudent(kStudent), 5);
        service.invalidate(kStudent, false);
        QTRY_COMPARE_WITH_TIMEOUT(invalidated.size(), 2, kTimeoutMs);
        QCOMPARE(invalidated.at(1).at(2).toBool(), false);
        QCOMPARE(invalidated.at(1).at(3).toLongLong(), 5);
        QCOMPARE(keysOfStudent(kStudent), 0);
        StudentLookup fromPg = lookup(service, kStudent, {}, false);
        QCOMPARE(fromPg.reads.size(), 5);
        for (const StudentEndpointRead &read : std::as_const(fromPg.reads))
            QCOMPARE(readSourceName(read.source), QStringLiteral("postgres"));
    }

    void refusesBadInput()
    {
        EngineStudentReadService service(std::make_shared<EngineServicesPool>(), {});
        // No profile yet: refused in words, by the engine (no server named).
        ServiceError error = failure(service, [&] { return service.lookup(kStudent, {}, false); },
                                     StudentReadService::Request::Lookup);
        QVERIFY2(error.describe().contains(QStringLiteral("No connection profile")), qPrintable(error.describe()));
        QVERIFY(!error.service);
        error = failure(service, [&] { return service.invalidate(kStudent, true); }, StudentReadService::Request::Invalidate);
        QVERIFY(error.describe().contains(QStringLiteral("No connection profile")));

        service.setProfile(m_profile);
        error = failure(service, [&] { return service.lookup(0, {}, false); }, StudentReadService::Request::Lookup);
        QVERIFY(error.describe().contains(QStringLiteral("Moodle user id")));
        QCOMPARE(error.error.kind, ErrorKind::InvalidArgument);
        QVERIFY(!error.service);
        error = failure(service, [&] { return service.lookup(kStudent, QStringLiteral("nope"), false); },
                        StudentReadService::Request::Lookup);
        QVERIFY(error.describe().contains(QStringLiteral("not a dashboard endpoint")));
        error = failure(service, [&] { return service.invalidate(-3, true); }, StudentReadService::Request::Invalidate);
        QVERIFY(error.describe().contains(QStringLiteral("Moodle user id")));
        // Nothing was read or cached; the only keys are the process's heartbeat.
        auto keys = RedisConnection(m_profile.redis).command({"KEYS", "*"});
        VERIFY_OK(keys);
        for (const RedisReply &key : keys->elements())
            QVERIFY2(key.bytes().startsWith("tiersync:v1:instance"), key.bytes().constData());
    }

    void zohoDownIsSaidInWords()
    {
        // Nothing listens on port 1: Zoho is unreachable, and student 9 was never cached.
        const ConnectionProfile down = zohoAt(QStringLiteral("http://127.0.0.1:1"));
        EngineStudentReadService service(std::make_shared<EngineServicesPool>(), {});
        service.setProfile(down);
        StudentLookup result = lookup(service, 9, QStringLiteral("profile"), false);
        QCOMPARE(result.reads.size(), 1);
        const StudentEndpointRead &read = result.reads.first();
        QVERIFY(!read.ok);
        QCOMPARE(read.httpStatus, 503);
        QVERIFY2(read.error.contains(QStringLiteral("503")), qPrintable(read.error));
        QVERIFY2(read.error.contains(QStringLiteral("Zoho")), qPrintable(read.error));
    }

    void cancelStopsBeforeTheNextEndpoint()
    {
        HeldZoho zoho;
        QVERIFY(zoho.listen());
        const ConnectionProfile held = zohoAt(zoho.url());
        EngineStudentReadService service(std::make_shared<EngineServicesPool>(), {});
        service.setProfile(held);
        QSignalSpy finished(&service, &StudentReadService::lookupFinished);
        QSignalSpy failed(&service, &StudentReadService::failed);

        // A forced refresh of every endpoint: the first read waits on the held Zoho.
        const quint64 request = service.lookup(kUnreadStudent, {}, true);
        QTRY_VERIFY_WITH_TIMEOUT(zoho.requests() >= 1, kTimeoutMs);
        service.cancel(request);
        service.cancel(request + 1000);  // no such request: nothing happens
        zoho.release();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kTimeoutMs);
        QVERIFY(failed.isEmpty());
        const auto cancelled = finished.first().first().value<StudentLookup>();
        QCOMPARE(cancelled.requestId, request);
        QVERIFY(cancelled.cancelled);
        // The read under way finished (without an answer); the other four were skipped.
        QCOMPARE(cancelled.reads.size(), 1);
        QCOMPARE(cancelled.reads.first().endpoint, QStringLiteral("profile"));
        QVERIFY(!cancelled.reads.first().ok);

        // A cancel of a request that ended does nothing to the next one.
        service.cancel(request);
        service.setProfile(m_profile);
        StudentLookup next = lookup(service, kUnreadStudent, {}, true);
        QVERIFY(!next.cancelled);
        QCOMPARE(next.reads.size(), 5);
        for (const StudentEndpointRead &read : std::as_const(next.reads))
            QVERIFY2(read.ok, qPrintable(read.endpoint + QLatin1String(": ") + read.error));
    }

    void stopWaitsForTheReadUnderWayThenRefusesCalls()
    {
        HeldZoho zoho;
        QVERIFY(zoho.listen());
        const ConnectionProfile held = zohoAt(zoho.url());
        auto service = std::make_unique<EngineStudentReadService>(std::make_shared<EngineServicesPool>(), ConsoleClocks{});
        service->setProfile(held);
        QSignalSpy finished(service.get(), &StudentReadService::lookupFinished);
        const quint64 request = service->lookup(kUnreadStudent, {}, true);
        QTRY_VERIFY_WITH_TIMEOUT(zoho.requests() >= 1, kTimeoutMs);
        // stop() waits for the read under way, which the released Zoho ends (its refusal
        // is on the wire before this thread blocks in stop(), and the cancel keeps the
        // lookup from asking this thread's Zoho for more while it waits).
        service->cancel(request);
        zoho.release();
        service->stop();
        QCOMPARE(service->lookup(kStudent, {}, false), quint64(0));
        QCOMPARE(service->invalidate(kStudent, true), quint64(0));
        service.reset();
        QCoreApplication::processEvents();
        QVERIFY(finished.isEmpty());  // the answer of a stopped service is dropped with it
    }
};

QTEST_GUILESS_MAIN(TestStudentReadService)
#include "tst_studentreadservice.moc"
