// The console's embedded server (ServeStack on a worker thread) and its traffic
// generator, against the fixture's real Redis, PostgreSQL and zoho-sim.
#include "cache/endpointregistry.h"
#include "cache/statsstore.h"
#include "console/embeddedserver.h"
#include "console/trafficgenerator.h"
#include "console/workerthreads.h"
#include "manualepochclock.h"
#include "redis/redisconnection.h"
#include "scratchprofile.h"
#include "store/pgconnection.h"
#include "testsandbox.h"
#include "verifyok.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

#include <pqxx/pqxx>

#include <memory>

using namespace tiersync;

namespace {

constexpr int kDb = 59;  // this test class's own Redis database
constexpr int kTimeoutMs = 30000;

}  // namespace

class TestEmbeddedServer final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::ScratchProfile> m_scratch;
    ConnectionProfile m_profile;

    // Rows of a table (-1 when they cannot be counted).
    int rowsOf(const std::string &table)
    {
        int rows = -1;
        PgConnection connection(m_profile.pg);
        const Status read = connection.transaction(QStringLiteral("counting rows"), [&](pqxx::transaction_base &txn) {
            rows = txn.exec1("SELECT count(*) FROM " + table)[0].as<int>();
            return Status();
        });
        return read ? rows : -1;
    }

    // Rows of tiersync.schedules (the scheduler seeds the defaults when it starts).
    int scheduleRows() { return rowsOf("tiersync.schedules"); }

    void startServer(EmbeddedServer *server, const QString &host, int port)
    {
        const ConnectionProfile profile = m_profile;
        QMetaObject::invokeMethod(server, [server, profile, host, port] { server->start(profile, host, port); },
                                  Qt::QueuedConnection);
    }

