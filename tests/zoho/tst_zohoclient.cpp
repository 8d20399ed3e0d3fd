#include "fakezoho.h"
#include "fakezohobudget.h"
#include "manualepochclock.h"
#include "zohotesthelpers.h"

#include "sync/syncpagefetcher.h"
#include "zoho/awaitresult.h"
#include "zoho/localzohobudget.h"
#include "zoho/zohoapi.h"
#include "zoho/zohoclient.h"
#include "zoho/zohoservice.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>
#include <QThread>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

using namespace tiersync;
using namespace tiersync::test;

namespace {

using Reply = FakeZoho::Reply;
using Request = FakeZoho::Request;

Result<ZohoResponse> get(ZohoService &service, const QString &path, QUrlQuery query = {})
{
    return awaitResult(service.client()->submit(ZohoRequest::get(path, std::move(query))));
}

const QString kItems = QStringLiteral("/books/v3/items");
const QString kContacts = QStringLiteral("/books/v3/contacts");

ZohoRequest request(const QString &path, ZohoCallPurpose purpose)
{
    ZohoRequest out = ZohoRequest::get(path);
    out.purpose = purpose;
    return out;
}

// Holds the fake's first API request until open(): what the client queues meanwhile is
// decided before anything finishes, whatever the timing.
class Gate final {
public:
    void wait() { m_opened.wait(); }
    void open() { m_promise.set_value(); }

private:
    std::promise<void> m_promise;
    std::shared_future<void> m_opened = m_promise.get_future().share();
};
const QString kStudents = QStringLiteral("/crm/v2/Students");

std::string booksOk()
{
    return R"({"code":0,"message":"success","items":[],"page_context":{"page":1,"per_page":200,"has_more_page":false}})";
}

QString describe(const Result<ZohoResponse> &result)
{
    return result.ok() ? QStringLiteral("ok") : result.error().toString();
}

// How many requests the fake server was handling at once, at most: each handler call
// holds its slot for holdMs.
class PeakConcurrency final {
public:
    void hold(int holdMs)
    {
        const int now = ++m_current;
        int seen = m_peak.load();
        while (now > seen && !m_peak.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(holdMs));
        --m_current;
    }
    [[nodiscard]] int peak() const { return m_peak.load(); }

private:
    std::atomic<int> m_current{0};
    std::atomic<int> m_peak{0};
};

}  // namespace

class TestZohoClient final : public QObject {
    Q_OBJECT

private slots:
    void tokenRefreshedOnceForConcurrentRequests()
    {
        FakeZoho zoho;
        zoho.onToken([](const Request &) {
            Reply reply = FakeZoho::token(1);
            reply.delayMs = 200;  // every request arrives while the refresh runs
            return reply;
        });
        zoho.onApi([](const Request &) { return FakeZoho::json(200, booksOk()); });
        ZohoService service(zoho.settings(), fastOptions());
        QList<QFuture<Result<ZohoResponse>>> futures;
        for (int i = 0; i < 20; ++i)
            futures.append(service.client()->submit(ZohoRequest::get(kItems)));
        for (auto &future : futures) {
            auto result = awaitResult(future);
            QVERIFY2(result.ok(), qPrintable(describe(result)));
            QCOMPARE(result->httpStatus, 200);
        }
        QCOMPARE(zoho.tokenRequests(), 1);
        QCOMPARE(zoho.apiRequests(), 20);
        for (const Request &request : zoho.apiLog()) {
            QCOMPARE(request.authorization, std::string("Zoho-oauthtoken tok-1"));
            QCOMPARE(request.param("organization_id"), std::string("ORG1"));
        }
        const Request tokenRequest = zoho.tokenLog().at(0);
        QCOMPARE(tokenRequest.method, std::string("POST"));
        QCOMPARE(tokenRequest.param("grant_type"), std::string("refresh_token"));
        QCOMPARE(tokenRequest.param("client_id"), std::string("client-1"));
        QCOMPARE(tokenRequest.param("client_secret"), std::string("s3cret+/="));
        QCOMPARE(tokenRequest.param("refresh_token"), std::string("1000.refresh"));
        QCOMPARE(service.client()->stats().tokenRefreshes, 1u);
    }

    void tokenReusedUntilExpiry()
    {
        FakeZoho zoho;
        zoho.onToken([&zoho](const Request &) { return FakeZoho::token(zoho.tokenRequests(), 3600); });
        ManualWallClock wall;
        ZohoClientOptions options = fastOptions();
        options.wallClock = wall.clock();
        ZohoService service(zoho.settings(), options);
        for (int i = 0; i < 3; ++i)
            QVERIFY(get(service, kStudents).ok());
        QCOMPARE(zoho.tokenRequests(), 1);
        wall.advanceSeconds(3000);
        QVERIFY(get(service, kStudents).ok());
        QCOMPARE(zoho.tokenRequests(), 1);
        wall.advanceSeconds(601);  // past the lifetime (and its safety margin)
        QVERIFY(get(service, kStudents).ok());
        QCOMPARE(zoho.tokenRequests(), 2);
        QCOMPARE(zoho.apiLog().back().authorization, std::string("Zoho-oauthtoken tok-2"));
    }

