#include "manualepochclock.h"
#include "simoptions.h"
#include "simservice.h"
#include "simtestrequests.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTest>

#include <algorithm>

#include <httplib.h>

using namespace tiersync::sim;

namespace {

using tiersync::sim::test::json;
using tiersync::sim::test::Params;
using tiersync::sim::test::request;

SimOptions smallOptions()
{
    SimOptions options;
    options.port = 8080;
    options.students = 60;
    return options;
}

}  // namespace

class TestSimService final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<SimService> m_service;
    std::string m_token;
    const std::string m_org = "60000000001";

    SimReply call(const std::string &method, const std::string &path, const Params &params = {},
                  const std::string &body = {})
    {
        return m_service->handle(request(method, path, params, m_token, body));
    }

    SimReply control(const std::string &path, const QJsonObject &body)
    {
        return m_service->handle(
            request("POST", path, {}, {}, QJsonDocument(body).toJson(QJsonDocument::Compact).toStdString()));
    }

    static Params tokenForm(const std::string &clientId = "1000.TIERSYNCSANDBOX",
                            const std::string &secret = "sandbox-client-secret",
                            const std::string &refresh = "1000.sandbox-refresh-token")
    {
        return {{"client_id", clientId}, {"client_secret", secret}, {"refresh_token", refresh},
                {"grant_type", "refresh_token"}};
    }

