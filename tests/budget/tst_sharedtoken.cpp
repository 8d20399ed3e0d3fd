// Several ZohoServices (each as a separate process would build it: its own client,
// ZohoAuth and RedisTokenStore) reading one Zoho client through one Redis: the token is
// refreshed once for all of them, a revoked token costs one drop and one refresh, and
// Zoho's token throttle noticed by one stops the others from asking. Against a zoho-sim
// of this test (its token throttle and revocation are switched per test) and the
// fixture's Redis (own database).
#include "privatezohosim.h"
#include "simcontrol.h"
#include "testsandbox.h"
#include "verifyok.h"
#include "zohotesthelpers.h"

#include "budget/redistokenstore.h"
#include "redis/redisconnection.h"
#include "zoho/awaitresult.h"
#include "zoho/zohoapi.h"
#include "zoho/zohoclient.h"
#include "zoho/zohoparser.h"
#include "zoho/zohoservice.h"

#include <QTest>

#include <memory>
#include <vector>

using namespace tiersync;
using namespace tiersync::test;

namespace {

constexpr int kRedisDb = 35;  // this executable's database on the fixture's Redis
const QString kModule = QStringLiteral("Students");
const QString kCriteria = QStringLiteral("(Moodle_User_ID:equals:1)");

}  // namespace

