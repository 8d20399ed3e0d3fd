#include "fakebackend.h"
#include "server/httpserver.h"

#include <httplib.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

using namespace tiersync;

namespace {

constexpr char kRead[] = "/api/v1/extension/students/";

struct Answer {
    int status = 0;  // 0: no answer (connection failed)
    std::string body;
    std::string contentType;
    std::string retryAfter;
    std::string allow;
};

std::unique_ptr<httplib::Client> clientFor(int port)
{
    auto client = std::make_unique<httplib::Client>("127.0.0.1", port);
    client->set_url_encode(false);  // send the test's bytes as they are
    client->set_keep_alive(true);
    client->set_connection_timeout(std::chrono::seconds(5));
    client->set_read_timeout(std::chrono::seconds(30));
    return client;
}

Answer toAnswer(const httplib::Result &result)
{
    Answer answer;
    if (!result)
        return answer;
    answer.status = result->status;
    answer.body = result->body;
    answer.contentType = result->get_header_value("Content-Type");
    answer.retryAfter = result->get_header_value("Retry-After");
    answer.allow = result->get_header_value("Allow");
    return answer;
}

Answer get(int port, const std::string &target)
{
    return toAnswer(clientFor(port)->Get(target));
}

QJsonObject jsonOf(const Answer &answer)
{
    return QJsonDocument::fromJson(QByteArray::fromStdString(answer.body)).object();
}

}  // namespace

class TestHttpServer final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::FakeBackend> m_backend;
    std::unique_ptr<HttpServer> m_server;
    int m_port = 0;

    void startServer(HttpServer::Options options = {})
    {
        m_server = std::make_unique<HttpServer>(*m_backend, options);
        auto port = m_server->start();
        QVERIFY2(port.ok(), qPrintable(port ? QString() : port.error().message));
        m_port = *port;
        QVERIFY(m_port > 0);
    }

