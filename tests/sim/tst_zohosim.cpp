// End to end: the real zoho-sim binary on port 0, driven over HTTP with cpp-httplib.
#include "simcontrol.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QScopeGuard>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <mutex>
#include <thread>

namespace {

QJsonObject json(const httplib::Result &result)
{
    return result ? QJsonDocument::fromJson(QByteArray::fromStdString(result->body)).object() : QJsonObject();
}

std::string toJson(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact).toStdString();
}

std::string hmacHex(const std::string &key, const std::string &body)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char *>(body.data()), body.size(), digest, &length);
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        char pair[3];
        std::snprintf(pair, sizeof pair, "%02x", digest[i]);
        out += pair;
    }
    return out;
}

// A zoho-sim child process on a free port.
class SimProcess final {
public:
    bool start(const QStringList &extra)
    {
        m_readyFile = m_dir.filePath(QStringLiteral("ready"));
        m_process.setProgram(QStringLiteral(ZOHO_SIM_PATH));
        m_process.setArguments(QStringList{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                                           QStringLiteral("--ready-file"), m_readyFile}
                               + extra);
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start();
        if (!m_process.waitForStarted(10000))
            return false;
        while (!m_process.canReadLine()) {
            if (!m_process.waitForReadyRead(30000))
                return false;
        }
        m_line = QString::fromUtf8(m_process.readLine()).trimmed();
        m_port = m_line.section(QLatin1Char(':'), -1).toInt();
        return m_port > 0;
    }

    int stop()
    {
        m_process.terminate();  // SIGTERM
        if (!m_process.waitForFinished(15000))
            return -1;
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -2;
    }

    [[nodiscard]] int port() const { return m_port; }
    [[nodiscard]] QString line() const { return m_line; }
    [[nodiscard]] QString readyFile() const { return m_readyFile; }

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    QString m_readyFile;
    QString m_line;
    int m_port = 0;
};

}  // namespace

class TestZohoSim final : public QObject {
    Q_OBJECT

private:
    SimProcess m_sim;
    std::unique_ptr<httplib::Client> m_client;
    std::string m_token;
    const std::string m_org = "60000000001";

    httplib::Headers auth() const { return {{"Authorization", "Zoho-oauthtoken " + m_token}}; }

    httplib::Result refresh(const std::string &clientId = "1000.TIERSYNCSANDBOX",
                            const std::string &secret = "sandbox-client-secret",
                            const std::string &refreshToken = "1000.sandbox-refresh-token")
    {
        const httplib::Params form{{"refresh_token", refreshToken}, {"client_id", clientId},
                                   {"client_secret", secret}, {"grant_type", "refresh_token"}};
        return m_client->Post("/oauth/v2/token", form);
    }

    QJsonObject control(const std::string &path, const QJsonObject &body)
    {
        return json(m_client->Post(path, toJson(body), "application/json"));
    }

private slots:
    void initTestCase()
    {
        // 2,300 students: the Students module then needs page_token past 2,000.
        QVERIFY(m_sim.start({QStringLiteral("--students"), QStringLiteral("2300")}));
        m_client = std::make_unique<httplib::Client>("127.0.0.1", m_sim.port());
        m_client->set_keep_alive(true);
        m_client->set_read_timeout(10, 0);
        m_token = json(refresh()).value(QLatin1String("access_token")).toString().toStdString();
        QVERIFY(!m_token.empty());
    }

    void cleanup()
    {
        const QJsonObject off{{QStringLiteral("latency_ms"), QJsonArray{0, 0}}, {QStringLiteral("error_5xx"), 0},
                              {QStringLiteral("rate_429"), 0}, {QStringLiteral("timeout"), 0},
                              {QStringLiteral("reset"), 0}, {QStringLiteral("retry_after_s"), 0}};
        QCOMPARE(control("/_sim/faults", off).value(QLatin1String("error_5xx")).toDouble(-1), 0.0);
    }

    void cleanupTestCase()
    {
        m_client.reset();
        QCOMPARE(m_sim.stop(), 0);
    }

    void announcesItself()
    {
        QCOMPARE(m_sim.line(), QStringLiteral("zoho-sim listening on http://127.0.0.1:%1").arg(m_sim.port()));
        QFile ready(m_sim.readyFile());
        QVERIFY(ready.open(QIODevice::ReadOnly));
        QCOMPARE(ready.readAll().trimmed().toInt(), m_sim.port());
    }