    void legacyMillisecondExpiresIn()
    {
        FakeZoho zoho;
        zoho.onToken([&zoho](const Request &) {
            return FakeZoho::json(200, R"({"access_token":"legacy-)" + std::to_string(zoho.tokenRequests())
                                           + R"(","expires_in_sec":100,"expires_in":100000,"token_type":"Bearer"})");
        });
        ManualWallClock wall;
        ZohoClientOptions options = fastOptions();
        options.wallClock = wall.clock();
        ZohoService service(zoho.settings(), options);
        QVERIFY(get(service, kStudents).ok());
        wall.advanceSeconds(50);
        QVERIFY(get(service, kStudents).ok());
        QCOMPARE(zoho.tokenRequests(), 1);
        // Read as seconds, 100000 would last a day; it is 100 s.
        wall.advanceSeconds(60);
        QVERIFY(get(service, kStudents).ok());
        QCOMPARE(zoho.tokenRequests(), 2);
    }

    void invalidClientIsAuthErrorNeverRetried()
    {
        FakeZoho zoho;
        zoho.onToken([](const Request &) { return FakeZoho::json(200, R"({"error":"invalid_client"})"); });
        ZohoService service(zoho.settings(), fastOptions());
        EventLog log(service.client());
        QList<QFuture<Result<ZohoResponse>>> futures;
        for (int i = 0; i < 3; ++i)
            futures.append(service.client()->submit(ZohoRequest::get(kItems)));
        for (auto &future : futures) {
            auto result = awaitResult(future);
            QVERIFY(!result.ok());
            QCOMPARE(result.error().kind, ErrorKind::Auth);
            QCOMPARE(result.error().code, QStringLiteral("invalid_client"));
        }
        QCOMPARE(zoho.tokenRequests(), 1);
        QCOMPARE(zoho.apiRequests(), 0);
        const auto events = log.events();
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.at(0).target, QStringLiteral("POST /oauth/v2/token"));
        QCOMPARE(events.at(0).outcome, QStringLiteral("not_retried"));
        QCOMPARE(events.at(0).errorClass, QStringLiteral("auth"));
        QCOMPARE(service.client()->stats().failures, 3u);
    }

    // Zoho's token throttle ("Access Denied", 10 tokens per 10 minutes) answers every
    // refresh for the rest of its window: asking again only counts against the next one.
    void tokenThrottleIsNeverRetriedAndWaitedOut_data()
    {
        QTest::addColumn<int>("status");
        QTest::newRow("200, as Zoho sends it") << 200;
        QTest::newRow("400, through a proxy") << 400;
        QTest::newRow("429") << 429;
    }
    void tokenThrottleIsNeverRetriedAndWaitedOut()
    {
        QFETCH(int, status);
        FakeZoho zoho;
        std::atomic<bool> throttled{true};
        zoho.onToken([&zoho, &throttled, status](const Request &) {
            if (throttled)
                return FakeZoho::json(status, R"({"error_description":"You have made too many requests continuously. Please try again after some time.","error":"Access Denied","status":"failure"})");
            return FakeZoho::token(zoho.tokenRequests());
        });
        ManualWallClock wall;
        ZohoClientOptions options = fastOptions();
        options.wallClock = wall.clock();
        ZohoService service(zoho.settings(), options);
        EventLog log(service.client());

        QList<QFuture<Result<ZohoResponse>>> futures;
        for (int i = 0; i < 3; ++i)
            futures.append(service.client()->submit(ZohoRequest::get(kStudents)));
        for (auto &future : futures) {
            auto result = awaitResult(future);
            QVERIFY(!result.ok());
            QCOMPARE(result.error().kind, ErrorKind::RateLimited);
            QCOMPARE(result.error().code, QStringLiteral("Access Denied"));
            QVERIFY2(result.error().message.contains(QLatin1String("no refresh is sent until")),
                     qPrintable(result.error().message));
        }
        QCOMPARE(zoho.tokenRequests(), 1);
        QCOMPARE(zoho.apiRequests(), 0);
        auto events = log.events();
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.at(0).outcome, QStringLiteral("not_retried"));
        QCOMPARE(service.client()->stats().retries, 0u);

        // Later callers inside the window fail at once, naming the time; Zoho is not asked.
        wall.advanceSeconds(599);
        auto later = get(service, kStudents);
        QVERIFY(!later.ok());
        QCOMPARE(later.error().code, QStringLiteral("Access Denied"));
        QCOMPARE(zoho.tokenRequests(), 1);

        // Once the window has passed, one refresh goes out and the call succeeds.
        throttled = false;
        wall.advanceSeconds(2);
        QVERIFY2(get(service, kStudents).ok(), "a refresh after the window");
        QCOMPARE(zoho.tokenRequests(), 2);
        QCOMPARE(zoho.apiRequests(), 1);
    }

    void invalidTokenRefreshesOnceAndRetries()
    {
        FakeZoho zoho;
        zoho.onToken([&zoho](const Request &) { return FakeZoho::token(zoho.tokenRequests()); });
        zoho.onApi([](const Request &request) {
            if (request.authorization == "Zoho-oauthtoken tok-1")
                return FakeZoho::json(401, R"({"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"})");
            return FakeZoho::json(200, R"({"data":[{"id":"1"}],"info":{"more_records":false}})");
        });
        ZohoService service(zoho.settings(), fastOptions());
        EventLog log(service.client());
        auto result = get(service, kStudents);
        QVERIFY2(result.ok(), qPrintable(describe(result)));
        QCOMPARE(zoho.tokenRequests(), 2);
        QCOMPARE(zoho.apiRequests(), 2);
        const auto events = log.events();
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.at(0).httpStatus, 401);
        QCOMPARE(events.at(0).errorClass, QStringLiteral("auth"));
        QCOMPARE(events.at(0).outcome, QStringLiteral("retry"));
        QCOMPARE(events.at(0).target, QStringLiteral("GET /crm/v2/Students"));
    }

    void secondUnauthorisedIsAuthError()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &) { return FakeZoho::json(401, R"({"code":57,"message":"You are not authorized"})"); });
        ZohoService service(zoho.settings(), fastOptions());
        EventLog log(service.client());
        auto result = get(service, kItems);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().kind, ErrorKind::Auth);
        QCOMPARE(result.error().httpStatus, 401);
        QCOMPARE(zoho.tokenRequests(), 2);
        QCOMPARE(zoho.apiRequests(), 2);
        const auto events = log.events();
        QCOMPARE(events.size(), 2);
        QCOMPARE(events.at(0).outcome, QStringLiteral("retry"));
        QCOMPARE(events.at(1).outcome, QStringLiteral("not_retried"));
    }

    void serverErrorsRetriedThenSucceed()
    {
        FakeZoho zoho;
        std::atomic<int> n{0};
        zoho.onApi([&n](const Request &) {
            if (++n <= 2)
                return FakeZoho::json(500, R"({"code":1000,"message":"Internal error"})");
            return FakeZoho::json(200, booksOk());
        });
        const ZohoClientOptions options = fastOptions();
        ZohoService service(zoho.settings(), options);
        EventLog log(service.client());
        auto result = get(service, kItems, QUrlQuery(QStringLiteral("search_text=secret")));
        QVERIFY2(result.ok(), qPrintable(describe(result)));
        QCOMPARE(result->attempts, 3);
        QCOMPARE(zoho.apiRequests(), 3);
        const auto events = log.events();
        QCOMPARE(events.size(), 2);
        for (int i = 0; i < 2; ++i) {
            const RetryEvent &event = events.at(i);
            QCOMPARE(event.target, QStringLiteral("GET /books/v3/items"));
            QCOMPARE(event.attempt, i + 1);
            QCOMPARE(event.maxAttempts, 3);
            QCOMPARE(event.errorClass, QStringLiteral("server"));
            QCOMPARE(event.httpStatus, 500);
            QCOMPARE(event.outcome, QStringLiteral("retry"));
            QVERIFY(event.delayMs >= 0);
            QVERIFY(event.delayMs <= options.retry.backoffCeilingMs(i + 1));
            QVERIFY(event.at.isValid());
        }
        const ZohoStats stats = service.client()->stats();
        QCOMPARE(stats.requests, 1u);
        QCOMPARE(stats.calls, 3u);
        QCOMPARE(stats.retries, 2u);
        QCOMPARE(stats.failures, 0u);
    }

    void clientErrorsNeverRetried_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("kind");
        QTest::newRow("404") << 404 << QByteArray(R"({"code":"INVALID_URL_PATTERN","message":"no such url","status":"error"})") << int(ErrorKind::NotFound);
        QTest::newRow("400") << 400 << QByteArray(R"({"code":"INVALID_DATA","details":{},"message":"bad","status":"error"})") << int(ErrorKind::InvalidArgument);
        QTest::newRow("403") << 403 << QByteArray(R"({"code":"NO_PERMISSION","message":"no","status":"error"})") << int(ErrorKind::Auth);
        QTest::newRow("429 daily") << 429 << QByteArray(R"({"code":45,"message":"daily limit"})") << int(ErrorKind::RateLimited);
    }
    void clientErrorsNeverRetried()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(int, kind);
        FakeZoho zoho;
        zoho.onApi([&](const Request &) { return FakeZoho::json(status, body.toStdString()); });
        ZohoService service(zoho.settings(), fastOptions());
        EventLog log(service.client());
        auto result = get(service, kItems);
        QVERIFY(!result.ok());
        QCOMPARE(errorKindName(result.error().kind), errorKindName(ErrorKind(kind)));
        QCOMPARE(result.error().httpStatus, status);
        QCOMPARE(zoho.apiRequests(), 1);
        const auto events = log.events();
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.at(0).outcome, QStringLiteral("not_retried"));
        QCOMPARE(events.at(0).delayMs, 0);
    }

    void retryAfterHonoured()
    {
        FakeZoho zoho;
        std::atomic<int> n{0};
        zoho.onApi([&n](const Request &) {
            if (++n == 1) {
                Reply reply = FakeZoho::json(429, R"({"code":44,"message":"per-minute limit"})");
                reply.headers.emplace_back("Retry-After", "1");
                return reply;
            }
            return FakeZoho::json(200, booksOk());
        });
        ZohoService service(zoho.settings(), fastOptions());
        EventLog log(service.client());
        auto result = get(service, kItems);
        QVERIFY2(result.ok(), qPrintable(describe(result)));
        const auto events = log.events();
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.at(0).httpStatus, 429);
        QCOMPARE(events.at(0).errorClass, QStringLiteral("rate_limited"));
        QCOMPARE(events.at(0).delayMs, 1000);
        QCOMPARE(events.at(0).outcome, QStringLiteral("retry"));
    }

    void timeoutsRetriedThenGiveUp()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &) {
            Reply reply = FakeZoho::json(200, booksOk());
            reply.delayMs = 700;
            return reply;
        });
        ZohoClientOptions options = fastOptions();
        options.requestTimeoutMs = 150;
        ZohoService service(zoho.settings(), options);
        EventLog log(service.client());
        auto result = get(service, kItems);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().kind, ErrorKind::Timeout);
        QCOMPARE(zoho.apiRequests(), 3);
        const auto events = log.events();
        QCOMPARE(events.size(), 3);
        QCOMPARE(events.at(0).outcome, QStringLiteral("retry"));
        QCOMPARE(events.at(1).outcome, QStringLiteral("retry"));
        QCOMPARE(events.at(2).outcome, QStringLiteral("gave_up"));
        for (const RetryEvent &event : events) {
            QCOMPARE(event.errorClass, QStringLiteral("timeout"));
            QCOMPARE(event.httpStatus, 0);
        }
        QCOMPARE(events.at(2).delayMs, 0);
    }

    void connectionRefused()
    {
        FakeZoho zoho;
        quint16 closedPort = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost));
            closedPort = probe.serverPort();
        }
        ZohoSettings settings = zoho.settings();
        settings.apiBase = QStringLiteral("http://127.0.0.1:%1").arg(closedPort);
        ZohoService service(settings, fastOptions());
        EventLog log(service.client());
        auto result = get(service, kItems);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().kind, ErrorKind::Unavailable);
        QVERIFY2(result.error().message.contains(QLatin1String("refused")), qPrintable(result.error().message));
        const auto events = log.events();
        QCOMPARE(events.size(), 3);
        QCOMPARE(events.at(2).outcome, QStringLiteral("gave_up"));
        QCOMPARE(events.at(0).errorClass, QStringLiteral("unavailable"));
    }

    void unreadableAnswersAreProtocolErrors_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("contentType");
        QTest::newRow("html page") << QByteArray("<!DOCTYPE html><html><head><title>Zoho - Error</title></head><body>Oops</body></html>")
                                   << QByteArray("text/html; charset=utf-8");
        QTest::newRow("truncated json") << QByteArray(R"({"code":0,"message":"success","items":[{"item_id":"1"}]})").left(40)
                                        << QByteArray("application/json");
        QTest::newRow("wrong content type") << QByteArray(R"({"code":0})") << QByteArray("image/png");
        QTest::newRow("empty 200") << QByteArray() << QByteArray("application/json");
    }
    void unreadableAnswersAreProtocolErrors()
    {
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, contentType);
        FakeZoho zoho;
        zoho.onApi([&](const Request &) {
            Reply reply = FakeZoho::json(200, body.toStdString());
            reply.contentType = contentType.toStdString();
            return reply;
        });
        ZohoService service(zoho.settings(), fastOptions());
        auto result = get(service, kItems);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().kind, ErrorKind::Protocol);
        QVERIFY(!result.error().message.isEmpty());
        QCOMPARE(zoho.apiRequests(), 1);
    }

    void htmlGatewayErrorIsRetried()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &) {
            Reply reply = FakeZoho::json(502, "<html><head><title>502 Bad Gateway</title></head></html>");
            reply.contentType = "text/html";
            return reply;
        });
        ZohoService service(zoho.settings(), fastOptions());
        auto result = get(service, kItems);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().kind, ErrorKind::Server);
        QVERIFY(result.error().message.contains(QLatin1String("502 Bad Gateway")));
        QCOMPARE(zoho.apiRequests(), 3);
    }

    void oversizedResponseIsRejected()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &) {
            return FakeZoho::json(200, "{\"code\":0,\"pad\":\"" + std::string(5000, 'x') + "\"}");
        });
        ZohoClientOptions options = fastOptions();
        options.maxResponseBytes = 1000;
        ZohoService service(zoho.settings(), options);
        auto result = get(service, kItems);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().kind, ErrorKind::Protocol);
        QVERIFY2(result.error().message.contains(QLatin1String("limit")), qPrintable(result.error().message));
    }

    void emptyBodies_data()
    {
        QTest::addColumn<int>("status");
        QTest::newRow("204") << 204;
        QTest::newRow("304") << 304;
    }
    void emptyBodies()
    {
        QFETCH(int, status);
        FakeZoho zoho;
        zoho.onApi([&](const Request &) { return FakeZoho::json(status, ""); });
        ZohoService service(zoho.settings(), fastOptions());
        auto result = get(service, kStudents + QStringLiteral("/search"));
        QVERIFY2(result.ok(), qPrintable(describe(result)));
        QCOMPARE(result->httpStatus, status);
        QVERIFY(!result->hasBody);
        QVERIFY(result->json.isEmpty());
    }

    void circuitOpensAndFailsFast()
    {
        FakeZoho zoho;
        std::atomic<bool> healthy{false};
        zoho.onApi([&healthy](const Request &) {
            return healthy ? FakeZoho::json(200, booksOk()) : FakeZoho::json(503, R"({"code":1000,"message":"down"})");
        });
        ManualSteadyClock steady;
        ZohoClientOptions options = fastOptions();
        options.retry.maxAttempts = 1;
        options.readRetry.maxAttempts = 1;
        options.circuitFailureThreshold = 3;
        options.circuitCoolDownMs = 10000;
        options.steadyClock = steady.clock();
        ZohoService service(zoho.settings(), options);
        QSignalSpy stateSpy(service.client(), &ZohoClient::circuitStateChanged);
        for (int i = 0; i < 3; ++i) {
            auto result = get(service, kItems);
            QVERIFY(!result.ok());
            QCOMPARE(result.error().kind, ErrorKind::Server);
        }
        QTRY_COMPARE(stateSpy.count(), 1);
        QCOMPARE(stateSpy.at(0).at(0).value<CircuitState>(), CircuitState::Open);
        QCOMPARE(service.client()->stats().circuit, CircuitState::Open);

        auto fast = get(service, kItems);
        QVERIFY(!fast.ok());
        QCOMPARE(fast.error().kind, ErrorKind::CircuitOpen);
        QCOMPARE(zoho.apiRequests(), 3);

        // After the cool-down one probe goes through; its success closes the circuit.
        healthy = true;
        steady.advance(10000);
        auto probe = get(service, kItems);
        QVERIFY2(probe.ok(), qPrintable(describe(probe)));
        QTRY_COMPARE(stateSpy.count(), 3);  // half-open, then closed
        QCOMPARE(stateSpy.at(2).at(0).value<CircuitState>(), CircuitState::Closed);
        QVERIFY(get(service, kItems).ok());
    }

    void callersOnSeveralThreads()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &) { return FakeZoho::json(200, booksOk()); });
        ZohoService service(zoho.settings(), fastOptions());
        std::atomic<int> succeeded{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&service, &succeeded] {
                for (int i = 0; i < 10; ++i) {
                    if (awaitResult(service.client()->submit(ZohoRequest::get(kItems))).ok())
                        ++succeeded;
                }
            });
        }
        for (auto &thread : threads)
            thread.join();
        QCOMPARE(succeeded.load(), 40);
        QCOMPARE(zoho.apiRequests(), 40);
        QCOMPARE(zoho.tokenRequests(), 1);
    }

    void concurrencyCapQueues()
    {
        FakeZoho zoho;
        PeakConcurrency concurrency;
        zoho.onApi([&](const Request &) {
            concurrency.hold(50);
            return FakeZoho::json(200, booksOk());
        });
        ZohoClientOptions options = fastOptions();
        options.limits = generousLimits(2);
        ZohoService service(zoho.settings(), options);
        QList<QFuture<Result<ZohoResponse>>> futures;
        for (int i = 0; i < 8; ++i)
            futures.append(service.client()->submit(ZohoRequest::get(kItems)));
        for (auto &future : futures)
            QVERIFY(awaitResult(future).ok());  // queued, never failed
        QVERIFY2(concurrency.peak() <= 2, qPrintable(QString::number(concurrency.peak())));
        QCOMPARE(zoho.apiRequests(), 8);
        const ZohoStats stats = service.client()->stats();
        QCOMPARE(stats.inFlight, 0);
        QCOMPARE(stats.failures, 0u);
        QCOMPARE(service.client()->budget()->snapshot().of(ZohoApiFamily::Books).inFlight, 0);
    }

    // Qt opens at most six connections per host per network manager; a cap above that
    // must still be reached (the client spreads calls over several managers).
    void moreThanSixCallsInFlight()
    {
        FakeZoho zoho;
        PeakConcurrency concurrency;
        zoho.onApi([&](const Request &) {
            concurrency.hold(300);
            return FakeZoho::json(200, booksOk());
        });
        ZohoClientOptions options = fastOptions();
        options.limits = generousLimits(8);  // the fake serves with httplib's 8 worker threads
        ZohoService service(zoho.settings(), options);
        QList<QFuture<Result<ZohoResponse>>> futures;
        for (int i = 0; i < 16; ++i)
            futures.append(service.client()->submit(ZohoRequest::get(kItems)));
        for (auto &future : futures)
            QVERIFY(awaitResult(future).ok());
        QVERIFY2(concurrency.peak() > 6 && concurrency.peak() <= 8, qPrintable(QString::number(concurrency.peak())));
    }

    // Concurrency 1: eight syncs queue behind the one in flight; a read submitted after
    // them is the next one sent.
    void readJumpsQueuedSyncs()
    {
        FakeZoho zoho;
        Gate gate;
        std::atomic<int> seen{0};
        zoho.onApi([&](const Request &) {
            if (++seen == 1)
                gate.wait();
            return FakeZoho::json(200, booksOk());
        });
        ZohoClientOptions options = fastOptions();
        options.limits = generousLimits(1);
        ZohoService service(zoho.settings(), options);
        QList<QFuture<Result<ZohoResponse>>> syncs;
        for (int i = 0; i < 9; ++i)
            syncs.append(service.client()->submit(request(kItems, ZohoCallPurpose::Sync)));
        QTRY_COMPARE(service.client()->stats().queued, 8);  // one sent, held by the gate
        auto read = service.client()->submit(request(kContacts, ZohoCallPurpose::Read));
        QTRY_COMPARE(service.client()->stats().queued, 9);
        gate.open();
        QVERIFY(awaitResult(read).ok());
        for (auto &future : syncs)
            QVERIFY(awaitResult(future).ok());
        const auto log = zoho.apiLog();
        QCOMPARE(int(log.size()), 10);
        QCOMPARE(log.at(0).path, kItems.toStdString());
        QCOMPARE(log.at(1).path, kContacts.toStdString());
        for (size_t i = 2; i < log.size(); ++i)
            QCOMPARE(log.at(i).path, kItems.toStdString());
    }

    // A call whose future was cancelled before it left the queue is never sent and
    // spends no budget.
    void cancelledCallIsNeverSent()
    {
        FakeZoho zoho;
        Gate gate;
        std::atomic<int> seen{0};
        zoho.onApi([&](const Request &) {
            if (++seen == 1)
                gate.wait();
            return FakeZoho::json(200, booksOk());
        });
        auto budget = std::make_shared<FakeZohoBudget>();
        ZohoClientOptions options = fastOptions();
        options.budget = budget;
        ZohoService service(zoho.settings(), options);
        auto first = service.client()->submit(request(kItems, ZohoCallPurpose::Sync));
        QTRY_COMPARE(seen.load(), 1);
        // The second call is told to wait (longer than the test), so it stays queued.
        budget->push(ZohoBudget::Wait{60000, ZohoBudgetWaitReason::Concurrency});
        auto cancelled = service.client()->submit(request(kContacts, ZohoCallPurpose::Sync));
        QTRY_COMPARE(budget->acquires().size(), 2);  // told to wait, so still queued
        cancelled.cancel();
        gate.open();
        QVERIFY(awaitResult(first).ok());
        QVERIFY(get(service, kItems).ok());
        QTRY_COMPARE(service.client()->stats().queued, 0);
        QCOMPARE(zoho.apiRequests(), 2);
        for (const Request &sent : zoho.apiLog())
            QVERIFY(sent.path != kContacts.toStdString());
        QCOMPARE(budget->acquires().size(), 3);  // first, the wait, the last get: none after cancel
    }

    void readsUseReadRetryOthersRetry()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &) { return FakeZoho::json(503, R"({"code":1000,"message":"busy"})"); });
        ZohoClientOptions options = fastOptions();
        options.readRetry.maxAttempts = 2;
        options.retry.maxAttempts = 4;
        ZohoService service(zoho.settings(), options);
        EventLog log(service.client());
        auto read = awaitResult(service.client()->submit(request(kItems, ZohoCallPurpose::Read)));
        QVERIFY(!read.ok());
        QCOMPARE(zoho.apiRequests(), 2);
        QCOMPARE(log.events().last().maxAttempts, 2);
        auto sync = awaitResult(service.client()->submit(request(kItems, ZohoCallPurpose::Sync)));
        QVERIFY(!sync.ok());
        QCOMPARE(zoho.apiRequests(), 6);
        QCOMPARE(log.events().last().maxAttempts, 4);
        auto webhook = awaitResult(service.client()->submit(request(kItems, ZohoCallPurpose::Webhook)));
        QVERIFY(!webhook.ok());
        QCOMPARE(zoho.apiRequests(), 10);
    }

    void everyRetryAsksTheBudgetAgain()
    {
        FakeZoho zoho;
        std::atomic<int> n{0};
        zoho.onApi([&n](const Request &) {
            if (++n <= 2)
                return FakeZoho::json(500, R"({"code":1000,"message":"Internal error"})");
            return FakeZoho::json(200, booksOk());
        });
        auto budget = std::make_shared<FakeZohoBudget>();
        ZohoClientOptions options = fastOptions();
        options.budget = budget;
        ZohoService service(zoho.settings(), options);
        QVERIFY(awaitResult(service.client()->submit(request(kItems, ZohoCallPurpose::Sync))).ok());
        QCOMPARE(budget->acquires().size(), 3);
        QTRY_COMPARE(budget->releases().size(), 3);
        for (const auto &release : budget->releases())
            QCOMPARE(release.mode, ZohoLeaseRelease::Now);
    }

    // Wait: the client asks again after that long (a timer, the thread stays free).
    void budgetWaitSchedulesAnotherTry()
    {
        FakeZoho zoho;
        auto budget = std::make_shared<FakeZohoBudget>();
        budget->push(ZohoBudget::Wait{30, ZohoBudgetWaitReason::Window});
        budget->push(ZohoBudget::Wait{30, ZohoBudgetWaitReason::Window});
        ZohoClientOptions options = fastOptions();
        options.budget = budget;
        ZohoService service(zoho.settings(), options);
        QVERIFY(awaitResult(service.client()->submit(request(kItems, ZohoCallPurpose::Sync))).ok());
        QCOMPARE(budget->acquires().size(), 3);
        QCOMPARE(zoho.apiRequests(), 1);
        const ZohoBudgetRequest asked = budget->acquires().constFirst();
        QCOMPARE(asked.family, ZohoApiFamily::Books);
        QCOMPARE(asked.purpose, ZohoCallPurpose::Sync);
        QCOMPARE(asked.credits, 1);
        QCOMPARE(asked.leaseMs, options.requestTimeoutMs + 5000);
    }

    // A read that would wait past its maxBudgetWaitMs fails at once, unsent, so the
    // read path serves stale.
    void readPastItsBudgetWaitFailsAtOnce()
    {
        FakeZoho zoho;
        auto budget = std::make_shared<FakeZohoBudget>();
        budget->push(ZohoBudget::Wait{60000, ZohoBudgetWaitReason::Window});
        ZohoClientOptions options = fastOptions();
        options.budget = budget;
        ZohoService service(zoho.settings(), options);
        ZohoRequest read = request(kStudents, ZohoCallPurpose::Read);
        read.maxBudgetWaitMs = ZohoRequest::kReadBudgetWaitMs;
        auto result = awaitResult(service.client()->submit(read));
        QVERIFY(!result.ok());
        QCOMPARE(result.error().kind, ErrorKind::RateLimited);
        QCOMPARE(result.error().code, QStringLiteral("budget_wait"));
        QVERIFY2(result.error().message.contains(QLatin1String("Zoho CRM"))
                     && result.error().message.contains(QLatin1String("2000 ms")),
                 qPrintable(result.error().message));
        QCOMPARE(zoho.apiRequests(), 0);
    }

    // submit(request, attach) hands the future over before the call can finish: a read the
    // budget turns away at once is still unfinished when attach returns, however long
    // attach takes, so a continuation added there runs exactly once (Qt 6.4's then() on a
    // future another thread is finishing may run it twice and crash).
    void continuationsAttachedBeforeTheCallCanFinish()
    {
        FakeZoho zoho;
        auto budget = std::make_shared<FakeZohoBudget>();
        constexpr int kCalls = 20;
        for (int i = 0; i < kCalls; ++i)
            budget->push(ZohoBudget::Wait{60000, ZohoBudgetWaitReason::Window});
        ZohoClientOptions options = fastOptions();
        options.budget = budget;
        ZohoService service(zoho.settings(), options);
        std::atomic<int> runs{0};
        for (int i = 0; i < kCalls; ++i) {
            ZohoRequest read = request(kStudents, ZohoCallPurpose::Read);
            read.maxBudgetWaitMs = ZohoRequest::kReadBudgetWaitMs;
            bool finishedInAttach = true;
            QFuture<int> mapped;
            (void)service.client()->submit(read, [&](QFuture<Result<ZohoResponse>> &future) {
                QThread::msleep(5);  // the client's thread would fail it by now, were it sent
                finishedInAttach = future.isFinished();
                mapped = future.then([&runs](const Result<ZohoResponse> &response) {
                    ++runs;
                    return response.ok() ? 1 : 0;
                });
            });
            QVERIFY(!finishedInAttach);
            QCOMPARE(mapped.result(), 0);
        }
        QCOMPARE(runs.load(), kCalls);
        QCOMPARE(zoho.apiRequests(), 0);
    }

    // ZohoApi's parse continuations are attached that way: many reads failing at once
    // from several threads each get one answer (before, one was now and then parsed twice
    // and the process crashed in QFutureInterfaceBase::reportStarted).
    void apiReadsFailingAtOnceFromManyThreads()
    {
        FakeZoho zoho;
        auto budget = std::make_shared<FakeZohoBudget>();
        constexpr int kThreads = 8;
        constexpr int kReadsPerThread = 5000;
        for (int i = 0; i < kThreads * kReadsPerThread; ++i)
            budget->push(ZohoBudget::Wait{60000, ZohoBudgetWaitReason::Window});
        ZohoClientOptions options = fastOptions();
        options.budget = budget;
        ZohoService service(zoho.settings(), options);
        const ZohoApi api = service.api().withMaxBudgetWaitMs(ZohoRequest::kReadBudgetWaitMs);
        std::atomic<int> answered{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&] {
                for (int i = 0; i < kReadsPerThread; ++i) {
                    auto page = awaitResult(api.crmSearch(QStringLiteral("Students"),
                                                          QStringLiteral("(Moodle_User_ID:equals:1)")));
                    if (!page.ok() && page.error().kind == ErrorKind::RateLimited)
                        ++answered;
                }
            });
        }
        for (auto &thread : threads)
            thread.join();
        QCOMPARE(answered.load(), kThreads * kReadsPerThread);
    }

    // Stopped fails the family's queued calls of that purpose and below at once, with the
    // reason; other families and higher purposes go on. A real LocalZohoBudget on a
    // pinned clock: syncs stop at 90 % of a daily budget of 10.
    void stoppedFailsFastWithTheReason()
    {
        FakeZoho zoho;
        ManualEpochClock clock;
        ZohoClientOptions options = fastOptions();
        options.limits.books.perDay = 10;
        options.epochClock = clock.clock();
        ZohoService service(zoho.settings(), options);
        for (int i = 0; i < 9; ++i)
            QVERIFY(awaitResult(service.client()->submit(request(kItems, ZohoCallPurpose::Sync))).ok());
        QList<QFuture<Result<ZohoResponse>>> stopped;
        for (int i = 0; i < 3; ++i)
            stopped.append(service.client()->submit(request(kItems, ZohoCallPurpose::Sync)));
        for (auto &future : stopped) {
            auto result = awaitResult(future);
            QVERIFY(!result.ok());
            QCOMPARE(result.error().kind, ErrorKind::RateLimited);
            QVERIFY2(result.error().message.contains(QLatin1String("Zoho Books daily limit spent"))
                         && result.error().message.contains(QLatin1String("until 2024-06-12 00:00:00 UTC")),
                     qPrintable(result.error().message));
        }
        QCOMPARE(zoho.apiRequests(), 9);
        QVERIFY(awaitResult(service.client()->submit(request(kItems, ZohoCallPurpose::Read))).ok());  // the last 10 %
        QVERIFY(awaitResult(service.client()->submit(request(kStudents, ZohoCallPurpose::Sync))).ok());  // CRM
        QCOMPARE(zoho.apiRequests(), 11);
    }

    void leaseReleasedOnFinishKeptOnTimeout()
    {
        FakeZoho zoho;
        std::atomic<int> n{0};
        zoho.onApi([&n](const Request &) {
            Reply reply = FakeZoho::json(200, booksOk());
            if (++n == 2)
                reply.delayMs = 700;
            return reply;
        });
        auto budget = std::make_shared<FakeZohoBudget>();
        ZohoClientOptions options = fastOptions();
        options.budget = budget;
        options.requestTimeoutMs = 150;
        options.retry.maxAttempts = 1;
        ZohoService service(zoho.settings(), options);
        QVERIFY(awaitResult(service.client()->submit(request(kItems, ZohoCallPurpose::Sync))).ok());
        auto timedOut = awaitResult(service.client()->submit(request(kItems, ZohoCallPurpose::Sync)));
        QCOMPARE(timedOut.error().kind, ErrorKind::Timeout);
        QTRY_COMPARE(budget->releases().size(), 2);
        const auto releases = budget->releases();
        QCOMPARE(releases.at(0).mode, ZohoLeaseRelease::Now);
        QCOMPARE(releases.at(1).mode, ZohoLeaseRelease::KeepUntilExpiry);
        QVERIFY(releases.at(0).lease.id != releases.at(1).lease.id);
    }

    void rateLimitAnswersReachTheBudget()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &) {
            Reply reply = FakeZoho::json(429, R"({"code":44,"message":"too many requests"})");
            reply.headers.push_back({"X-Rate-Limit-Remaining", "0"});
            return reply;
        });
        auto budget = std::make_shared<FakeZohoBudget>();
        ZohoClientOptions options = fastOptions();
        options.budget = budget;
        options.readRetry.maxAttempts = 1;
        ZohoService service(zoho.settings(), options);
        auto result = get(service, QStringLiteral("/inventory/v1/items"));
        QCOMPARE(result.error().kind, ErrorKind::RateLimited);
        const auto rejections = budget->rejections();
        QCOMPARE(rejections.size(), 1);
        QCOMPARE(rejections.at(0).family, ZohoApiFamily::Inventory);
        QCOMPARE(rejections.at(0).error.code, QStringLiteral("44"));
        bool sawHeader = false;
        for (const auto &[name, value] : rejections.at(0).headers)
            sawHeader = sawHeader || (name.compare("X-Rate-Limit-Remaining", Qt::CaseInsensitive) == 0 && value == "0");
        QVERIFY(sawHeader);
    }

    // With the default LocalZohoBudget no window of 61 s holds more than per_window
    // calls: 7 calls with per_window 5 → 5 sent, 2 wait for the window (the pinned clock
    // never moves, so they are cancelled by the shutdown).
    void localBudgetHoldsTheWindow()
    {
        FakeZoho zoho;
        ManualEpochClock clock;
        ZohoClientOptions options = fastOptions();
        options.limits.books.perWindow = 5;
        options.epochClock = clock.clock();
        QList<QFuture<Result<ZohoResponse>>> futures;
        {
            ZohoService service(zoho.settings(), options);
            for (int i = 0; i < 7; ++i)
                futures.append(service.client()->submit(request(kItems, ZohoCallPurpose::Sync)));
            for (int i = 0; i < 5; ++i)
                QVERIFY(awaitResult(futures.at(i)).ok());
            QTRY_COMPARE(service.client()->stats().queued, 2);
            QCOMPARE(service.client()->budget()->snapshot().of(ZohoApiFamily::Books).windowUsed, 5);
        }
        QCOMPARE(zoho.apiRequests(), 5);
        QCOMPARE(awaitResult(futures.at(6)).error().kind, ErrorKind::Cancelled);
    }

    // ~SyncPageFetcher cancels the pages it asked for ahead: those still queued are never
    // sent and spend no budget. Concurrency 1: page 1 answers, page 2 is held in flight,
    // pages 3-8 queue; the fetcher goes away; only pages 1 and 2 ever reach Zoho.
    void syncPageFetcherCancelsItsPrefetches()
    {
        FakeZoho zoho;
        Gate gate;
        zoho.onApi([&](const Request &sent) {
            if (sent.param("page") != "1")
                gate.wait();
            return FakeZoho::json(200, R"({"code":0,"message":"success","items":[{"item_id":"1"}],)"
                                       R"("page_context":{"page":1,"per_page":200,"has_more_page":true}})");
        });
        ZohoClientOptions options = fastOptions();
        options.limits = generousLimits(1);
        ZohoService service(zoho.settings(), options);
        EntityDefinition items;
        items.name = QStringLiteral("products");
        items.path = kItems;
        items.listKey = QStringLiteral("items");
        {
            SyncPageFetcher fetcher(items, service.client(), 8, 8);
            const std::atomic_bool cancelled{false};
            auto first = fetcher.next(cancelled);
            QVERIFY(first.ok() && first->has_value());
            QTRY_COMPARE(zoho.apiRequests(), 2);  // page 2 in flight, held
            QTRY_COMPARE(service.client()->stats().queued, 6);
        }
        gate.open();
        QTRY_COMPARE(service.client()->stats().queued, 0);
        QTRY_COMPARE(service.client()->stats().inFlight, 0);
        QVERIFY(get(service, kContacts).ok());  // the client goes on
        QCOMPARE(zoho.apiRequests(), 3);
    }

    void queryIsEncodedAndOrganisationOnlyForBooks()
    {
        FakeZoho zoho;
        ZohoService service(zoho.settings(), fastOptions());
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("criteria"), QStringLiteral("(Email:equals:a+b@x.com)&x"));
        QVERIFY(get(service, kStudents + QStringLiteral("/search"), query).ok());
        const Request request = zoho.apiLog().at(0);
        QCOMPARE(request.param("criteria"), std::string("(Email:equals:a+b@x.com)&x"));
        QVERIFY(!request.hasParam("organization_id"));
        QVERIFY(get(service, QStringLiteral("/inventory/v1/items")).ok());
        QCOMPARE(zoho.apiLog().at(1).param("organization_id"), std::string("ORG1"));
    }

    void shutdownCancelsPending()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &) {
            Reply reply = FakeZoho::json(200, booksOk());
            reply.delayMs = 300;
            return reply;
        });
        QFuture<Result<ZohoResponse>> pending;
        {
            ZohoService service(zoho.settings(), fastOptions());
            pending = service.client()->submit(ZohoRequest::get(kItems));
            QTRY_COMPARE(zoho.apiRequests(), 1);
        }
        auto result = awaitResult(pending);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().kind, ErrorKind::Cancelled);
    }
};

QTEST_GUILESS_MAIN(TestZohoClient)
#include "tst_zohoclient.moc"