private slots:
    void init()
    {
        m_backend = std::make_unique<test::FakeBackend>();
        startServer();
    }

    void cleanup()
    {
        if (m_backend)
            m_backend->openGate();
        m_server.reset();
        m_backend.reset();
    }

    void servesARead()
    {
        const Answer answer = get(m_port, std::string(kRead) + "profile?moodle_user_id=42");
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.contentType, std::string("application/json"));
        const QJsonObject body = jsonOf(answer);
        QCOMPARE(body.value(QStringLiteral("data")).toObject().value(QStringLiteral("id")).toInteger(), 42);
        const QJsonObject meta = body.value(QStringLiteral("meta")).toObject();
        QCOMPARE(meta.value(QStringLiteral("source")).toString(), QStringLiteral("redis"));
        QCOMPARE(meta.value(QStringLiteral("endpoint")).toString(), QStringLiteral("profile"));
        QCOMPARE(meta.value(QStringLiteral("moodle_user_id")).toInteger(), 42);
        QCOMPARE(meta.value(QStringLiteral("cache_age_seconds")).toInteger(), 3);
        QCOMPARE(m_backend->readCalls(), 1);
        QCOMPARE(m_backend->lastMoodleUserId(), qint64(42));
        QVERIFY(!m_backend->lastForceRefresh());
    }

    void headIsAGetWithoutBody()
    {
        const Answer answer = toAnswer(clientFor(m_port)->Head(std::string(kRead) + "finance?moodle_user_id=5"));
        QCOMPARE(answer.status, 200);
        QVERIFY(answer.body.empty());
    }

    void forceRefreshReachesTheBackend_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<bool>("expected");
        QTest::newRow("true") << QStringLiteral("true") << true;
        QTest::newRow("1") << QStringLiteral("1") << true;
        QTest::newRow("false") << QStringLiteral("false") << false;
        QTest::newRow("0") << QStringLiteral("0") << false;
    }
    void forceRefreshReachesTheBackend()
    {
        QFETCH(QString, value);
        QFETCH(bool, expected);
        const Answer answer =
            get(m_port, std::string(kRead) + "academics?moodle_user_id=9&force_refresh=" + value.toStdString());
        QCOMPARE(answer.status, 200);
        QCOMPARE(m_backend->readCalls(), 1);
        QCOMPARE(m_backend->lastForceRefresh(), expected);
    }

    void badRequestsNeverReachTheBackend_data()
    {
        QTest::addColumn<QString>("query");
        QTest::newRow("missing") << QString();
        QTest::newRow("other parameter only") << QStringLiteral("user=5");
        QTest::newRow("no value") << QStringLiteral("moodle_user_id");
        QTest::newRow("empty") << QStringLiteral("moodle_user_id=");
        QTest::newRow("negative") << QStringLiteral("moodle_user_id=-5");
        QTest::newRow("zero") << QStringLiteral("moodle_user_id=0");
        QTest::newRow("leading zero") << QStringLiteral("moodle_user_id=007");
        QTest::newRow("non-numeric") << QStringLiteral("moodle_user_id=abc");
        QTest::newRow("trailing text") << QStringLiteral("moodle_user_id=12abc");
        QTest::newRow("decimal") << QStringLiteral("moodle_user_id=1.5");
        QTest::newRow("plus sign") << QStringLiteral("moodle_user_id=%2B5");
        QTest::newRow("space") << QStringLiteral("moodle_user_id=+5");
        QTest::newRow("hex") << QStringLiteral("moodle_user_id=0x10");
        QTest::newRow("above 2^53") << QStringLiteral("moodle_user_id=9007199254740993");
        QTest::newRow("overflow") << QStringLiteral("moodle_user_id=99999999999999999999999");
        QTest::newRow("star") << QStringLiteral("moodle_user_id=*");
        QTest::newRow("id star") << QStringLiteral("moodle_user_id=3*");
        QTest::newRow("encoded star") << QStringLiteral("moodle_user_id=%2A");
        QTest::newRow("question mark") << QStringLiteral("moodle_user_id=%3F");
        QTest::newRow("brackets") << QStringLiteral("moodle_user_id=[1-9]");
        QTest::newRow("repeated") << QStringLiteral("moodle_user_id=1&moodle_user_id=2");
        QTest::newRow("repeated same") << QStringLiteral("moodle_user_id=1&moodle_user_id=1");
        QTest::newRow("force yes") << QStringLiteral("moodle_user_id=1&force_refresh=yes");
        QTest::newRow("force empty") << QStringLiteral("moodle_user_id=1&force_refresh=");
        QTest::newRow("force TRUE") << QStringLiteral("moodle_user_id=1&force_refresh=TRUE");
        QTest::newRow("force repeated") << QStringLiteral("moodle_user_id=1&force_refresh=1&force_refresh=0");
        QTest::newRow("nul byte") << QStringLiteral("moodle_user_id=1%00");
        QTest::newRow("utf-8 digits") << QStringLiteral("moodle_user_id=%EF%BC%91");
    }
    void badRequestsNeverReachTheBackend()
    {
        QFETCH(QString, query);
        const Answer answer = get(m_port, std::string(kRead) + "profile?" + query.toStdString());
        QCOMPARE(answer.status, 400);
        QCOMPARE(answer.contentType, std::string("application/json"));
        const QJsonObject body = jsonOf(answer);
        QCOMPARE(body.value(QStringLiteral("error")).toString(), QStringLiteral("bad_request"));
        QVERIFY(!body.value(QStringLiteral("detail")).toString().isEmpty());
        QCOMPARE(m_backend->readCalls(), 0);
    }

    void unknownEndpointsAre404_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<int>("hasEndpointCalls");
        QTest::newRow("not in registry") << QStringLiteral("grades") << 1;
        QTest::newRow("upper case") << QStringLiteral("Profile") << 0;
        QTest::newRow("sub path") << QStringLiteral("profile/extra") << 0;
        QTest::newRow("trailing slash") << QStringLiteral("profile/") << 0;
        QTest::newRow("glob") << QStringLiteral("prof*") << 0;
        QTest::newRow("encoded slash") << QStringLiteral("..%2Fprofile") << 0;
    }
    void unknownEndpointsAre404()
    {
        QFETCH(QString, path);
        QFETCH(int, hasEndpointCalls);
        const Answer answer = get(m_port, std::string(kRead) + path.toStdString() + "?moodle_user_id=1");
        QCOMPARE(answer.status, 404);
        QCOMPARE(jsonOf(answer).value(QStringLiteral("error")).toString(), QStringLiteral("not_found"));
        QCOMPARE(m_backend->readCalls(), 0);
        QCOMPARE(m_backend->hasEndpointCalls(), hasEndpointCalls);
    }

    void unknownPathsAre404()
    {
        for (const char *path : {"/", "/api/v1/extension/students/", "/api/v1/extension/students", "/healthzz",
                                 "/metrics/x", "/api/v2/extension/students/profile?moodle_user_id=1"}) {
            const Answer answer = get(m_port, path);
            QCOMPARE(answer.status, 404);
            QCOMPARE(answer.contentType, std::string("application/json"));
            QCOMPARE(jsonOf(answer).value(QStringLiteral("error")).toString(), QStringLiteral("not_found"));
        }
        QCOMPARE(m_backend->readCalls(), 0);
    }

    void wrongMethodsAre405()
    {
        auto client = clientFor(m_port);
        const std::string read = std::string(kRead) + "profile?moodle_user_id=1";
        for (const Answer &answer : {toAnswer(client->Post(read, "x", "text/plain")), toAnswer(client->Delete(read)),
                                     toAnswer(client->Put("/healthz", "", "text/plain")),
                                     toAnswer(client->Post("/metrics", "", "text/plain")),
                                     toAnswer(client->Options("/healthz"))}) {
            QCOMPARE(answer.status, 405);
            QCOMPARE(answer.allow, std::string("GET, HEAD"));
            QCOMPARE(jsonOf(answer).value(QStringLiteral("error")).toString(), QStringLiteral("method_not_allowed"));
        }
        QCOMPARE(toAnswer(client->Post("/nowhere", "", "text/plain")).status, 404);
        QCOMPARE(m_backend->readCalls(), 0);
    }

    void oversizedRequestsAreRefused()
    {
        auto client = clientFor(m_port);
        const Answer body = toAnswer(client->Post("/healthz", std::string(100000, 'x'), "text/plain"));
        QCOMPARE(body.status, 413);
        const Answer uri = get(m_port, std::string(kRead) + "profile?moodle_user_id=1&pad=" + std::string(20000, 'a'));
        QCOMPARE(uri.status, 414);
        QCOMPARE(m_backend->readCalls(), 0);
    }

    void backendErrorsAreMapped_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("status");
        QTest::addColumn<bool>("retryAfter");
        QTest::newRow("invalid") << int(ErrorKind::InvalidArgument) << 400 << false;
        QTest::newRow("not found") << int(ErrorKind::NotFound) << 404 << false;
        QTest::newRow("unavailable") << int(ErrorKind::Unavailable) << 503 << true;
        QTest::newRow("circuit open") << int(ErrorKind::CircuitOpen) << 503 << true;
        QTest::newRow("timeout") << int(ErrorKind::Timeout) << 503 << true;
        QTest::newRow("rate limited") << int(ErrorKind::RateLimited) << 503 << true;
        QTest::newRow("auth") << int(ErrorKind::Auth) << 500 << false;
        QTest::newRow("internal") << int(ErrorKind::Internal) << 500 << false;
    }
    void backendErrorsAreMapped()
    {
        QFETCH(int, kind);
        QFETCH(int, status);
        QFETCH(bool, retryAfter);
        m_backend->setReadFunction([kind](const QString &, qint64, bool) -> Result<EndpointResponse> {
            return makeError(ErrorKind(kind), QStringLiteral("zoho token 1000.secret-refresh-token rejected by 10.0.0.7"));
        });
        const Answer answer = get(m_port, std::string(kRead) + "requests?moodle_user_id=77");
        QCOMPARE(answer.status, status);
        QCOMPARE(answer.contentType, std::string("application/json"));
        QCOMPARE(!answer.retryAfter.empty(), retryAfter);
        QVERIFY(answer.body.find("secret") == std::string::npos);
        QVERIFY(answer.body.find("10.0.0.7") == std::string::npos);
        const QJsonObject body = jsonOf(answer);
        QVERIFY(!body.value(QStringLiteral("error")).toString().isEmpty());
        QVERIFY(!body.value(QStringLiteral("detail")).toString().isEmpty());
        QCOMPARE(m_backend->readCalls(), 1);
    }

    void backendExceptionsBecome500()
    {
        m_backend->setReadFunction([](const QString &, qint64, bool) -> Result<EndpointResponse> {
            throw std::runtime_error("pqxx: password authentication failed for user admin");
        });
        const Answer answer = get(m_port, std::string(kRead) + "profile?moodle_user_id=1");
        QCOMPARE(answer.status, 500);
        QCOMPARE(jsonOf(answer).value(QStringLiteral("error")).toString(), QStringLiteral("internal_error"));
        QVERIFY(answer.body.find("password") == std::string::npos);
        // The server keeps serving.
        m_backend->setReadFunction({});
        QCOMPARE(get(m_port, std::string(kRead) + "profile?moodle_user_id=1").status, 200);
    }

    void healthzPassesThrough()
    {
        const QJsonObject ok{{QStringLiteral("status"), QStringLiteral("ok")},
                             {QStringLiteral("redis"), QJsonObject{{QStringLiteral("ok"), true}}},
                             {QStringLiteral("caching_enabled"), true}};
        m_backend->setHealth(ok);
        Answer answer = get(m_port, "/healthz");
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.contentType, std::string("application/json"));
        QCOMPARE(jsonOf(answer), ok);

        QJsonObject degraded = ok;
        degraded.insert(QStringLiteral("status"), QStringLiteral("degraded"));
        m_backend->setHealth(degraded);
        answer = get(m_port, "/healthz");
        QCOMPARE(answer.status, 503);
        QCOMPARE(jsonOf(answer), degraded);
        QCOMPARE(m_backend->healthCalls(), 2);
    }

    void metricsPassThroughWithServerCounters()
    {
        QCOMPARE(get(m_port, std::string(kRead) + "profile?moodle_user_id=1").status, 200);
        QCOMPARE(get(m_port, std::string(kRead) + "profile?moodle_user_id=x").status, 400);
        const Answer answer = get(m_port, "/metrics");
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.contentType, std::string("text/plain; version=0.0.4; charset=utf-8"));
        QVERIFY(answer.body.find("tiersync_fake_total 7\n") != std::string::npos);
        QVERIFY(answer.body.find("tiersync_http_responses_total{code=\"200\"} 1\n") != std::string::npos);
        QVERIFY(answer.body.find("tiersync_http_responses_total{code=\"400\"} 1\n") != std::string::npos);
        QVERIFY(answer.body.find("tiersync_http_worker_threads ") != std::string::npos);
        // The /metrics request itself is in flight while it is answered.
        QVERIFY(answer.body.find("tiersync_http_requests_in_flight 1\n") != std::string::npos);
    }

    void keepAliveReusesOneConnection()
    {
        auto client = clientFor(m_port);
        std::atomic<int> sockets{0};
        client->set_socket_options([&sockets](int) { ++sockets; });
        for (int i = 1; i <= 50; ++i) {
            const auto result = client->Get(std::string(kRead) + "classes?moodle_user_id=" + std::to_string(i));
            QVERIFY(result);
            QCOMPARE(result->status, 200);
        }
        QCOMPARE(sockets.load(), 1);
        QCOMPARE(m_backend->readCalls(), 50);
    }

    void connectionsAreRecycledAfterMaxCount()
    {
        m_server.reset();
        HttpServer::Options options;
        options.keepAliveMaxCount = 10;
        startServer(options);
        auto client = clientFor(m_port);
        std::atomic<int> sockets{0};
        client->set_socket_options([&sockets](int) { ++sockets; });
        for (int i = 0; i < 30; ++i) {
            const auto result = client->Get("/healthz");
            QVERIFY(result);
            QCOMPARE(result->status, 200);
        }
        QCOMPARE(sockets.load(), 3);
    }

    void manyClientsAtOnce()
    {
        constexpr int kClients = 48;
        constexpr int kRequests = 40;
        std::atomic<int> ok{0};
        std::atomic<int> wrongBody{0};
        std::vector<std::thread> threads;
        for (int c = 0; c < kClients; ++c) {
            threads.emplace_back([this, c, &ok, &wrongBody] {
                auto client = clientFor(m_port);
                for (int r = 0; r < kRequests; ++r) {
                    const int id = c * 1000 + r + 1;
                    const auto result = client->Get(std::string(kRead) + "profile?moodle_user_id=" + std::to_string(id));
                    if (!result || result->status != 200)
                        continue;
                    const QJsonObject body =
                        QJsonDocument::fromJson(QByteArray::fromStdString(result->body)).object();
                    if (body.value(QStringLiteral("meta")).toObject().value(QStringLiteral("moodle_user_id")).toInteger()
                        == id)
                        ++ok;
                    else
                        ++wrongBody;
                }
            });
        }
        for (auto &thread : threads)
            thread.join();
        QCOMPARE(wrongBody.load(), 0);
        QCOMPARE(ok.load(), kClients * kRequests);
        QCOMPARE(m_backend->readCalls(), kClients * kRequests);
    }

    void slowReadsDoNotStarveOtherClients()
    {
        // Reads of user 999 block (a Zoho miss); other clients must still be served.
        m_server.reset();
        HttpServer::Options options;
        options.threadCount = 40;
        startServer(options);
        m_backend->holdUserId(999);
        constexpr int kHeld = 24;
        std::vector<std::thread> held;
        std::atomic<int> heldOk{0};
        for (int i = 0; i < kHeld; ++i)
            held.emplace_back([this, &heldOk] {
                if (get(m_port, std::string(kRead) + "profile?moodle_user_id=999").status == 200)
                    ++heldOk;
            });
        QTRY_COMPARE_WITH_TIMEOUT(m_backend->waitingAtGate(), kHeld, 10000);

        std::vector<std::thread> fast;
        std::atomic<int> fastOk{0};
        for (int c = 0; c < 8; ++c)
            fast.emplace_back([this, c, &fastOk] {
                auto client = clientFor(m_port);
                for (int r = 0; r < 25; ++r)
                    if (const auto result = client->Get(std::string(kRead) + "finance?moodle_user_id="
                                                        + std::to_string(c * 100 + r + 1));
                        result && result->status == 200)
                        ++fastOk;
            });
        for (auto &thread : fast)
            thread.join();
        QCOMPARE(fastOk.load(), 200);
        QCOMPARE(m_backend->waitingAtGate(), kHeld);  // still held while the others were served
        m_backend->openGate();
        for (auto &thread : held)
            thread.join();
        QCOMPARE(heldOk.load(), kHeld);
    }

    void stopLetsRequestsInFlightFinish()
    {
        m_backend->holdUserId(5);
        constexpr int kInFlight = 6;
        std::vector<std::thread> clients;
        std::vector<int> statuses(kInFlight, -1);
        for (int i = 0; i < kInFlight; ++i)
            clients.emplace_back([this, i, &statuses] {
                statuses[static_cast<std::size_t>(i)] =
                    get(m_port, std::string(kRead) + "profile?moodle_user_id=5").status;
            });
        QTRY_COMPARE_WITH_TIMEOUT(m_backend->waitingAtGate(), kInFlight, 10000);

        std::atomic<bool> stopped{false};
        std::thread stopper([this, &stopped] {
            m_server->stop();
            stopped = true;
        });
        // stop() waits for the held requests rather than cutting them off.
        QTest::qWait(200);
        QVERIFY(!stopped.load());
        m_backend->openGate();
        stopper.join();
        for (auto &thread : clients)
            thread.join();
        QVERIFY(stopped.load());
        for (const int status : statuses)
            QCOMPARE(status, 200);
        QVERIFY(!m_server->isRunning());
        QCOMPARE(get(m_port, "/healthz").status, 0);  // nobody listens any more
        m_server->stop();                              // idempotent
    }

    void stopRightAfterStart()
    {
        for (int i = 0; i < 5; ++i) {
            HttpServer server(*m_backend);
            QVERIFY(server.start().ok());
            server.stop();
            QVERIFY(!server.isRunning());
        }
    }

    void secondStartIsRefused()
    {
        auto again = m_server->start();
        QVERIFY(!again.ok());
        QCOMPARE(again.error().kind, ErrorKind::Conflict);
        QCOMPARE(get(m_port, "/healthz").status, 200);
    }

    void bindsLoopbackByDefault()
    {
        QVERIFY(m_server->url().startsWith(QLatin1String("http://127.0.0.1:")));
        QCOMPARE(m_server->threadCount(), HttpServer::defaultThreadCount());
        QVERIFY(HttpServer::defaultThreadCount() >= 64);
    }

    void busyPortIsAnError()
    {
        HttpServer::Options options;
        options.port = m_port;
        HttpServer second(*m_backend, options);
        auto started = second.start();
        QVERIFY(!started.ok());
        QCOMPARE(started.error().kind, ErrorKind::Unavailable);
    }
};

QTEST_GUILESS_MAIN(TestHttpServer)
#include "tst_httpserver.moc"