    void oauth()
    {
        const QJsonObject ok = json(refresh());
        QVERIFY(ok.value(QLatin1String("access_token")).toString().startsWith(QLatin1String("1000.")));
        QCOMPARE(ok.value(QLatin1String("expires_in")).toInt(), 3600);
        QCOMPARE(ok.value(QLatin1String("api_domain")).toString(), QStringLiteral("http://127.0.0.1:%1").arg(m_sim.port()));
        QCOMPARE(ok.value(QLatin1String("token_type")).toString(), QStringLiteral("Bearer"));

        const auto wrongClient = refresh("1000.OTHER");
        QCOMPARE(wrongClient->status, 200);
        QCOMPARE(json(wrongClient).value(QLatin1String("error")).toString(), QStringLiteral("invalid_client"));
        const auto wrongSecret = refresh("1000.TIERSYNCSANDBOX", "guess");
        QCOMPARE(wrongSecret->status, 200);
        QCOMPARE(json(wrongSecret).value(QLatin1String("error")).toString(), QStringLiteral("invalid_client_secret"));
        const auto wrongRefresh = refresh("1000.TIERSYNCSANDBOX", "sandbox-client-secret", "1000.stale");
        QCOMPARE(wrongRefresh->status, 200);
        QCOMPARE(json(wrongRefresh).value(QLatin1String("error")).toString(), QStringLiteral("invalid_code"));
        QVERIFY(!json(wrongRefresh).contains(QLatin1String("access_token")));
    }

    void unauthorised()
    {
        const auto crm = m_client->Get("/crm/v2/Students");
        QVERIFY(crm);
        QCOMPARE(crm->status, 401);
        QCOMPARE(json(crm).value(QLatin1String("code")).toString(), QStringLiteral("INVALID_TOKEN"));
        const auto books = m_client->Get(("/books/v3/items?organization_id=" + m_org).c_str());
        QCOMPARE(books->status, 401);
        QCOMPARE(json(books).value(QLatin1String("code")).toInt(), 57);
    }

    void booksPaging()
    {
        QSet<QString> ids;
        int pages = 0;
        bool more = true;
        while (more) {
            const std::string path = "/books/v3/items?organization_id=" + m_org + "&per_page=200&page=" + std::to_string(pages + 1);
            const auto result = m_client->Get(path.c_str(), auth());
            QVERIFY(result);
            QCOMPARE(result->status, 200);
            const QJsonObject body = json(result);
            for (const QJsonValue &item : body.value(QLatin1String("items")).toArray())
                ids.insert(item.toObject().value(QLatin1String("item_id")).toString());
            more = body.value(QLatin1String("page_context")).toObject().value(QLatin1String("has_more_page")).toBool();
            ++pages;
            QVERIFY(pages <= 7);
        }
        QCOMPARE(pages, 7);
        QCOMPARE(ids.size(), 1312);
    }

    void crmPageTokenPast2000()
    {
        const auto limited = m_client->Get("/crm/v2/Students?page=11&per_page=200", auth());
        QCOMPARE(limited->status, 400);
        QSet<QString> ids;
        std::string token;
        while (true) {
            std::string path = "/crm/v2/Students?per_page=200";
            if (!token.empty())
                path += "&page_token=" + token;
            const auto result = m_client->Get(path.c_str(), auth());
            QVERIFY(result);
            QCOMPARE(result->status, 200);
            const QJsonObject body = json(result);
            for (const QJsonValue &record : body.value(QLatin1String("data")).toArray())
                ids.insert(record.toObject().value(QLatin1String("id")).toString());
            const QJsonObject info = body.value(QLatin1String("info")).toObject();
            if (!info.value(QLatin1String("more_records")).toBool())
                break;
            token = info.value(QLatin1String("next_page_token")).toString().toStdString();
        }
        QCOMPARE(ids.size(), 2300);
    }

    void searchEmptyIs204()
    {
        const auto found = m_client->Get("/crm/v2/Grades/search?criteria=(Moodle_User_ID:equals:12)", auth());
        QCOMPARE(found->status, 200);
        QVERIFY(!json(found).value(QLatin1String("data")).toArray().isEmpty());
        const auto none = m_client->Get("/crm/v2/Grades/search?criteria=(Moodle_User_ID:equals:99999)", auth());
        QVERIFY(none);
        QCOMPARE(none->status, 204);
        QVERIFY(none->body.empty());
    }