class TestSharedToken final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<PrivateZohoSim> m_sim;
    RedisSettings m_redis;

    [[nodiscard]] std::unique_ptr<ZohoService> process() const
    {
        return process(m_redis);
    }

    [[nodiscard]] std::unique_ptr<ZohoService> process(const RedisSettings &redis) const
    {
        ZohoClientOptions options = fastOptions();
        options.retry.baseDelayMs = 10;
        options.retry.maxDelayMs = 100;
        options.requestTimeoutMs = 10000;
        options.tokenStore = makeRedisTokenStore(redis, m_sim->settings());
        return std::make_unique<ZohoService>(m_sim->settings(), options);
    }

    [[nodiscard]] qint64 simRefreshes() const
    {
        auto oauth = simGet(m_sim->apiBase(), QStringLiteral("/_sim/oauth"));
        return oauth ? oauth->value(QLatin1String("refreshes")).toInteger(-1) : -1;
    }

    [[nodiscard]] qint64 tokenRequests() const
    {
        auto stats = simGet(m_sim->apiBase(), QStringLiteral("/_sim/stats"));
        if (!stats)
            return -1;
        return stats->value(QLatin1String("requests")).toObject().value(QLatin1String("POST /oauth/v2/token")).toInteger(0);
    }

    static Result<CrmPage> search(const ZohoService &service)
    {
        return awaitResult(service.api().crmSearch(kModule, kCriteria));
    }

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        m_redis = profile.redis;
        m_redis.db = kRedisDb;
        auto sim = PrivateZohoSim::start();
        VERIFY_OK(sim);
        m_sim = std::move(sim).value();
    }

    void init()
    {
        VERIFY_OK(RedisConnection::forCurrentThread(m_redis).command({"FLUSHDB"}));
        VERIFY_OK(simPost(m_sim->apiBase(), QStringLiteral("/_sim/oauth"),
                          QJsonObject{{QStringLiteral("revoke_all"), true},
                                      {QStringLiteral("reset_count"), true},
                                      {QStringLiteral("throttle"), false}}));
        VERIFY_OK(simPost(m_sim->apiBase(), QStringLiteral("/_sim/reset-stats")));
        // Zoho's limits are on: the flushed Redis forgot the token, so the sim forgets its
        // token log too, and each test starts with Zoho's 10 tokens per 10 minutes.
        VERIFY_OK(simSetLimits(m_sim->apiBase(), QJsonObject{{QStringLiteral("reset_budgets"), true},
                                                              {QStringLiteral("oauth"), QJsonObject{{QStringLiteral("per_10_min"), 10}}}}));
        QCOMPARE(simRefreshes(), 0);
    }

    void cleanupTestCase()
    {
        VERIFY_OK(RedisConnection::forCurrentThread(m_redis).command({"FLUSHDB"}));
        RedisConnection::dropForCurrentThread();
        m_sim.reset();
    }

    void coldProcessesAtOnceRefreshOnce()
    {
        constexpr int kProcesses = 3;
        std::vector<std::unique_ptr<ZohoService>> processes;
        for (int i = 0; i < kProcesses; ++i)
            processes.push_back(process());
        // Every process asks at once, several calls each.
        QList<QFuture<Result<CrmPage>>> calls;
        for (int round = 0; round < 4; ++round) {
            for (const auto &service : processes)
                calls.append(service->api().crmSearch(kModule, kCriteria));
        }
        for (auto &call : calls)
            VERIFY_OK(awaitResult(call));
        QCOMPARE(simRefreshes(), 1);
        QCOMPARE(tokenRequests(), 1);
        quint64 refreshedHere = 0;
        for (const auto &service : processes)
            refreshedHere += service->client()->stats().tokenRefreshes;
        QCOMPARE(refreshedHere, quint64(1));

        // Processes that start later use the same token.
        for (int i = 0; i < 5; ++i) {
            auto late = process();
            VERIFY_OK(search(*late));
        }
        QCOMPARE(simRefreshes(), 1);
    }

    void revokedTokenOneDropOneRefresh()
    {
        auto a = process();
        auto b = process();
        VERIFY_OK(search(*a));
        VERIFY_OK(search(*b));
        QCOMPARE(simRefreshes(), 1);

        VERIFY_OK(simPost(m_sim->apiBase(), QStringLiteral("/_sim/oauth"),
                          QJsonObject{{QStringLiteral("revoke_all"), true}}));
        // A meets the 401 first: it drops that token and refreshes once.
        VERIFY_OK(search(*a));
        QCOMPARE(simRefreshes(), 2);
        // B's 401 on the old token deletes nothing newer; B finds A's token.
        VERIFY_OK(search(*b));
        QCOMPARE(simRefreshes(), 2);
        QCOMPARE(tokenRequests(), 2);
        QCOMPARE(b->client()->stats().tokenRefreshes, quint64(0));
    }

    void unreachableRedisStillServes()
    {
        RedisSettings nowhere = m_redis;
        nowhere.port = 1;  // nothing listens there
        auto alone = process(nowhere);
        for (int i = 0; i < 5; ++i)
            VERIFY_OK(search(*alone));
        // The token is kept in the process: one refresh for every call.
        QCOMPARE(simRefreshes(), 1);
        QCOMPARE(alone->client()->stats().tokenRefreshes, quint64(1));
    }

    void throttleNoticedByOneStopsEveryone()
    {
        VERIFY_OK(simSetLimits(m_sim->apiBase(),
                               QJsonObject{{QStringLiteral("oauth"), QJsonObject{{QStringLiteral("per_10_min"), 1}}}}));
        auto a = process();
        auto b = process();
        VERIFY_OK(search(*a));
        VERIFY_OK(search(*b));
        QCOMPARE(tokenRequests(), 1);

        // The token is revoked; the sim's throttle refuses a second one this window.
        VERIFY_OK(simPost(m_sim->apiBase(), QStringLiteral("/_sim/oauth"),
                          QJsonObject{{QStringLiteral("revoke_all"), true}}));
        auto denied = search(*a);
        QVERIFY(!denied.ok());
        QCOMPARE(denied.error().kind, ErrorKind::RateLimited);
        QCOMPARE(denied.error().code, QString(zohoparser::kOAuthThrottledCode));
        QVERIFY2(denied.error().message.contains(QLatin1String("throttled until")),
                 qPrintable(denied.error().message));
        QVERIFY2(denied.error().message.contains(QLatin1String("UTC (noted by ")),
                 qPrintable(denied.error().message));
        QCOMPARE(tokenRequests(), 2);

        // B meets the 401 too, and fails at once with the same end of the window,
        // without asking Zoho.
        auto waited = search(*b);
        QVERIFY(!waited.ok());
        QCOMPARE(waited.error().kind, ErrorKind::RateLimited);
        QCOMPARE(waited.error().message, denied.error().message);
        // So does a process that starts now.
        auto c = process();
        auto fresh = search(*c);
        QVERIFY(!fresh.ok());
        QCOMPARE(fresh.error().message, denied.error().message);
        QCOMPARE(tokenRequests(), 2);
        QCOMPARE(simRefreshes(), 1);
    }
};

QTEST_GUILESS_MAIN(TestSharedToken)
#include "tst_sharedtoken.moc"
