// ZohoAuth through its TokenStore, with a scripted store standing in for the other
// processes and a fake Zoho: it waits for another process's refresh without asking Zoho,
// fails every call at once while the token endpoint is throttled, tells the store when
// Zoho throttles it, drops only the token a 401 rejected, and still works when the
// store cannot answer.
#include "fakezoho.h"
#include "verifyok.h"
#include "zohotesthelpers.h"

#include "zoho/awaitresult.h"
#include "zoho/tokenstore.h"
#include "zoho/zohoclient.h"
#include "zoho/zohoparser.h"
#include "zoho/zohoservice.h"

#include <QMutex>
#include <QTest>

#include <deque>

using namespace tiersync;
using namespace tiersync::test;

namespace {

constexpr qint64 kStartMs = 1718117130000;  // ManualWallClock's start: 2024-06-11T14:45:30Z
const QString kStudents = QStringLiteral("/crm/v2/Students");

StoredToken storedToken(const QString &accessToken, const QByteArray &record)
{
    return StoredToken{Secret(accessToken), kStartMs + 3000000, kStartMs, QStringLiteral("host-b:77"), record};
}

// Answers beginRefresh from a script (then Granted), keeps what finishRefresh stores, and
// counts every call. Used on the Zoho thread, read by the test thread.
class ScriptedTokenStore final : public TokenStore {
public:
    void script(Result<RefreshTicket> answer)
    {
        const QMutexLocker locker(&m_mutex);
        m_script.push_back(std::move(answer));
    }
    void setToken(std::optional<StoredToken> token)
    {
        const QMutexLocker locker(&m_mutex);
        m_token = std::move(token);
    }
    void failFinish() { m_failFinish = true; }

    Result<std::optional<StoredToken>> load() override
    {
        const QMutexLocker locker(&m_mutex);
        ++loads;
        return m_token;
    }
    Result<RefreshTicket> beginRefresh(qint64 lockMs) override
    {
        const QMutexLocker locker(&m_mutex);
        ++begins;
        lastLockMs = lockMs;
        if (m_script.empty()) {
            RefreshTicket granted;
            granted.lockValue = "me:1";
            granted.reason = QStringLiteral("host-a:1");
            return granted;
        }
        Result<RefreshTicket> next = m_script.front();
        m_script.pop_front();
        if (next && next->kind == RefreshTicket::Kind::Present)
            m_token = next->present;
        return next;
    }
    Result<StoredToken> finishRefresh(const RefreshTicket &ticket, const OAuthToken &token) override
    {
        const QMutexLocker locker(&m_mutex);
        ++finishes;
        finishedLock = ticket.lockValue;
        finishedLifetimeMs = token.expiresInMs;
        if (m_failFinish)
            return makeError(ErrorKind::Unavailable, QStringLiteral("store down"));
        m_token = StoredToken{token.accessToken, kStartMs + token.expiresInMs, kStartMs, QStringLiteral("host-a:1"),
                              "record-" + token.accessToken.reveal().toUtf8()};
        return *m_token;
    }
    void abandonRefresh(const RefreshTicket &ticket, const Error &why, qint64 throttledUntilMs) override
    {
        const QMutexLocker locker(&m_mutex);
        ++abandons;
        abandonedLock = ticket.lockValue;
        abandonedWhy = why;
        abandonedUntilMs = throttledUntilMs;
    }
    void drop(const StoredToken &failed) override
    {
        const QMutexLocker locker(&m_mutex);
        dropped.append(failed.record);
        if (m_token && m_token->record == failed.record)
            m_token.reset();
    }

    std::atomic<int> loads{0}, begins{0}, finishes{0}, abandons{0};
    std::atomic<qint64> lastLockMs{0}, finishedLifetimeMs{0}, abandonedUntilMs{0};
    QByteArray finishedLock, abandonedLock;
    Error abandonedWhy;
    QList<QByteArray> dropped;

private:
    QMutex m_mutex;
    std::deque<Result<RefreshTicket>> m_script;
    std::optional<StoredToken> m_token;
    std::atomic<bool> m_failFinish{false};
};

RefreshTicket ticket(RefreshTicket::Kind kind)
{
    RefreshTicket t;
    t.kind = kind;
    return t;
}

Result<ZohoResponse> get(ZohoService &service)
{
    return awaitResult(service.client()->submit(ZohoRequest::get(kStudents)));
}

std::string crmOk()
{
    return R"({"data":[{"id":"1"}],"info":{"more_records":false}})";
}

}  // namespace

