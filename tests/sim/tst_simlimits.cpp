// zoho-sim's Zoho limits (SimLimits through SimService, no sockets): Books per rolling
// minute (44), per UTC day (45) and in flight (1070); CRM in flight and credits per rolling
// 24 h (TOO_MANY_REQUESTS); the token throttle (Access Denied); tenants; stats. Time is a
// ManualEpochClock plus POST /_sim/clock, never the real clock.
#include "manualepochclock.h"
#include "simoptions.h"
#include "simservice.h"
#include "simtestrequests.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <httplib.h>

#include <thread>

using namespace tiersync::sim;
using tiersync::test::ManualEpochClock;

namespace {

using tiersync::sim::test::json;
using tiersync::sim::test::Params;
using tiersync::sim::test::request;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr qint64 dayMs = 86'400'000;

std::string header(const SimReply &reply, const std::string &name)
{
    for (const auto &[key, value] : reply.headers) {
        if (key == name)
            return value;
    }
    return {};
}

bool hasHeader(const SimReply &reply, const std::string &name)
{
    for (const auto &[key, value] : reply.headers) {
        if (key == name)
            return true;
    }
    return false;
}

struct Tenant {
    std::string org;
    std::string client;
    std::string secret;
    std::string refresh;
};

const Tenant tenantA{"60000000001", "1000.TIERSYNCSANDBOX", "sandbox-client-secret", "1000.sandbox-refresh-token"};
const Tenant tenantB{"60000000002", "1000.TENANTB", "secret-b", "1000.refresh-b"};

QJsonObject tenantJson(const Tenant &tenant)
{
    return QJsonObject{{QStringLiteral("org_id"), QString::fromStdString(tenant.org)},
                       {QStringLiteral("client_id"), QString::fromStdString(tenant.client)},
                       {QStringLiteral("client_secret"), QString::fromStdString(tenant.secret)},
                       {QStringLiteral("refresh_token"), QString::fromStdString(tenant.refresh)}};
}

}  // namespace

class TestSimLimits final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<ManualEpochClock> m_clock;
    std::unique_ptr<SimService> m_service;

    SimReply control(const std::string &path, const QJsonObject &body)
    {
        return m_service->handle(
            request("POST", path, {}, {}, QJsonDocument(body).toJson(QJsonDocument::Compact).toStdString()));
    }

    QJsonObject get(const std::string &path) { return json(m_service->handle(request("GET", path))); }

    SimReply refresh(const Tenant &tenant)
    {
        return m_service->handle(request("POST", "/oauth/v2/token",
                                         {{"client_id", tenant.client}, {"client_secret", tenant.secret},
                                          {"refresh_token", tenant.refresh}, {"grant_type", "refresh_token"}}));
    }

    std::string token(const Tenant &tenant)
    {
        return json(refresh(tenant)).value(QLatin1String("access_token")).toString().toStdString();
    }

    SimReply books(const std::string &token, const std::string &org, const std::string &prefix = "/books/v3")
    {
        return m_service->handle(request("GET", prefix + "/items", {{"organization_id", org}, {"per_page", "1"}}, token));
    }

    SimReply crm(const std::string &token)
    {
        return m_service->handle(request("GET", "/crm/v2/Students", {{"per_page", "1"}}, token));
    }

    void setLimits(const QJsonObject &changes)
    {
        const SimReply reply = control("/_sim/limits", changes);
        QVERIFY2(reply.status == 200, reply.body.c_str());
    }

    void advance(qint64 ms)
    {
        const SimReply reply = control("/_sim/clock", {{QStringLiteral("advance_ms"), ms}});
        QVERIFY2(reply.status == 200, reply.body.c_str());
    }

    // stats.limits.tenants[org][family]
    QJsonObject familyStats(const Tenant &tenant, const char *family)
    {
        return get("/_sim/stats")
            .value(QLatin1String("limits")).toObject()
            .value(QLatin1String("tenants")).toObject()
            .value(QString::fromStdString(tenant.org)).toObject()
            .value(QLatin1String(family)).toObject();
    }

    static qint64 number(const QJsonObject &object, const char *key) { return object.value(QLatin1String(key)).toInteger(-1); }
    static qint64 rejections(const QJsonObject &family, const char *code)
    {
        return family.value(QLatin1String("rejections")).toObject().value(QLatin1String(code)).toInteger(-1);
    }