private slots:
    void init()
    {
        m_service = std::make_unique<SimService>(smallOptions());
        m_service->setApiDomain("http://127.0.0.1:8080");
        const SimReply reply = m_service->handle(request("POST", "/oauth/v2/token", tokenForm()));
        m_token = json(reply).value(QLatin1String("access_token")).toString().toStdString();
        QVERIFY(!m_token.empty());
    }

    void oauthSuccess()
    {
        const SimReply reply = m_service->handle(request("POST", "/oauth/v2/token", tokenForm()));
        QCOMPARE(reply.status, 200);
        const QJsonObject body = json(reply);
        QVERIFY(body.value(QLatin1String("access_token")).toString().startsWith(QLatin1String("1000.")));
        QCOMPARE(body.value(QLatin1String("expires_in")).toInt(), 3600);
        QCOMPARE(body.value(QLatin1String("api_domain")).toString(), QStringLiteral("http://127.0.0.1:8080"));
        QCOMPARE(body.value(QLatin1String("token_type")).toString(), QStringLiteral("Bearer"));
        QVERIFY(!body.contains(QLatin1String("expires_in_sec")));
    }

    void oauthFromFormBody()
    {
        httplib::Request form = request("POST", "/oauth/v2/token");
        form.body = "client_id=1000.TIERSYNCSANDBOX&client_secret=sandbox-client-secret"
                    "&refresh_token=1000.sandbox-refresh-token&grant_type=refresh_token";
        QVERIFY(json(m_service->handle(form)).contains(QLatin1String("access_token")));
    }

    void oauthErrors_data()
    {
        QTest::addColumn<QString>("clientId");
        QTest::addColumn<QString>("secret");
        QTest::addColumn<QString>("refresh");
        QTest::addColumn<QString>("error");
        QTest::newRow("client") << "nope" << "sandbox-client-secret" << "1000.sandbox-refresh-token" << "invalid_client";
        QTest::newRow("secret") << "1000.TIERSYNCSANDBOX" << "nope" << "1000.sandbox-refresh-token" << "invalid_client_secret";
        QTest::newRow("refresh") << "1000.TIERSYNCSANDBOX" << "sandbox-client-secret" << "nope" << "invalid_code";
    }
    void oauthErrors()
    {
        QFETCH(QString, clientId);
        QFETCH(QString, secret);
        QFETCH(QString, refresh);
        QFETCH(QString, error);
        const SimReply reply = m_service->handle(request(
            "POST", "/oauth/v2/token", tokenForm(clientId.toStdString(), secret.toStdString(), refresh.toStdString())));
        QCOMPARE(reply.status, 200);  // Zoho reports these with HTTP 200
        QCOMPARE(json(reply), QJsonObject({{QStringLiteral("error"), error}}));
    }

    void oauthLegacyRevokeAndThrottle()
    {
        QCOMPARE(control("/_sim/oauth", {{QStringLiteral("legacy_expiry"), true}}).status, 200);
        QJsonObject legacy = json(m_service->handle(request("POST", "/oauth/v2/token", tokenForm())));
        QCOMPARE(legacy.value(QLatin1String("expires_in_sec")).toInt(), 3600);
        QCOMPARE(legacy.value(QLatin1String("expires_in")).toInteger(), 3600000);

        QCOMPARE(call("GET", "/crm/v2/Students").status, 200);
        QCOMPARE(control("/_sim/oauth", {{QStringLiteral("revoke_all"), true}}).status, 200);
        QCOMPARE(call("GET", "/crm/v2/Students").status, 401);

        const SimReply state = control("/_sim/oauth", {{QStringLiteral("throttle"), true},
                                                       {QStringLiteral("reset_count"), true}});
        QCOMPARE(json(state).value(QLatin1String("refreshes")).toInt(), 0);
        for (int i = 0; i < 10; ++i)
            QCOMPARE(m_service->handle(request("POST", "/oauth/v2/token", tokenForm())).status, 200);
        // Zoho answers the throttle with HTTP 200; some proxies and older tests show 400.
        const SimReply throttled = m_service->handle(request("POST", "/oauth/v2/token", tokenForm()));
        QCOMPARE(throttled.status, 200);
        QCOMPARE(json(throttled).value(QLatin1String("error")).toString(), QStringLiteral("Access Denied"));
        QCOMPARE(json(throttled).value(QLatin1String("status")).toString(), QStringLiteral("failure"));
        QCOMPARE(control("/_sim/oauth", {{QStringLiteral("throttle_status"), 400}}).status, 200);
        const SimReply throttled400 = m_service->handle(request("POST", "/oauth/v2/token", tokenForm()));
        QCOMPARE(throttled400.status, 400);
        QCOMPARE(json(throttled400).value(QLatin1String("error")).toString(), QStringLiteral("Access Denied"));
        QCOMPARE(control("/_sim/oauth", {{QStringLiteral("throttle_status"), 302}}).status, 400);
        QCOMPARE(control("/_sim/oauth", {{QStringLiteral("bogus"), 1}}).status, 400);
    }

    void tokensExpire()
    {
        SimOptions options = smallOptions();
        options.tokenTtlS = 1;
        const tiersync::test::ManualEpochClock clock;  // the token's second passes when the test says
        SimService service(options, clock.clock());
        const std::string token = json(service.handle(request("POST", "/oauth/v2/token", tokenForm())))
                                      .value(QLatin1String("access_token")).toString().toStdString();
        QCOMPARE(service.handle(request("GET", "/crm/v2/Students", {}, token)).status, 200);
        clock.advance(999);
        QCOMPARE(service.handle(request("GET", "/crm/v2/Students", {}, token)).status, 200);
        clock.advance(1);
        QCOMPARE(service.handle(request("GET", "/crm/v2/Students", {}, token)).status, 401);
    }

    void unauthorised()
    {
        m_token.clear();
        const SimReply books = call("GET", "/books/v3/items", {{"organization_id", m_org}});
        QCOMPARE(books.status, 401);
        QCOMPARE(json(books).value(QLatin1String("code")).toInt(), 57);
        m_token = "1000.forged";
        const SimReply crm = call("GET", "/crm/v2/Students");
        QCOMPARE(crm.status, 401);
        QCOMPARE(json(crm), QJsonDocument::fromJson(R"({"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"})").object());
    }

    void booksPagesCoverEverything()
    {
        QSet<QString> ids;
        int pages = 0;
        for (int page = 1;; ++page) {
            const SimReply reply = call("GET", "/books/v3/items", {{"organization_id", m_org}, {"page", std::to_string(page)}});
            QCOMPARE(reply.status, 200);
            const QJsonObject body = json(reply);
            QCOMPARE(body.value(QLatin1String("code")).toInt(-1), 0);
            QCOMPARE(body.value(QLatin1String("message")).toString(), QStringLiteral("success"));
            const QJsonObject context = body.value(QLatin1String("page_context")).toObject();
            QCOMPARE(context.value(QLatin1String("page")).toInt(), page);
            QCOMPARE(context.value(QLatin1String("per_page")).toInt(), 200);
            QCOMPARE(context.value(QLatin1String("report_name")).toString(), QStringLiteral("Items"));
            for (const char *key : {"applied_filter", "sort_column", "sort_order"})
                QVERIFY(context.contains(QLatin1String(key)));
            for (const QJsonValue &item : body.value(QLatin1String("items")).toArray())
                ids.insert(item.toObject().value(QLatin1String("item_id")).toString());
            ++pages;
            if (!context.value(QLatin1String("has_more_page")).toBool())
                break;
        }
        QCOMPARE(pages, 7);
        QCOMPARE(ids.size(), 1312);
    }

    void booksParameters()
    {
        const SimReply clamped = call("GET", "/inventory/v1/contacts", {{"organization_id", m_org}, {"per_page", "500"}});
        QCOMPARE(json(clamped).value(QLatin1String("contacts")).toArray().size(), 200);
        QCOMPARE(call("GET", "/books/v3/items").status, 400);
        const SimReply wrongOrg = call("GET", "/books/v3/items", {{"organization_id", "1"}});
        QCOMPARE(wrongOrg.status, 400);
        QCOMPARE(json(wrongOrg).value(QLatin1String("code")).toInt(), 6041);
        QCOMPARE(call("GET", "/books/v3/items", {{"organization_id", m_org}, {"page", "zero"}}).status, 400);
        QCOMPARE(call("GET", "/books/v3/invoices", {{"organization_id", m_org}}).status, 404);

        const QString firstId = json(call("GET", "/books/v3/items", {{"organization_id", m_org}, {"per_page", "1"}}))
                                    .value(QLatin1String("items")).toArray().first().toObject()
                                    .value(QLatin1String("item_id")).toString();
        const SimReply one = call("GET", "/books/v3/items/" + firstId.toStdString(), {{"organization_id", m_org}});
        QCOMPARE(one.status, 200);
        QCOMPARE(json(one).value(QLatin1String("item")).toObject().value(QLatin1String("item_id")).toString(), firstId);
        const SimReply missing = call("GET", "/books/v3/items/123", {{"organization_id", m_org}});
        QCOMPARE(missing.status, 404);
        QCOMPARE(json(missing).value(QLatin1String("code")).toInt(), 1002);
    }

    void crmListAndRecord()
    {
        const SimReply list = call("GET", "/crm/v2/Students", {{"per_page", "10"}});
        QCOMPARE(list.status, 200);
        const QJsonObject body = json(list);
        const QJsonObject info = body.value(QLatin1String("info")).toObject();
        QCOMPARE(info.value(QLatin1String("count")).toInt(), 10);
        QCOMPARE(info.value(QLatin1String("per_page")).toInt(), 10);
        QCOMPARE(info.value(QLatin1String("page")).toInt(), 1);
        QVERIFY(info.value(QLatin1String("more_records")).toBool());
        const QString id = body.value(QLatin1String("data")).toArray().first().toObject().value(QLatin1String("id")).toString();
        QCOMPARE(id.size(), 19);

        const SimReply record = call("GET", "/crm/v2/Students/" + id.toStdString());
        QCOMPARE(record.status, 200);
        QCOMPARE(json(record).value(QLatin1String("data")).toArray().first().toObject().value(QLatin1String("id")).toString(), id);
        const SimReply absent = call("GET", "/crm/v2/Students/3652397019999999999");
        QCOMPARE(absent.status, 204);
        QVERIFY(absent.body.empty());

        const SimReply module = call("GET", "/crm/v2/Teachers");
        QCOMPARE(module.status, 400);
        QCOMPARE(json(module).value(QLatin1String("code")).toString(), QStringLiteral("INVALID_MODULE"));
        QCOMPARE(call("GET", "/crm/v2/Students", {{"page", "2"}, {"per_page", "200"}}).status, 204);
    }

    void crmPageLimitAndTokens()
    {
        SimOptions options = smallOptions();
        options.students = 2300;
        SimService service(options);
        const std::string token = json(service.handle(request("POST", "/oauth/v2/token", tokenForm())))
                                      .value(QLatin1String("access_token")).toString().toStdString();
        const SimReply beyond = service.handle(request("GET", "/crm/v2/Students", {{"page", "11"}}, token));
        QCOMPARE(beyond.status, 400);
        QCOMPARE(json(beyond).value(QLatin1String("code")).toString(), QStringLiteral("DISCRETE_PAGINATION_LIMIT_EXCEEDED"));

        QSet<QString> ids;
        std::string pageToken;
        int requests = 0;
        while (true) {
            Params params{{"per_page", "200"}};
            if (!pageToken.empty())
                params.emplace_back("page_token", pageToken);
            const SimReply reply = service.handle(request("GET", "/crm/v2/Students", params, token));
            QCOMPARE(reply.status, 200);
            const QJsonObject body = json(reply);
            for (const QJsonValue &record : body.value(QLatin1String("data")).toArray())
                ids.insert(record.toObject().value(QLatin1String("id")).toString());
            ++requests;
            const QJsonObject info = body.value(QLatin1String("info")).toObject();
            if (!info.value(QLatin1String("more_records")).toBool()) {
                QVERIFY(info.value(QLatin1String("next_page_token")).isNull());
                break;
            }
            pageToken = info.value(QLatin1String("next_page_token")).toString().toStdString();
            QVERIFY(!pageToken.empty());
        }
        QCOMPARE(requests, 12);
        QCOMPARE(ids.size(), 2300);

        // A token is bound to its module and query, and cannot be forged.
        const std::string first = json(service.handle(request("GET", "/crm/v2/Students", {}, token)))
                                      .value(QLatin1String("info")).toObject()
                                      .value(QLatin1String("next_page_token")).toString().toStdString();
        QCOMPARE(service.handle(request("GET", "/crm/v2/Students", {{"page_token", first}}, token)).status, 200);
        QCOMPARE(service.handle(request("GET", "/crm/v2/Grades", {{"page_token", first}}, token)).status, 400);
        std::string forged = first;
        forged[7] = forged[7] == '9' ? '8' : '9';
        QCOMPARE(service.handle(request("GET", "/crm/v2/Students", {{"page_token", forged}}, token)).status, 400);
    }

    void crmSearch()
    {
        const SimReply grades = call("GET", "/crm/v2/Grades/search", {{"criteria", "(Moodle_User_ID:equals:7)"}});
        QCOMPARE(grades.status, 200);
        const QJsonArray data = json(grades).value(QLatin1String("data")).toArray();
        QVERIFY(data.size() >= 3);
        for (const QJsonValue &record : data)
            QCOMPARE(record.toObject().value(QLatin1String("Moodle_User_ID")).toString(), QStringLiteral("7"));

        const SimReply none = call("GET", "/crm/v2/Grades/search", {{"criteria", "(Moodle_User_ID:equals:999999)"}});
        QCOMPARE(none.status, 204);
        QVERIFY(none.body.empty());

        const QString id = data.first().toObject().value(QLatin1String("id")).toString();
        const SimReply byId = call("GET", "/crm/v2/Grades/search", {{"criteria", "(id:equals:" + id.toStdString() + ")"}});
        QCOMPARE(json(byId).value(QLatin1String("data")).toArray().size(), 1);

        const SimReply combined = call("GET", "/crm/v2/Students/search",
                                       {{"criteria", "((Moodle_User_ID:equals:3)or(Moodle_User_ID:equals:5))"}});
        QCOMPARE(json(combined).value(QLatin1String("data")).toArray().size(), 2);
        QCOMPARE(call("GET", "/crm/v2/Students/search").status, 400);
        QCOMPARE(json(call("GET", "/crm/v2/Students/search", {{"criteria", "(broken"}})).value(QLatin1String("code")).toString(),
                 QStringLiteral("INVALID_QUERY"));
    }

    void ifModifiedSince()
    {
        httplib::Request list = request("GET", "/crm/v2/Payments", {}, m_token);
        list.headers.emplace("If-Modified-Since", "2030-01-01T00:00:00+05:30");
        const SimReply nothing = m_service->handle(list);
        QCOMPARE(nothing.status, 304);
        QVERIFY(nothing.body.empty());

        const SimReply mutated = control("/_sim/mutate", {{QStringLiteral("entity"), QStringLiteral("Payments")},
                                                          {QStringLiteral("count"), 3}});
        const QJsonArray ids = json(mutated).value(QLatin1String("ids")).toArray();
        QCOMPARE(ids.size(), 3);
        httplib::Request recent = request("GET", "/crm/v2/Payments", {}, m_token);
        recent.headers.emplace("If-Modified-Since", "2025-01-01T00:00:00+05:30");
        const QJsonArray changed = json(m_service->handle(recent)).value(QLatin1String("data")).toArray();
        QCOMPARE(changed.size(), 3);
        for (const QJsonValue &record : changed)
            QVERIFY(ids.contains(record.toObject().value(QLatin1String("id"))));

        httplib::Request one = request("GET", "/crm/v2/Payments/" + ids.first().toString().toStdString(), {}, m_token);
        one.headers.emplace("If-Modified-Since", "Sat, 01 Jan 2050 00:00:00 GMT");
        QCOMPARE(m_service->handle(one).status, 304);
    }

    void mutateExactCount()
    {
        const auto modified = [this](const QString &id) {
            return json(call("GET", "/books/v3/items/" + id.toStdString(), {{"organization_id", m_org}}))
                .value(QLatin1String("item")).toObject();
        };
        const SimReply reply = control("/_sim/mutate", {{QStringLiteral("entity"), QStringLiteral("products")},
                                                        {QStringLiteral("fraction"), 0.05}});
        QCOMPARE(reply.status, 200);
        const QJsonObject body = json(reply);
        QCOMPARE(body.value(QLatin1String("mutated")).toInt(), 66);  // round(0.05 × 1312)
        QCOMPARE(body.value(QLatin1String("ids")).toArray().size(), 66);
        const SimService pristine(smallOptions());
        const QString id = body.value(QLatin1String("ids")).toArray().first().toString();
        const QJsonObject after = modified(id);
        const int index = pristine.dataSetForTests().indexOfId(SimEntity::Products, id.toStdString());
        const QJsonObject before = pristine.dataSetForTests().object(SimEntity::Products, index);
        QVERIFY(after.value(QLatin1String("last_modified_time")).toString()
                > before.value(QLatin1String("last_modified_time")).toString());
        QVERIFY(after.value(QLatin1String("description")) != before.value(QLatin1String("description")));

        const SimReply byIds = control("/_sim/mutate", {{QStringLiteral("entity"), QStringLiteral("students")},
                                                        {QStringLiteral("ids"), QJsonArray{QStringLiteral("3652397010000000002"), QStringLiteral("1")}}});
        QCOMPARE(json(byIds).value(QLatin1String("mutated")).toInt(), 1);
        QCOMPARE(json(byIds).value(QLatin1String("unknown")).toArray().size(), 1);
        QCOMPARE(control("/_sim/mutate", {{QStringLiteral("entity"), QStringLiteral("nope")}}).status, 400);
    }

    void statsCount()
    {
        QCOMPARE(control("/_sim/reset-stats", {}).status, 200);
        (void)call("GET", "/crm/v2/Students");
        (void)call("GET", "/crm/v2/Students");
        (void)call("GET", "/books/v3/items", {{"organization_id", m_org}});
        (void)m_service->handle(request("GET", "/_sim/faults"));
        const QJsonObject stats = json(m_service->handle(request("GET", "/_sim/stats")));
        QCOMPARE(stats.value(QLatin1String("total")).toInt(), 3);
        const QJsonObject requests = stats.value(QLatin1String("requests")).toObject();
        QCOMPARE(requests.value(QLatin1String("GET /crm/v2/Students")).toInt(), 2);
        QCOMPARE(requests.value(QLatin1String("GET /books/v3/items")).toInt(), 1);
        QCOMPARE(requests.size(), 2);
    }

    void faults()
    {
        QCOMPARE(control("/_sim/faults", {{QStringLiteral("error_5xx"), 1.0}}).status, 200);
        const SimReply books = call("GET", "/books/v3/items", {{"organization_id", m_org}});
        QCOMPARE(books.status, 500);
        QCOMPARE(json(books), QJsonDocument::fromJson(R"({"code":1000,"message":"Internal error"})").object());
        const SimReply crm = call("GET", "/crm/v2/Students");
        QCOMPARE(crm.status, 500);
        QCOMPARE(json(crm).value(QLatin1String("code")).toString(), QStringLiteral("INTERNAL_ERROR"));
        // Controls are never faulted.
        QCOMPARE(m_service->handle(request("GET", "/_sim/stats")).status, 200);

        QCOMPARE(control("/_sim/faults", {{QStringLiteral("error_5xx"), 0}, {QStringLiteral("rate_429"), 1},
                                          {QStringLiteral("rate_429_code"), 45}, {QStringLiteral("retry_after_s"), 7}}).status,
                 200);
        const SimReply limited = call("GET", "/books/v3/items", {{"organization_id", m_org}});
        QCOMPARE(limited.status, 429);
        QCOMPARE(json(limited).value(QLatin1String("code")).toInt(), 45);
        // Beside the X-Rate-Limit-* headers the limits add (on by default).
        QVERIFY(std::find(limited.headers.begin(), limited.headers.end(),
                          std::pair<std::string, std::string>{"Retry-After", "7"}) != limited.headers.end());
        QCOMPARE(json(call("GET", "/crm/v2/Students")).value(QLatin1String("code")).toString(),
                 QStringLiteral("TOO_MANY_REQUESTS"));

        QCOMPARE(control("/_sim/faults", {{QStringLiteral("rate_429"), 0}, {QStringLiteral("reset"), 1}}).status, 200);
        QCOMPARE(call("GET", "/crm/v2/Students").action, SimReply::Action::Reset);
        QCOMPARE(control("/_sim/faults", {{QStringLiteral("reset"), 0}, {QStringLiteral("timeout"), 1},
                                          {QStringLiteral("timeout_ms"), 20}}).status, 200);
        QCOMPARE(call("GET", "/crm/v2/Students").action, SimReply::Action::Drop);

        const QJsonObject current = json(m_service->handle(request("GET", "/_sim/faults")));
        QCOMPARE(current.value(QLatin1String("timeout")).toDouble(), 1.0);
        QCOMPARE(current.value(QLatin1String("rate_429_code")).toInt(), 45);  // omitted keys keep their value
        QCOMPARE(control("/_sim/faults", {{QStringLiteral("error_5xx"), 2}}).status, 400);
        QCOMPARE(control("/_sim/faults", {{QStringLiteral("rate_429_code"), 43}}).status, 400);
        QCOMPARE(m_service->handle(request("POST", "/_sim/faults", {}, {}, "{not json")).status, 400);
    }

    void shutdownWakesHeldRequests()
    {
        QCOMPARE(control("/_sim/faults", {{QStringLiteral("timeout"), 1}, {QStringLiteral("timeout_ms"), 600000}}).status, 200);
        m_service->shutdown();
        QCOMPARE(call("GET", "/crm/v2/Students").action, SimReply::Action::Drop);
    }

    void webhookRefusesForeignUrls()
    {
        const SimReply reply = control("/_sim/webhook", {{QStringLiteral("url"), QStringLiteral("http://example.com/hook")},
                                                         {QStringLiteral("module"), QStringLiteral("Students")},
                                                         {QStringLiteral("ids"), QJsonArray{QStringLiteral("1")}}});
        QCOMPARE(reply.status, 400);
    }
};

QTEST_GUILESS_MAIN(TestSimService)
#include "tst_simservice.moc"