class TestZohoAuthStore final : public QObject {
    Q_OBJECT

private:
    struct Setup {
        FakeZoho zoho;
        ManualWallClock wall;
        std::shared_ptr<ScriptedTokenStore> store = std::make_shared<ScriptedTokenStore>();
        [[nodiscard]] ZohoClientOptions options() const
        {
            ZohoClientOptions o = fastOptions();
            o.wallClock = wall.clock();
            o.tokenStore = store;
            return o;
        }
    };

private slots:
    void waitsForAnotherProcessesRefresh()
    {
        Setup s;
        s.zoho.onToken([](const FakeZoho::Request &) { return FakeZoho::token(1); });
        s.zoho.onApi([](const FakeZoho::Request &request) {
            if (request.authorization != "Zoho-oauthtoken other-tok")
                return FakeZoho::json(401, R"({"code":"INVALID_TOKEN","status":"error"})");
            return FakeZoho::json(200, crmOk());
        });
        RefreshTicket held = ticket(RefreshTicket::Kind::HeldElsewhere);
        held.waitMs = 30000;
        held.reason = QStringLiteral("host-b:77:x:1");
        for (int i = 0; i < 3; ++i)
            s.store->script(held);
        RefreshTicket present = ticket(RefreshTicket::Kind::Present);
        present.present = storedToken(QStringLiteral("other-tok"), "record-other");
        s.store->script(present);

        ZohoService service(s.zoho.settings(), s.options());
        QList<QFuture<Result<ZohoResponse>>> calls;
        for (int i = 0; i < 5; ++i)
            calls.append(service.client()->submit(ZohoRequest::get(kStudents)));
        for (auto &call : calls)
            VERIFY_OK(awaitResult(call));
        QCOMPARE(s.zoho.tokenRequests(), 0);
        QCOMPARE(s.zoho.apiRequests(), 5);
        QCOMPARE(s.store->begins.load(), 4);  // one ask, three polls
        QCOMPARE(s.store->lastLockMs.load(), fastOptions().requestTimeoutMs + 5000);
        QCOMPARE(service.client()->stats().tokenRefreshes, 0u);
    }

    void throttledElsewhereFailsEveryCallAtOnce()
    {
        Setup s;
        s.zoho.onToken([](const FakeZoho::Request &) { return FakeZoho::token(1); });
        s.zoho.onApi([](const FakeZoho::Request &) { return FakeZoho::json(200, crmOk()); });
        RefreshTicket throttled = ticket(RefreshTicket::Kind::Throttled);
        throttled.untilMs = kStartMs + 600000;
        throttled.waitMs = 600000;
        throttled.reason = QStringLiteral("host-b:77");
        s.store->script(throttled);

        ZohoService service(s.zoho.settings(), s.options());
        QList<QFuture<Result<ZohoResponse>>> calls;
        for (int i = 0; i < 3; ++i)
            calls.append(service.client()->submit(ZohoRequest::get(kStudents)));
        for (auto &call : calls) {
            auto result = awaitResult(call);
            QVERIFY(!result.ok());
            QCOMPARE(result.error().kind, ErrorKind::RateLimited);
            QCOMPARE(result.error().code, QString(zohoparser::kOAuthThrottledCode));
            QVERIFY2(result.error().message.startsWith(QLatin1String(
                         "Zoho OAuth token endpoint throttled until 14:55:30 UTC (noted by host-b:77)")),
                     qPrintable(result.error().message));
        }
        // Later calls inside the window are refused here, without asking the store or Zoho.
        s.wall.advanceSeconds(599);
        QVERIFY(!get(service).ok());
        QCOMPARE(s.store->begins.load(), 1);
        QCOMPARE(s.zoho.tokenRequests(), 0);
        // After it, one refresh.
        s.wall.advanceSeconds(1);
        VERIFY_OK(get(service));
        QCOMPARE(s.store->begins.load(), 2);
        QCOMPARE(s.zoho.tokenRequests(), 1);
    }