private Q_SLOTS:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        // The engine migrates the database.
        auto scratch = test::ScratchProfile::create(profile, QStringLiteral("embedded"), kDb,
                                                    test::ScratchProfile::Schema::Empty);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
        m_profile = m_scratch->profile();
        m_profile.name = profile.name;
    }

    void cleanupTestCase()
    {
        if (m_scratch) {
            RedisConnection redis(m_profile.redis);
            (void)redis.command({"FLUSHDB"});
        }
    }

    void zipfDrawsFavourTheFirstStudents()
    {
        TrafficGenerator::Options options;
        options.students = 500;
        TrafficGenerator generator(options);
        QCOMPARE(generator.studentFor(0.0), 1);
        QCOMPARE(generator.studentFor(0.999999), 500);
        int previous = 1;
        int first = 0;
        for (int i = 0; i < 10000; ++i) {
            const double u = (i + 0.5) / 10000.0;
            const int student = generator.studentFor(u);
            QVERIFY(student >= previous);  // the inverse CDF never goes back
            QVERIFY(student <= 500);
            previous = student;
            if (student == 1)
                ++first;
        }
        // s = 1.1 over 500 students: student 1 gets 1 / H(500, 1.1) ≈ 21 % of the draws.
        QVERIFY2(first > 1800 && first < 2400, qPrintable(QString::number(first)));
    }

    void servesTheApiAndTheGeneratorLoadsIt()
    {
        // The server counts its traffic in this clock's minute, which cannot turn under the test.
        const test::ManualEpochClock clock;
        WorkerThreads threads;
        auto *server = new EmbeddedServer;
        server->setClock(clock.clock());
        // 500 requests a second: the 100 answers the test waits for take 0.2 s, not 2 s.
        auto *traffic = new TrafficGenerator(TrafficGenerator::Options{500, 8, 4, 1.1, 0.0});
        threads.adopt(server, QStringLiteral("test-serve"));
        threads.adopt(traffic, QStringLiteral("test-traffic"));
        QSignalSpy started(server, &EmbeddedServer::started);
        QSignalSpy failed(server, &EmbeddedServer::failed);
        startServer(server, QStringLiteral("127.0.0.1"), 0);
        QTRY_COMPARE_WITH_TIMEOUT(started.size() + failed.size(), 1, kTimeoutMs);
        QVERIFY2(failed.isEmpty(), qPrintable(failed.isEmpty() ? QString() : failed.first().first().toString()));
        const QString url = started.first().first().toString();
        QVERIFY(url.startsWith(QLatin1String("http://127.0.0.1:")));

        // It is `tiersync serve`: the dashboard API asks for a key, and answers the server's
        // own one with data and its source.
        QNetworkAccessManager network;
        QNetworkRequest request(QUrl(url + QStringLiteral("/api/v1/extension/students/profile?moodle_user_id=3")));
        std::unique_ptr<QNetworkReply> refused(network.get(request));
        QTRY_VERIFY_WITH_TIMEOUT(refused->isFinished(), kTimeoutMs);
        QCOMPARE(refused->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 401);
        request.setRawHeader("Authorization", "Bearer " + server->apiKey().reveal().toLatin1());
        std::unique_ptr<QNetworkReply> reply(network.get(request));
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), kTimeoutMs);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        const QJsonObject body = QJsonDocument::fromJson(reply->readAll()).object();
        QCOMPARE(body.value(QStringLiteral("meta")).toObject().value(QStringLiteral("source")).toString(),
                 QStringLiteral("zoho"));

        // The generator's load reaches it (4 students: within Zoho's burst of 20 calls, so
        // the rate limiter never slows the test): every answer is an HTTP answer.
        QSignalSpy progress(traffic, &TrafficGenerator::progress);
        auto registry = EndpointRegistry::builtIn();
        VERIFY_OK(registry);
        const QStringList endpoints = registry->names();
        const Secret key = server->apiKey();
        QMetaObject::invokeMethod(traffic, [traffic, url, endpoints, key] { traffic->start(url, endpoints, key); },
                                  Qt::QueuedConnection);
        QTRY_VERIFY_WITH_TIMEOUT(!progress.isEmpty(), kTimeoutMs);
        QMetaObject::invokeMethod(traffic, [traffic] { traffic->stop(); }, Qt::QueuedConnection);
        const QList<QVariant> first = progress.first();
        QVERIFY(first.at(0).toULongLong() >= 100);   // sent
        QCOMPARE(first.at(1).toULongLong() + first.at(2).toULongLong(), 100ULL);
        QCOMPARE(first.at(2).toULongLong(), 0ULL);   // failed (a refused key would count here)
        // The server's own key lives in memory only: nothing in tiersync.api_keys.
        QCOMPARE(rowsOf("tiersync.api_keys"), 0);

        // ... and shows in the shared statistics, as every server's traffic does.
        RedisConnection redis(m_profile.redis);
        StatsStore stats(redis);
        quint64 requests = 0;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                auto sums = stats.sumRecent(endpoints, clock.nowMs(), 1);
                requests = 0;
                if (sums) {
                    for (const StatsCounts &counts : *sums)
                        requests += counts.value(StatsCounter::Requests);
                }
                return requests >= 100;
            }(),
            kTimeoutMs);
    }

    // By default the console's server leaves the schedules to `tiersync serve`; dev.sh run
    // asks it to run them (--run-schedules): its scheduler seeds the default schedules.
    void runsTheSchedulesOnlyWhenAsked()
    {
        QCOMPARE(scheduleRows(), 0);  // the server of the test above ran none
        WorkerThreads threads;
        auto *server = new EmbeddedServer;
        server->setRunSchedules(true);
        threads.adopt(server, QStringLiteral("test-serve"));
        QSignalSpy started(server, &EmbeddedServer::started);
        QSignalSpy failed(server, &EmbeddedServer::failed);
        startServer(server, QStringLiteral("127.0.0.1"), 0);
        QTRY_COMPARE_WITH_TIMEOUT(started.size() + failed.size(), 1, kTimeoutMs);
        QVERIFY2(failed.isEmpty(), qPrintable(failed.isEmpty() ? QString() : failed.first().first().toString()));
        QTRY_VERIFY_WITH_TIMEOUT(scheduleRows() > 0, kTimeoutMs);
        QMetaObject::invokeMethod(server, [server] { server->stop(); }, Qt::BlockingQueuedConnection);
    }

    void aTakenPortIsReportedInWords()
    {
        QTcpServer squatter;
        QVERIFY(squatter.listen(QHostAddress::LocalHost));
        WorkerThreads threads;
        auto *server = new EmbeddedServer;
        threads.adopt(server, QStringLiteral("test-serve"));
        QSignalSpy started(server, &EmbeddedServer::started);
        QSignalSpy failed(server, &EmbeddedServer::failed);
        startServer(server, QStringLiteral("127.0.0.1"), squatter.serverPort());
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, kTimeoutMs);
        QVERIFY(started.isEmpty());
        const QString message = failed.first().first().toString();
        QVERIFY2(message.contains(QString::number(squatter.serverPort())), qPrintable(message));
    }
};

QTEST_GUILESS_MAIN(TestEmbeddedServer)
#include "tst_embeddedserver.moc"