    void faultBodies()
    {
        control("/_sim/faults", {{QStringLiteral("error_5xx"), 1.0}});
        const auto books = m_client->Get(("/books/v3/items?organization_id=" + m_org).c_str(), auth());
        QCOMPARE(books->status, 500);
        QCOMPARE(json(books).value(QLatin1String("code")).toInt(), 1000);
        const auto crm = m_client->Get("/crm/v2/Students", auth());
        QCOMPARE(crm->status, 500);
        QCOMPARE(json(crm).value(QLatin1String("code")).toString(), QStringLiteral("INTERNAL_ERROR"));

        control("/_sim/faults", {{QStringLiteral("error_5xx"), 0}, {QStringLiteral("rate_429"), 1.0},
                                 {QStringLiteral("rate_429_code"), 44}, {QStringLiteral("retry_after_s"), 2}});
        const auto limited = m_client->Get(("/books/v3/contacts?organization_id=" + m_org).c_str(), auth());
        QCOMPARE(limited->status, 429);
        QCOMPARE(json(limited).value(QLatin1String("code")).toInt(), 44);
        QCOMPARE(limited->get_header_value("Retry-After"), std::string("2"));
        const auto crmLimited = m_client->Get("/crm/v2/Grades", auth());
        QCOMPARE(crmLimited->status, 429);
        QCOMPARE(json(crmLimited).value(QLatin1String("code")).toString(), QStringLiteral("TOO_MANY_REQUESTS"));
    }

    void resetFault()
    {
        control("/_sim/faults", {{QStringLiteral("reset"), 1.0}});
        const auto result = m_client->Get("/crm/v2/Students", auth());
        QVERIFY(!result);
        QVERIFY(result.error() == httplib::Error::Read || result.error() == httplib::Error::Connection);
    }

    void timeoutFault()
    {
        control("/_sim/faults", {{QStringLiteral("timeout"), 1.0}, {QStringLiteral("timeout_ms"), 300}});
        const auto result = m_client->Get("/crm/v2/Students", auth());
        QVERIFY(!result);
        QCOMPARE(result.error(), httplib::Error::Read);
        cleanup();
        QCOMPARE(m_client->Get("/crm/v2/Students", auth())->status, 200);  // the client recovers
    }

    void mutate()
    {
        const QJsonObject reply = control("/_sim/mutate", {{QStringLiteral("entity"), QStringLiteral("products")},
                                                           {QStringLiteral("fraction"), 0.05}});
        QCOMPARE(reply.value(QLatin1String("mutated")).toInt(), 66);
        const QJsonArray ids = reply.value(QLatin1String("ids")).toArray();
        QCOMPARE(ids.size(), 66);
        for (const QJsonValue &id : ids) {
            const auto item = m_client->Get(
                ("/books/v3/items/" + id.toString().toStdString() + "?organization_id=" + m_org).c_str(), auth());
            QCOMPARE(item->status, 200);
            // Generated times end in mid-2024; a mutation moves the time to now.
            const QString modified = json(item).value(QLatin1String("item")).toObject()
                                         .value(QLatin1String("last_modified_time")).toString();
            QVERIFY2(modified >= QStringLiteral("2025"), qPrintable(modified));
        }
        // Exactly those 66 changed: a full listing holds 66 recent times.
        int recent = 0;
        for (int page = 1; page <= 7; ++page) {
            const auto result = m_client->Get(
                ("/books/v3/items?organization_id=" + m_org + "&page=" + std::to_string(page)).c_str(), auth());
            for (const QJsonValue &item : json(result).value(QLatin1String("items")).toArray())
                recent += item.toObject().value(QLatin1String("last_modified_time")).toString() >= QStringLiteral("2025") ? 1 : 0;
        }
        QCOMPARE(recent, 66);
    }