    void accessDeniedIsToldToTheStore()
    {
        Setup s;
        s.zoho.onToken([](const FakeZoho::Request &) {
            return FakeZoho::json(200, R"({"error_description":"You have made too many requests continuously. Please try again after some time.","error":"Access Denied","status":"failure"})");
        });
        ZohoService service(s.zoho.settings(), s.options());
        auto result = get(service);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, QString(zohoparser::kOAuthThrottledCode));
        QVERIFY2(result.error().message.contains(QLatin1String("until 14:55:30 UTC (noted by host-a:1)")),
                 qPrintable(result.error().message));
        QCOMPARE(s.zoho.tokenRequests(), 1);
        QCOMPARE(s.store->abandons.load(), 1);
        QCOMPARE(s.store->abandonedLock, QByteArray("me:1"));
        QCOMPARE(s.store->abandonedUntilMs.load(), kStartMs + 600000);
        QCOMPARE(s.store->finishes.load(), 0);
    }

    void invalidClientReleasesTheLock()
    {
        Setup s;
        s.zoho.onToken([](const FakeZoho::Request &) { return FakeZoho::json(200, R"({"error":"invalid_client"})"); });
        ZohoService service(s.zoho.settings(), s.options());
        auto result = get(service);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().kind, ErrorKind::Auth);
        QCOMPARE(s.store->abandons.load(), 1);
        QCOMPARE(s.store->abandonedUntilMs.load(), 0);
        QCOMPARE(s.store->abandonedWhy.kind, ErrorKind::Auth);
    }

    void storesTheTokenWithTheSafetyMarginTaken()
    {
        Setup s;
        s.zoho.onToken([](const FakeZoho::Request &) { return FakeZoho::token(1, 3600); });
        s.zoho.onApi([](const FakeZoho::Request &) { return FakeZoho::json(200, crmOk()); });
        ZohoService service(s.zoho.settings(), s.options());
        VERIFY_OK(get(service));
        VERIFY_OK(get(service));
        QCOMPARE(s.store->finishes.load(), 1);
        QCOMPARE(s.store->finishedLock, QByteArray("me:1"));
        QCOMPARE(s.store->finishedLifetimeMs.load(), 3600000 - fastOptions().tokenSafetyMarginMs);
        // The second call used the token in memory: no store round trip.
        QCOMPARE(s.store->begins.load(), 1);
        QCOMPARE(s.store->loads.load(), 1);
    }

    void unauthorisedDropsOnlyTheFailedToken()
    {
        Setup s;
        s.store->setToken(storedToken(QStringLiteral("old-tok"), "record-old"));
        s.zoho.onToken([](const FakeZoho::Request &) { return FakeZoho::token(1); });
        s.zoho.onApi([](const FakeZoho::Request &request) {
            if (request.authorization == "Zoho-oauthtoken old-tok")
                return FakeZoho::json(401, R"({"code":"INVALID_TOKEN","message":"invalid oauth token","status":"error"})");
            return FakeZoho::json(200, crmOk());
        });
        ZohoService service(s.zoho.settings(), s.options());
        VERIFY_OK(get(service));
        QCOMPARE(s.store->dropped, (QList<QByteArray>{"record-old"}));
        QCOMPARE(s.zoho.tokenRequests(), 1);
        QCOMPARE(s.zoho.apiRequests(), 2);
    }

    void storeFailuresStillGetAToken()
    {
        Setup s;
        s.store->script(makeError(ErrorKind::Unavailable, QStringLiteral("redis down")));
        s.store->failFinish();
        s.zoho.onToken([](const FakeZoho::Request &) { return FakeZoho::token(1); });
        s.zoho.onApi([](const FakeZoho::Request &) { return FakeZoho::json(200, crmOk()); });
        ZohoService service(s.zoho.settings(), s.options());
        VERIFY_OK(get(service));
        VERIFY_OK(get(service));
        QCOMPARE(s.zoho.tokenRequests(), 1);
        QCOMPARE(s.zoho.apiRequests(), 2);
    }
};

QTEST_GUILESS_MAIN(TestZohoAuthStore)
#include "tst_zohoauthstore.moc"