private slots:
    void init()
    {
        SimOptions options;
        options.port = 8080;
        options.products = 20;
        options.customers = 20;
        options.students = 20;
        m_clock = std::make_unique<ManualEpochClock>();  // 2024-06-11 14:45:30 UTC
        m_service = std::make_unique<SimService>(options, m_clock->clock());
        m_service->setApiDomain("http://127.0.0.1:8080");
    }

    void cleanup()
    {
        m_service->shutdown();
        m_service.reset();
    }

    void booksRollingMinute()
    {
        setLimits({{QStringLiteral("enabled"), true}});
        const std::string a = token(tenantA);
        advance(29'000);  // 14:45:59.000
        for (int i = 0; i < 50; ++i)
            QCOMPARE(books(a, tenantA.org).status, 200);
        advance(1'000);  // 14:46:00.000: a new calendar minute, the same rolling one
        for (int i = 0; i < 49; ++i)
            QCOMPARE(books(a, tenantA.org).status, 200);
        const SimReply hundredth = books(a, tenantA.org);
        QCOMPARE(hundredth.status, 200);
        QCOMPARE(header(hundredth, "X-Rate-Limit-Limit"), std::string("100"));
        QCOMPARE(header(hundredth, "X-Rate-Limit-Remaining"), std::string("0"));
        QCOMPARE(header(hundredth, "X-Rate-Limit-Reset"), std::string("59"));

        const SimReply limited = books(a, tenantA.org);
        QCOMPARE(limited.status, 429);
        QCOMPARE(json(limited).value(QLatin1String("code")).toInt(), 44);
        QVERIFY(json(limited).value(QLatin1String("message")).toString().contains(QLatin1String("per minute")));
        QVERIFY(!hasHeader(limited, "Retry-After"));
        QCOMPARE(header(limited, "X-Rate-Limit-Remaining"), std::string("0"));

        advance(58'999);  // 14:46:58.999: the 50 of 14:45:59.000 are still inside
        QCOMPARE(json(books(a, tenantA.org)).value(QLatin1String("code")).toInt(), 44);
        advance(1);  // 14:46:59.000: they left; the 50 of 14:46:00 stay
        for (int i = 0; i < 50; ++i)
            QCOMPARE(books(a, tenantA.org).status, 200);
        QCOMPARE(json(books(a, tenantA.org)).value(QLatin1String("code")).toInt(), 44);

        const QJsonObject stats = familyStats(tenantA, "books");
        QCOMPARE(number(stats, "requests"), 150);
        QCOMPARE(number(stats, "peak_rolling_60s"), 100);
        QCOMPARE(number(stats, "peak_calendar_minute"), 100);  // 14:46 took 50 + 50
        QCOMPARE(number(stats, "last_60s"), 100);
        QCOMPARE(number(stats, "used_today"), 150);  // rejected calls are not counted
        QCOMPARE(rejections(stats, "44"), 3);
        QCOMPARE(rejections(stats, "45"), 0);
        QCOMPARE(rejections(stats, "1070"), 0);
        QCOMPARE(number(stats, "in_flight"), 0);
        QCOMPARE(number(stats, "peak_concurrency"), 1);
    }

    void calendarMinutePeakIsSeparate()
    {
        // Limits off: nothing is refused, but the peaks are still measured exactly.
        setLimits({{QStringLiteral("enabled"), false}});
        const std::string a = token(tenantA);
        advance(29'000);  // 14:45:59
        for (int i = 0; i < 70; ++i)
            QCOMPARE(books(a, tenantA.org).status, 200);
        advance(1'000);  // 14:46:00
        for (int i = 0; i < 60; ++i)
            QCOMPARE(books(a, tenantA.org).status, 200);
        const QJsonObject stats = familyStats(tenantA, "books");
        QCOMPARE(number(stats, "peak_rolling_60s"), 130);  // a rolling minute saw 130, over Zoho's 100
        QCOMPARE(number(stats, "peak_calendar_minute"), 70);
        QCOMPARE(rejections(stats, "44"), 0);
        QVERIFY(!hasHeader(books(a, tenantA.org), "X-Rate-Limit-Limit"));
    }

    void booksDayCapResetsAtUtcMidnight()
    {
        setLimits({{QStringLiteral("enabled"), true}, {QStringLiteral("books"), QJsonObject{{QStringLiteral("per_day"), 5}}}});
        QCOMPARE(control("/_sim/oauth", {{QStringLiteral("token_ttl_s"), 3 * 86400}}).status, 200);
        const std::string a = token(tenantA);
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(books(a, tenantA.org).status, 200);
            advance(61'000);  // never the minute's fault
        }
        const SimReply spent = books(a, tenantA.org);
        QCOMPARE(spent.status, 429);
        QCOMPARE(json(spent).value(QLatin1String("code")).toInt(), 45);
        // Inventory is its own budget.
        QCOMPARE(books(a, tenantA.org, "/inventory/v1").status, 200);

        const qint64 untilMidnight = dayMs - m_service->nowMs() % dayMs;
        advance(untilMidnight - 1);  // 23:59:59.999 UTC
        QCOMPARE(json(books(a, tenantA.org)).value(QLatin1String("code")).toInt(), 45);
        advance(1);  // 00:00:00.000 UTC, the next day
        QCOMPARE(books(a, tenantA.org).status, 200);

        const QJsonObject stats = familyStats(tenantA, "books");
        QCOMPARE(number(stats, "used_today"), 1);
        QCOMPARE(number(stats, "requests"), 6);
        QCOMPARE(rejections(stats, "45"), 2);
        QCOMPARE(number(familyStats(tenantA, "inventory"), "requests"), 1);
    }

    void concurrencyBooksAndCrm()
    {
        setLimits({{QStringLiteral("enabled"), true}});
        const std::string a = token(tenantA);
        // Every admitted request is held by the latency until shutdown() releases it.
        QCOMPARE(control("/_sim/faults", {{QStringLiteral("latency_ms"), QJsonArray{600000, 600000}}}).status, 200);
        std::vector<std::thread> held;
        std::vector<SimReply> heldReplies(10);
        for (int i = 0; i < 5; ++i) {
            held.emplace_back([this, &a, &heldReplies, i] { heldReplies[static_cast<std::size_t>(i)] = books(a, tenantA.org); });
            held.emplace_back([this, &a, &heldReplies, i] { heldReplies[static_cast<std::size_t>(i + 5)] = crm(a); });
        }
        QTRY_COMPARE_WITH_TIMEOUT(number(familyStats(tenantA, "books"), "in_flight"), 5, 60000);
        QTRY_COMPARE_WITH_TIMEOUT(number(familyStats(tenantA, "crm"), "in_flight"), 5, 60000);

        const SimReply booksBusy = books(a, tenantA.org);  // refused at once, before the latency
        QCOMPARE(booksBusy.status, 429);
        QCOMPARE(json(booksBusy).value(QLatin1String("code")).toInt(), 1070);
        const SimReply crmBusy = crm(a);
        QCOMPARE(crmBusy.status, 429);
        QCOMPARE(json(crmBusy), QJsonDocument::fromJson(R"({"code":"TOO_MANY_REQUESTS","details":{},"message":"You have made too many requests. Please try again after some time.","status":"error"})").object());
        QVERIFY(!hasHeader(crmBusy, "Retry-After"));
        QVERIFY(!hasHeader(crmBusy, "X-API-CREDITS-REMAINING"));  // 5 of 5,000 credits: under half

        m_service->shutdown();
        for (std::thread &thread : held)
            thread.join();
        for (const SimReply &reply : heldReplies)
            QCOMPARE(reply.action, SimReply::Action::Drop);
        const QJsonObject booksStats = familyStats(tenantA, "books");
        QCOMPARE(number(booksStats, "in_flight"), 0);  // released on the dropped path too
        QCOMPARE(number(booksStats, "peak_concurrency"), 5);
        QCOMPARE(rejections(booksStats, "1070"), 1);
        const QJsonObject crmStats = familyStats(tenantA, "crm");
        QCOMPARE(number(crmStats, "in_flight"), 0);
        QCOMPARE(number(crmStats, "peak_concurrency"), 5);
        QCOMPARE(rejections(crmStats, "TOO_MANY_REQUESTS"), 1);
        QCOMPARE(number(crmStats, "credits_24h"), 5);
    }

    void crmCreditsRolling24h()
    {
        setLimits({{QStringLiteral("enabled"), true}, {QStringLiteral("crm"), QJsonObject{{QStringLiteral("credits_per_day"), 10}}}});
        const auto oneDayToken = QJsonObject{{QStringLiteral("token_ttl_s"), 3 * 86400}};
        QCOMPARE(control("/_sim/oauth", oneDayToken).status, 200);
        const std::string a = token(tenantA);
        for (int i = 1; i <= 4; ++i)
            QVERIFY(!hasHeader(crm(a), "X-API-CREDITS-REMAINING"));
        for (int i = 5; i <= 10; ++i) {
            const SimReply reply = crm(a);
            QCOMPARE(reply.status, 200);
            QCOMPARE(header(reply, "X-API-CREDITS-REMAINING"), std::to_string(10 - i));  // once half are used
        }
        const SimReply spent = crm(a);
        QCOMPARE(spent.status, 429);
        QCOMPARE(json(spent).value(QLatin1String("code")).toString(), QStringLiteral("TOO_MANY_REQUESTS"));
        QCOMPARE(header(spent, "X-API-CREDITS-REMAINING"), std::string("0"));
        QVERIFY(!hasHeader(spent, "Retry-After"));

        advance(dayMs - 1);  // rolling: the ten credits are 1 ms short of 24 h old
        QCOMPARE(crm(a).status, 429);
        advance(1);
        QCOMPARE(crm(a).status, 200);
        const QJsonObject stats = familyStats(tenantA, "crm");
        QCOMPARE(number(stats, "credits_24h"), 1);
        QCOMPARE(number(stats, "requests"), 11);
        QCOMPARE(rejections(stats, "TOO_MANY_REQUESTS"), 2);
    }

    void tokenThrottle()
    {
        setLimits({{QStringLiteral("enabled"), true}});
        QCOMPARE(control("/_sim/tenants", tenantJson(tenantB)).status, 200);
        for (int i = 0; i < 10; ++i)
            QVERIFY(!token(tenantB).empty());
        const SimReply denied = refresh(tenantB);
        QCOMPARE(denied.status, 200);  // as Zoho answers it
        QCOMPARE(json(denied), QJsonDocument::fromJson(R"({"error":"Access Denied","error_description":"You have made too many requests continuously. Please try again after some time.","status":"failure"})").object());
        QVERIFY(!token(tenantA).empty());  // another refresh token, another window

        advance(599'999);
        QCOMPARE(json(refresh(tenantB)).value(QLatin1String("error")).toString(), QStringLiteral("Access Denied"));
        advance(1);
        QVERIFY(!token(tenantB).empty());

        const QJsonObject b = familyStats(tenantB, "oauth");
        QCOMPARE(number(b, "refreshes"), 11);
        QCOMPARE(number(b, "throttled"), 2);
        QCOMPARE(rejections(b, "Access Denied"), 2);
        QCOMPARE(number(b, "peak_rolling_60s"), 10);
        QCOMPARE(number(familyStats(tenantA, "oauth"), "refreshes"), 1);
        QCOMPARE(number(familyStats(tenantA, "oauth"), "throttled"), 0);
    }

    void tenantsAreIndependent()
    {
        setLimits({{QStringLiteral("enabled"), true}, {QStringLiteral("books"), QJsonObject{{QStringLiteral("per_minute"), 3}}}});
        const SimReply added = control("/_sim/tenants", tenantJson(tenantB));
        QCOMPARE(added.status, 200);
        QCOMPARE(json(added).value(QLatin1String("created")).toBool(), true);
        const SimReply again = control("/_sim/tenants", tenantJson(tenantB));  // the same tenant: idempotent
        QCOMPARE(again.status, 200);
        QCOMPARE(json(again).value(QLatin1String("created")).toBool(), false);
        Tenant clash = tenantB;
        clash.client = "1000.OTHER";
        QCOMPARE(control("/_sim/tenants", tenantJson(clash)).status, 400);  // org taken
        clash = tenantB;
        clash.org = "60000000003";
        QCOMPARE(control("/_sim/tenants", tenantJson(clash)).status, 400);  // client taken
        clash.client = "1000.C";
        clash.org = "not-a-number";
        QCOMPARE(control("/_sim/tenants", tenantJson(clash)).status, 400);
        QCOMPARE(control("/_sim/tenants", {{QStringLiteral("org_id"), QStringLiteral("1")}}).status, 400);
        const QJsonArray listed = get("/_sim/tenants").value(QLatin1String("tenants")).toArray();
        QCOMPARE(listed.size(), 2);
        QCOMPARE(listed.at(1).toObject(), (QJsonObject{{QStringLiteral("org_id"), QStringLiteral("60000000002")},
                                                       {QStringLiteral("client_id"), QStringLiteral("1000.TENANTB")}}));

        // Wrong secret or refresh token of a registered client.
        Tenant wrong = tenantB;
        wrong.secret = tenantA.secret;
        QCOMPARE(json(refresh(wrong)).value(QLatin1String("error")).toString(), QStringLiteral("invalid_client_secret"));
        wrong = tenantB;
        wrong.refresh = tenantA.refresh;
        QCOMPARE(json(refresh(wrong)).value(QLatin1String("error")).toString(), QStringLiteral("invalid_code"));

        const std::string a = token(tenantA);
        const std::string b = token(tenantB);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(books(a, tenantA.org).status, 200);
        QCOMPARE(json(books(a, tenantA.org)).value(QLatin1String("code")).toInt(), 44);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(books(b, tenantB.org).status, 200);
        QCOMPARE(json(books(b, tenantB.org)).value(QLatin1String("code")).toInt(), 44);
        // A token serves its own organisation only, and such a call spends nothing.
        const SimReply foreign = books(b, tenantA.org);
        QCOMPARE(foreign.status, 400);
        QCOMPARE(json(foreign).value(QLatin1String("code")).toInt(), 6041);
        // Both serve the same data set.
        QCOMPARE(crm(a).body, crm(b).body);

        QCOMPARE(number(familyStats(tenantA, "books"), "requests"), 3);
        QCOMPARE(number(familyStats(tenantB, "books"), "requests"), 3);
        QCOMPARE(rejections(familyStats(tenantB, "books"), "44"), 1);
        QCOMPARE(number(familyStats(tenantA, "crm"), "requests"), 1);
        QCOMPARE(number(familyStats(tenantB, "crm"), "requests"), 1);
        QCOMPARE(get("/_sim/stats").value(QLatin1String("limits")).toObject().value(QLatin1String("tenants"))
                     .toObject().value(QLatin1String("60000000002")).toObject().value(QLatin1String("client_id")).toString(),
                 QStringLiteral("1000.TENANTB"));
    }

    void limitsOffRefuseNothing()
    {
        setLimits({{QStringLiteral("enabled"), false}});
        const std::string a = token(tenantA);
        QCOMPARE(control("/_sim/oauth", {{QStringLiteral("token_ttl_s"), 3 * 86400}}).status, 200);
        const std::string longLived = token(tenantA);
        for (int i = 0; i < 1100; ++i)
            QCOMPARE(books(longLived, tenantA.org).status, 200);  // past 100/min and 1,000/day
        for (int i = 0; i < 12; ++i)
            QCOMPARE(refresh(tenantA).status, 200);
        QVERIFY(json(refresh(tenantA)).contains(QLatin1String("access_token")));
        const QJsonObject limits = get("/_sim/stats").value(QLatin1String("limits")).toObject();
        QCOMPARE(limits.value(QLatin1String("enabled")).toBool(true), false);
        const QJsonObject stats = familyStats(tenantA, "books");
        QCOMPARE(number(stats, "peak_rolling_60s"), 1100);
        QCOMPARE(rejections(stats, "44"), 0);
        QCOMPARE(rejections(stats, "45"), 0);
        QCOMPARE(number(familyStats(tenantA, "oauth"), "refreshes"), 15);
        QCOMPARE(number(familyStats(tenantA, "oauth"), "throttled"), 0);
    }

    void resetStatsKeepsBudgets()
    {
        setLimits({{QStringLiteral("enabled"), true}, {QStringLiteral("books"), QJsonObject{{QStringLiteral("per_minute"), 2}}}});
        const std::string a = token(tenantA);
        QCOMPARE(books(a, tenantA.org).status, 200);
        QCOMPARE(books(a, tenantA.org).status, 200);
        QCOMPARE(books(a, tenantA.org).status, 429);
        QCOMPARE(control("/_sim/reset-stats", {}).status, 200);
        QJsonObject stats = familyStats(tenantA, "books");
        QCOMPARE(number(stats, "peak_rolling_60s"), 0);
        QCOMPARE(rejections(stats, "44"), 0);
        QCOMPARE(number(stats, "used_today"), 2);  // the budget is Zoho's, not the counters'
        QCOMPARE(books(a, tenantA.org).status, 429);
        setLimits({{QStringLiteral("reset_budgets"), true}});
        QCOMPARE(books(a, tenantA.org).status, 200);
        stats = familyStats(tenantA, "books");
        QCOMPARE(number(stats, "used_today"), 1);
        QCOMPARE(number(stats, "peak_rolling_60s"), 1);
    }

    void limitsControl()
    {
        const QJsonObject defaults = get("/_sim/limits");
        QCOMPARE(defaults, QJsonDocument::fromJson(R"({"enabled":true,
            "books":{"plan":"free","per_minute":100,"per_day":1000,"concurrency":5},
            "crm":{"edition":"free","users":1,"concurrency":5,"credits_per_day":5000},
            "oauth":{"per_10_min":10}})").object());
        SimReply reply = control("/_sim/limits", {{QStringLiteral("books"), QJsonObject{{QStringLiteral("plan"), QStringLiteral("professional")}}},
                                                  {QStringLiteral("crm"), QJsonObject{{QStringLiteral("edition"), QStringLiteral("enterprise")},
                                                                                      {QStringLiteral("users"), 4}}}});
        QCOMPARE(reply.status, 200);
        QJsonObject state = json(reply);
        QCOMPARE(state.value(QLatin1String("books")).toObject().value(QLatin1String("per_day")).toInt(), 5000);
        QCOMPARE(state.value(QLatin1String("books")).toObject().value(QLatin1String("concurrency")).toInt(), 10);
        QCOMPARE(state.value(QLatin1String("crm")).toObject().value(QLatin1String("credits_per_day")).toInteger(), 54000);
        QCOMPARE(state.value(QLatin1String("crm")).toObject().value(QLatin1String("concurrency")).toInt(), 20);
        // Explicit numbers win over the plan's.
        reply = control("/_sim/limits", {{QStringLiteral("books"), QJsonObject{{QStringLiteral("plan"), QStringLiteral("free")},
                                                                               {QStringLiteral("per_minute"), 5}}},
                                         {QStringLiteral("oauth"), QJsonObject{{QStringLiteral("per_10_min"), 3}}}});
        state = json(reply);
        QCOMPARE(state.value(QLatin1String("books")).toObject().value(QLatin1String("per_minute")).toInt(), 5);
        QCOMPARE(state.value(QLatin1String("books")).toObject().value(QLatin1String("per_day")).toInt(), 1000);
        QCOMPARE(state.value(QLatin1String("oauth")).toObject().value(QLatin1String("per_10_min")).toInt(), 3);

        const QList<QByteArray> refused{R"({"bogus":1})", R"({"enabled":"yes"})", R"({"books":{"per_minute":0}})",
                                        R"({"books":{"per_day":1.5}})", R"({"books":{"plan":"gold"}})",
                                        R"({"crm":{"users":0}})", R"({"crm":{"edition":"basic"}})",
                                        R"({"oauth":{"per_hour":1}})", R"({"books":3})", R"({"reset_budgets":1})"};
        for (const QByteArray &body : refused)
            QVERIFY2(m_service->handle(request("POST", "/_sim/limits", {}, {}, body.toStdString())).status == 400, body.constData());
        QCOMPARE(get("/_sim/limits").value(QLatin1String("books")).toObject().value(QLatin1String("per_minute")).toInt(), 5);
    }

    void clockControl()
    {
        const qint64 start = m_service->nowMs();
        QCOMPARE(start, ManualEpochClock::kStartMs);
        const QJsonObject moved = json(control("/_sim/clock", {{QStringLiteral("advance_ms"), 600000}}));
        QCOMPARE(moved.value(QLatin1String("now_ms")).toInteger(), start + 600000);
        QCOMPARE(moved.value(QLatin1String("offset_ms")).toInteger(), 600000);
        m_clock->advance(5);  // the source still runs under the offset
        QCOMPARE(m_service->nowMs(), start + 600005);
        QCOMPARE(json(control("/_sim/clock", {{QStringLiteral("freeze"), true}})).value(QLatin1String("frozen")).toBool(), true);
        m_clock->advance(1000);
        QCOMPARE(m_service->nowMs(), start + 600005);
        advance(10);
        QCOMPARE(m_service->nowMs(), start + 600015);
        QCOMPARE(json(control("/_sim/clock", {{QStringLiteral("freeze"), false}})).value(QLatin1String("now_ms")).toInteger(),
                 start + 600015);  // runs on from where it stood
        m_clock->advance(1);
        QCOMPARE(m_service->nowMs(), start + 600016);
        QCOMPARE(control("/_sim/clock", {{QStringLiteral("advance_ms"), -1}}).status, 400);
        QCOMPARE(control("/_sim/clock", {{QStringLiteral("advance_ms"), 1.5}}).status, 400);
        QCOMPARE(control("/_sim/clock", {{QStringLiteral("rewind_ms"), 1}}).status, 400);

        // Token expiry follows the sim clock.
        const std::string a = token(tenantA);
        QCOMPARE(crm(a).status, 200);
        advance(3'600'000);
        QCOMPARE(crm(a).status, 401);
    }

    void flags()
    {
        auto parsed = SimOptions::parse({QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--limits"),
                                         QStringLiteral("on"), QStringLiteral("--crm-users"), QStringLiteral("400"),
                                         QStringLiteral("--books-plan"), QStringLiteral("premium"),
                                         QStringLiteral("--crm-edition=standard")});
        QVERIFY(parsed.ok());
        QCOMPARE(parsed->limits.enabled, true);
        QCOMPARE(parsed->limits.booksPerDay, 10000);
        QCOMPARE(parsed->limits.booksConcurrency, 10);
        QCOMPARE(parsed->limits.crmCreditsPerDay, 100000);  // 50,000 + 250 × 400, capped
        QCOMPARE(parsed->limits.crmConcurrency, 10);
        auto defaults = SimOptions::parse({QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")});
        QVERIFY(defaults.ok());
        QCOMPARE(defaults->limits.enabled, true);  // Zoho's limits unless told otherwise
        QCOMPARE(defaults->limits.booksPerDay, 1000);
        QCOMPARE(defaults->limits.crmCreditsPerDay, 5000);
        auto off = SimOptions::parse({QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--limits=off")});
        QVERIFY(off.ok());
        QCOMPARE(off->limits.enabled, false);
        for (const QStringList &bad : {QStringList{QStringLiteral("--limits"), QStringLiteral("maybe")},
                                       QStringList{QStringLiteral("--books-plan"), QStringLiteral("gold")},
                                       QStringList{QStringLiteral("--crm-edition"), QStringLiteral("basic")},
                                       QStringList{QStringLiteral("--crm-users"), QStringLiteral("0")}}) {
            const auto result = SimOptions::parse(QStringList{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")} + bad);
            QVERIFY(!result.ok());
            QVERIFY2(result.error().message.contains(bad.first()), qPrintable(result.error().message));
        }
    }
};

QTEST_GUILESS_MAIN(TestSimLimits)
#include "tst_simlimits.moc"