    void stats()
    {
        QCOMPARE(control("/_sim/reset-stats", {}).value(QLatin1String("total")).toInt(-1), 0);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(m_client->Get("/crm/v2/Classes?per_page=5", auth())->status, 200);
        (void)refresh();
        const QJsonObject stats = json(m_client->Get("/_sim/stats"));
        QCOMPARE(stats.value(QLatin1String("total")).toInt(), 4);
        const QJsonObject requests = stats.value(QLatin1String("requests")).toObject();
        QCOMPARE(requests.value(QLatin1String("GET /crm/v2/Classes")).toInt(), 3);
        QCOMPARE(requests.value(QLatin1String("POST /oauth/v2/token")).toInt(), 1);
    }

    void webhooks()
    {
        httplib::Server receiver;
        std::mutex mutex;
        std::vector<std::pair<std::string, std::string>> received;  // body, signature
        receiver.Post("/webhooks/zoho/.*", [&](const httplib::Request &request, httplib::Response &response) {
            std::lock_guard lock(mutex);
            received.emplace_back(request.body, request.get_header_value("X-Zoho-Webhook-Signature"));
            response.status = 202;
        });
        const int port = receiver.bind_to_any_port("127.0.0.1");
        QVERIFY(port > 0);
        std::thread serving([&receiver] { receiver.listen_after_bind(); });
        const std::string base = "http://127.0.0.1:" + std::to_string(port);

        const QJsonObject crm = control("/_sim/webhook", {
            {QStringLiteral("url"), QString::fromStdString(base + "/webhooks/zoho/crm")},
            {QStringLiteral("kind"), QStringLiteral("crm")},
            {QStringLiteral("module"), QStringLiteral("Students")},
            {QStringLiteral("ids"), QJsonArray{QStringLiteral("3652397010000000003")}},
            {QStringLiteral("operation"), QStringLiteral("update")},
            {QStringLiteral("token"), QStringLiteral("verify-me")}});
        QCOMPARE(crm.value(QLatin1String("delivered")).toBool(), true);
        QCOMPARE(crm.value(QLatin1String("status")).toInt(), 202);

        const QJsonObject books = control("/_sim/webhook", {
            {QStringLiteral("url"), QString::fromStdString(base + "/webhooks/zoho/books")},
            {QStringLiteral("kind"), QStringLiteral("books")},
            {QStringLiteral("entity"), QStringLiteral("products")},
            {QStringLiteral("ids"), QJsonArray{QStringLiteral("460000000000001")}},
            {QStringLiteral("secret"), QStringLiteral("s3cret")}});
        QCOMPARE(books.value(QLatin1String("delivered")).toBool(), true);

        const QJsonObject refused = control("/_sim/webhook", {
            {QStringLiteral("url"), QStringLiteral("http://10.0.0.1/webhooks/zoho/crm")},
            {QStringLiteral("module"), QStringLiteral("Students")},
            {QStringLiteral("ids"), QJsonArray{QStringLiteral("1")}}});
        QVERIFY(refused.contains(QLatin1String("error")));

        receiver.stop();
        serving.join();
        QCOMPARE(received.size(), std::size_t(2));
        const QJsonObject notification = QJsonDocument::fromJson(QByteArray::fromStdString(received[0].first)).object();
        QCOMPARE(notification.value(QLatin1String("module")).toString(), QStringLiteral("Students"));
        QCOMPARE(notification.value(QLatin1String("operation")).toString(), QStringLiteral("update"));
        QCOMPARE(notification.value(QLatin1String("token")).toString(), QStringLiteral("verify-me"));
        QCOMPARE(notification.value(QLatin1String("ids")).toArray(), QJsonArray{QStringLiteral("3652397010000000003")});
        QVERIFY(notification.value(QLatin1String("server_time")).toInteger() > 0);
        QVERIFY(notification.value(QLatin1String("resource_uri")).toString().endsWith(QLatin1String("/crm/v2/Students")));
        QVERIFY(received[0].second.empty());

        const QJsonObject entity = QJsonDocument::fromJson(QByteArray::fromStdString(received[1].first)).object();
        QCOMPARE(entity.value(QLatin1String("item")).toObject().value(QLatin1String("item_id")).toString(),
                 QStringLiteral("460000000000001"));
        QCOMPARE(received[1].second, hmacHex("s3cret", received[1].first));
    }

    // The limit flags, /_sim/limits, /_sim/clock and /_sim/tenants through a real process;
    // concurrency is measured on the server's own pool threads.
    void limitsAndTenantsThroughTheProcess()
    {
        SimProcess limited;
        QVERIFY(limited.start({QStringLiteral("--products"), QStringLiteral("10"), QStringLiteral("--customers"),
                               QStringLiteral("10"), QStringLiteral("--students"), QStringLiteral("5"),
                               QStringLiteral("--limits"), QStringLiteral("on"), QStringLiteral("--books-plan"),
                               QStringLiteral("standard"), QStringLiteral("--crm-edition"), QStringLiteral("professional"),
                               QStringLiteral("--crm-users"), QStringLiteral("3")}));
        httplib::Client client("127.0.0.1", limited.port());
        client.set_read_timeout(30, 0);
        auto post = [&client](const std::string &path, const QJsonObject &body) {
            return client.Post(path, toJson(body), "application/json");
        };
        const QString apiBase = QStringLiteral("http://127.0.0.1:%1").arg(limited.port());
        const auto flags = tiersync::test::simLimits(apiBase);
        QVERIFY2(flags.ok(), flags.ok() ? "" : qPrintable(flags.error().message));
        QCOMPARE(*flags, QJsonDocument::fromJson(R"({"enabled":true,
            "books":{"plan":"standard","per_minute":100,"per_day":2000,"concurrency":10},
            "crm":{"edition":"professional","users":3,"concurrency":15,"credits_per_day":51500},
            "oauth":{"per_10_min":10}})").object());

        // No real time passes inside the sim's window from here on.
        QCOMPARE(json(post("/_sim/clock", {{QStringLiteral("freeze"), true}})).value(QLatin1String("frozen")).toBool(), true);
        const auto lowered = tiersync::test::simSetLimits(
            apiBase, {{QStringLiteral("books"), QJsonObject{{QStringLiteral("per_minute"), 3}, {QStringLiteral("concurrency"), 2}}}});
        QVERIFY(lowered.ok());
        QCOMPARE(lowered->value(QLatin1String("books")).toObject().value(QLatin1String("per_minute")).toInt(), 3);
        QVERIFY(!tiersync::test::simSetLimits(apiBase, {{QStringLiteral("books"), QJsonObject{{QStringLiteral("per_minute"), 0}}}}).ok());

        tiersync::ZohoSettings secondTenant;
        secondTenant.orgId = QStringLiteral("60000000077");
        secondTenant.clientId = QStringLiteral("1000.SECOND");
        secondTenant.clientSecret = tiersync::Secret(QStringLiteral("second-secret"));
        secondTenant.refreshToken = tiersync::Secret(QStringLiteral("1000.second-refresh"));
        const auto added = tiersync::test::simRegisterTenant(apiBase, secondTenant);
        QVERIFY(added.ok());
        QCOMPARE(added->value(QLatin1String("created")).toBool(), true);
        QCOMPARE(tiersync::test::simRegisterTenant(apiBase, secondTenant)->value(QLatin1String("created")).toBool(), false);
        secondTenant.clientId = QStringLiteral("1000.THIRD");  // the org belongs to the second tenant
        const auto clash = tiersync::test::simRegisterTenant(apiBase, secondTenant);
        QVERIFY(!clash.ok());
        QVERIFY2(clash.error().message.contains(QLatin1String("belongs to another tenant")), qPrintable(clash.error().message));

        auto tokenOf = [&client](const std::string &id, const std::string &secret, const std::string &refreshToken) {
            const httplib::Params form{{"refresh_token", refreshToken}, {"client_id", id},
                                       {"client_secret", secret}, {"grant_type", "refresh_token"}};
            return json(client.Post("/oauth/v2/token", form)).value(QLatin1String("access_token")).toString().toStdString();
        };
        const std::string first = tokenOf("1000.TIERSYNCSANDBOX", "sandbox-client-secret", "1000.sandbox-refresh-token");
        const std::string second = tokenOf("1000.SECOND", "second-secret", "1000.second-refresh");
        QVERIFY(!first.empty() && !second.empty());
        auto items = [&client](const std::string &token, const std::string &org) {
            return client.Get(("/books/v3/items?per_page=1&organization_id=" + org).c_str(),
                              httplib::Headers{{"Authorization", "Zoho-oauthtoken " + token}});
        };
        for (int i = 0; i < 3; ++i)
            QCOMPARE(items(first, m_org)->status, 200);
        const auto refused = items(first, m_org);
        QCOMPARE(refused->status, 429);
        QCOMPARE(json(refused).value(QLatin1String("code")).toInt(), 44);
        QCOMPARE(refused->get_header_value("X-Rate-Limit-Remaining"), std::string("0"));
        QCOMPARE(refused->get_header_value("X-Rate-Limit-Limit"), std::string("3"));
        QCOMPARE(items(second, "60000000077")->status, 200);  // its own budget
        QVERIFY(tiersync::test::simAdvanceClock(apiBase, 60000).ok());
        QCOMPARE(items(first, m_org)->status, 200);

        // Two Books requests held in flight by the latency; the third (inside the minute's 3)
        // is refused at once.
        QVERIFY(tiersync::test::simAdvanceClock(apiBase, 60000).ok());
        QCOMPARE(post("/_sim/faults", {{QStringLiteral("latency_ms"), QJsonArray{600000, 600000}}})->status, 200);
        std::vector<std::thread> held;
        // On any way out (a failed check returns early): stop the sim, which releases the
        // held requests, then join their threads.
        const auto release = qScopeGuard([&limited, &held] {
            (void)limited.stop();
            for (std::thread &thread : held)
                thread.join();
        });
        for (int i = 0; i < 2; ++i) {
            held.emplace_back([port = limited.port(), token = first, org = m_org] {
                httplib::Client slow("127.0.0.1", port);
                slow.set_read_timeout(700, 0);
                (void)slow.Get(("/books/v3/items?per_page=1&organization_id=" + org).c_str(),
                               httplib::Headers{{"Authorization", "Zoho-oauthtoken " + token}});
            });
        }
        auto booksStats = [&apiBase](const char *org) {
            return tiersync::test::simLimitStats(apiBase, QLatin1String(org))
                .valueOr({}).value(QLatin1String("books")).toObject();
        };
        QTRY_COMPARE_WITH_TIMEOUT(booksStats("60000000001").value(QLatin1String("in_flight")).toInt(), 2, 60000);
        const auto busy = items(first, m_org);
        QCOMPARE(busy->status, 429);
        QCOMPARE(json(busy).value(QLatin1String("code")).toInt(), 1070);
        const QJsonObject firstBooks = booksStats("60000000001");
        QCOMPARE(firstBooks.value(QLatin1String("requests")).toInt(), 6);
        QCOMPARE(firstBooks.value(QLatin1String("peak_concurrency")).toInt(), 2);
        QCOMPARE(firstBooks.value(QLatin1String("peak_rolling_60s")).toInt(), 3);
        QCOMPARE(firstBooks.value(QLatin1String("rejections")).toObject(),
                 (QJsonObject{{QStringLiteral("44"), 1}, {QStringLiteral("45"), 0}, {QStringLiteral("1070"), 1}}));
        QCOMPARE(booksStats("60000000077").value(QLatin1String("requests")).toInt(), 1);
        QVERIFY(!tiersync::test::simLimitStats(apiBase, QStringLiteral("123")).ok());
        QCOMPARE(limited.stop(), 0);  // SIGTERM releases the held requests at once
    }

    void badFlagsExitWith2()
    {
        QProcess process;
        process.start(QStringLiteral(ZOHO_SIM_PATH), {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                                                      QStringLiteral("--products"), QStringLiteral("many")});
        QVERIFY(process.waitForFinished(10000));
        QCOMPARE(process.exitCode(), 2);
        QVERIFY(process.readAllStandardError().contains("--products"));
    }

    void sigtermStopsWithZero()
    {
        SimProcess other;
        QVERIFY(other.start({QStringLiteral("--products"), QStringLiteral("10"), QStringLiteral("--customers"),
                             QStringLiteral("10"), QStringLiteral("--students"), QStringLiteral("5")}));
        // A request held by a timeout fault must not keep the process alive.
        httplib::Client client("127.0.0.1", other.port());
        QVERIFY(client.Post("/_sim/faults", R"({"timeout":1,"timeout_ms":600000})", "application/json"));
        std::thread held([&client] { (void)client.Get("/crm/v2/Students"); });
        QTRY_COMPARE(json(httplib::Client("127.0.0.1", other.port()).Get("/_sim/stats")).value(QLatin1String("total")).toInt(), 1);
        QCOMPARE(other.stop(), 0);
        held.join();
    }
};

QTEST_GUILESS_MAIN(TestZohoSim)
#include "tst_zohosim.moc"
