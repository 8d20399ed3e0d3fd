// `tiersync serve` as a process over the sandbox's servers: every tier answers through
// HTTP, bad input is refused before the engine, and SIGTERM/SIGINT stop it cleanly.
#include "cache/cachekeys.h"
#include "pgtestdatabase.h"
#include "redis/redisconnection.h"
#include "testsandbox.h"

#include <httplib.h>

#include <QDeadlineTimer>
#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>

#include <csignal>
#include <memory>

using namespace tiersync;

namespace {

// A Redis db of this test's own on the shared sandbox server.
constexpr int kRedisDb = 30;

struct Served {
    int status = 0;
    QJsonObject body;
    std::string contentType;
};

class ServeProcess final {
public:
    ~ServeProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(10000);
        }
    }

    // Starts it and waits for the "listening on" line; returns the base URL's port.
    int start(const ConnectionProfile &profile, const QStringList &arguments)
    {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (const auto &[name, value] : profile.toEnvironment())
            environment.insert(name, value);
        environment.insert(QStringLiteral("XDG_CONFIG_HOME"), QDir::tempPath() + QStringLiteral("/tiersync-serve-test"));
        m_process.setProcessEnvironment(environment);
        // No scheduler: these tests count the server's own Zoho calls (tst_scheduleserve runs it).
        m_process.start(QStringLiteral(TIERSYNC_CLI_PATH),
                        QStringList{QStringLiteral("serve"), QStringLiteral("--no-scheduler")} + arguments);
        if (!m_process.waitForStarted(10000))
            return 0;
        static const QRegularExpression listening(QStringLiteral("^tiersync serve listening on http://127\\.0\\.0\\.1:(\\d+)$"));
        while (m_process.waitForReadyRead(60000) || m_process.canReadLine()) {
            while (m_process.canReadLine()) {
                const QString line = QString::fromUtf8(m_process.readLine()).trimmed();
                const auto match = listening.match(line);
                if (match.hasMatch())
                    return match.captured(1).toInt();
            }
        }
        return 0;
    }

    // Sends the signal and returns the exit code (-1: did not exit in time).
    int stopWith(int signal)
    {
        ::kill(static_cast<pid_t>(m_process.processId()), signal);
        if (!m_process.waitForFinished(30000))
            return -1;
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -2;
    }

    int runToEnd(const ConnectionProfile &profile, const QStringList &arguments)
    {
        if (start(profile, arguments) != 0)
            return -3;
        if (!m_process.waitForFinished(30000))
            return -1;
        return m_process.exitCode();
    }

    // Everything it wrote on stderr so far.
    QByteArray standardError()
    {
        m_stderr += m_process.readAllStandardError();
        return m_stderr;
    }

    // Whether stderr says text within 30 s (it is written just after the listening line).
    bool saysOnStderr(const QByteArray &text)
    {
        QDeadlineTimer deadline(30000);
        m_process.setReadChannel(QProcess::StandardError);  // waitForReadyRead waits on the read channel
        m_stderr += m_process.readAllStandardError();
        while (!m_stderr.contains(text) && !deadline.hasExpired()) {
            m_process.waitForReadyRead(100);
            m_stderr += m_process.readAllStandardError();
        }
        m_process.setReadChannel(QProcess::StandardOutput);
        return m_stderr.contains(text);
    }

private:
    QProcess m_process;
    QByteArray m_stderr;
};

Served get(httplib::Client &client, const std::string &target)
{
    Served served;
    const auto result = client.Get(target);
    if (!result)
        return served;
    served.status = result->status;
    served.body = QJsonDocument::fromJson(QByteArray::fromStdString(result->body)).object();
    served.contentType = result->get_header_value("Content-Type");
    return served;
}

// `tiersync apikey create NAME --scope SCOPES` on profile; the key it printed, empty on failure.
std::string createApiKey(const ConnectionProfile &profile, const QString &scopes)
{
    QProcess process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const auto &[name, value] : profile.toEnvironment())
        environment.insert(name, value);
    process.setProcessEnvironment(environment);
    process.start(QStringLiteral(TIERSYNC_CLI_PATH), {QStringLiteral("apikey"), QStringLiteral("create"),
                                                      QStringLiteral("tst_serve"), QStringLiteral("--scope"), scopes});
    if (!process.waitForFinished(60000) || process.exitCode() != 0)
        return {};
    return process.readAllStandardOutput().trimmed().toStdString();
}

QString sourceOf(const Served &served)
{
    return served.body.value(QStringLiteral("meta")).toObject().value(QStringLiteral("source")).toString();
}

}  // namespace

class TestServe final : public QObject {
    Q_OBJECT

private:
    // The sandbox profile with a Redis db and a PostgreSQL database of this test's own.
    std::unique_ptr<test::PgTestDatabase> m_database;
    ConnectionProfile m_profile;

    bool isolate(const ConnectionProfile &sandbox)
    {
        auto database = test::PgTestDatabase::create(sandbox.pg, QStringLiteral("serve"));
        if (!database) {
            qWarning() << database.error().toString();
            return false;
        }
        m_database = std::move(*database);
        m_profile = sandbox;
        m_profile.pg = m_database->settings();
        m_profile.redis.db = kRedisDb;
        return true;
    }

private slots:
    void cleanup() { m_database.reset(); }

    void servesEveryTierOverHttp()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        QVERIFY(isolate(sandbox));
        RedisConnection redis(m_profile.redis);
        QVERIFY(redis.del({cachekeys::endpointKey(QStringLiteral("profile"), 11),
                           cachekeys::endpointKey(QStringLiteral("academics"), 11)}).ok());

        ServeProcess serve;
        const int port = serve.start(m_profile, {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                                                 QStringLiteral("--threads"), QStringLiteral("8")});
        QVERIFY2(port > 0, serve.standardError().constData());
        httplib::Client client("127.0.0.1", port);
        client.set_read_timeout(std::chrono::seconds(60));
        const std::string key = createApiKey(m_profile, QStringLiteral("read,metrics"));
        QVERIFY(!key.empty());
        client.set_bearer_token_auth(key);
        const std::string profile = "/api/v1/extension/students/profile?moodle_user_id=11";

        Served first = get(client, profile);
        QCOMPARE(first.status, 200);
        QCOMPARE(first.contentType, std::string("application/json"));
        QCOMPARE(sourceOf(first), QStringLiteral("zoho"));
        const QJsonObject meta = first.body.value(QStringLiteral("meta")).toObject();
        QCOMPARE(meta.value(QStringLiteral("endpoint")).toString(), QStringLiteral("profile"));
        QCOMPARE(meta.value(QStringLiteral("moodle_user_id")).toInteger(), 11);
        QCOMPARE(first.body.value(QStringLiteral("data")).toObject().value(QStringLiteral("Moodle_User_ID")).toString(),
                 QStringLiteral("11"));

        QCOMPARE(sourceOf(get(client, profile)), QStringLiteral("redis"));

        // Redis loses the key: the fresh snapshot in PostgreSQL answers and writes it back.
        QVERIFY(redis.del({cachekeys::endpointKey(QStringLiteral("profile"), 11)}).ok());
        QCOMPARE(sourceOf(get(client, profile)), QStringLiteral("postgres"));
        QCOMPARE(sourceOf(get(client, profile)), QStringLiteral("redis"));

        QCOMPARE(sourceOf(get(client, profile + "&force_refresh=true")), QStringLiteral("zoho"));
        QCOMPARE(sourceOf(get(client, "/api/v1/extension/students/academics?moodle_user_id=11&force_refresh=0")),
                 QStringLiteral("zoho"));

        QCOMPARE(get(client, "/api/v1/extension/students/profile?moodle_user_id=1*").status, 400);
        QCOMPARE(get(client, "/api/v1/extension/students/profile?moodle_user_id=-3").status, 400);
        QCOMPARE(get(client, "/api/v1/extension/students/grades?moodle_user_id=3").status, 404);

        const Served health = get(client, "/healthz");
        QCOMPARE(health.status, 200);
        QCOMPARE(health.body.value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
        const QByteArray password = m_profile.redis.password.reveal().toUtf8();
        if (!password.isEmpty())
            QVERIFY(!QJsonDocument(health.body).toJson().contains(password));

        const auto metrics = client.Get("/metrics");
        QVERIFY(metrics);
        QCOMPARE(metrics->status, 200);
        QVERIFY(metrics->body.find("tiersync_http_responses_total{code=\"400\"} 2") != std::string::npos);

        QCOMPARE(serve.stopWith(SIGTERM), 0);
    }

    // The admin's rollback across two running servers: `tiersync caching off` reaches both
    // within a second; then every read goes to Zoho and nothing is written to Redis; `on`
    // brings the cache back on both.
    void cachingSwitchReachesTwoRunningServers()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        QVERIFY(isolate(sandbox));
        const QByteArray key = cachekeys::endpointKey(QStringLiteral("classes"), 12);
        RedisConnection redis(m_profile.redis);
        QVERIFY(redis.del({key}).ok());

        ServeProcess first;
        ServeProcess second;
        const QStringList arguments{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                                    QStringLiteral("--threads"), QStringLiteral("4")};
        const int firstPort = first.start(m_profile, arguments);
        QVERIFY2(firstPort > 0, first.standardError().constData());
        const int secondPort = second.start(m_profile, arguments);
        QVERIFY2(secondPort > 0, second.standardError().constData());
        httplib::Client a("127.0.0.1", firstPort);
        httplib::Client b("127.0.0.1", secondPort);
        a.set_read_timeout(std::chrono::seconds(60));
        b.set_read_timeout(std::chrono::seconds(60));
        const std::string apiKey = createApiKey(m_profile, QStringLiteral("read"));  // one key, both servers
        QVERIFY(!apiKey.empty());
        a.set_bearer_token_auth(apiKey);
        b.set_bearer_token_auth(apiKey);
        const std::string classes = "/api/v1/extension/students/classes?moodle_user_id=12";
        QCOMPARE(sourceOf(get(a, classes)), QStringLiteral("zoho"));
        QCOMPARE(sourceOf(get(b, classes)), QStringLiteral("redis"));  // one shared cache

        const auto caching = [&](const QString &action) {
            QProcess process;
            QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
            for (const auto &[name, value] : m_profile.toEnvironment())
                environment.insert(name, value);
            process.setProcessEnvironment(environment);
            process.start(QStringLiteral(TIERSYNC_CLI_PATH), {QStringLiteral("caching"), action});
            return process.waitForFinished(30000) && process.exitCode() == 0;
        };
        const auto cachingEnabled = [](httplib::Client &client) {
            return get(client, "/healthz").body.value(QStringLiteral("caching_enabled")).toBool();
        };

        QVERIFY(caching(QStringLiteral("off")));
        QTRY_VERIFY_WITH_TIMEOUT(!cachingEnabled(a) && !cachingEnabled(b), 1500);
        QVERIFY(redis.del({key}).ok());
        QCOMPARE(sourceOf(get(a, classes)), QStringLiteral("zoho"));
        QCOMPARE(sourceOf(get(b, classes)), QStringLiteral("zoho"));
        QCOMPARE(sourceOf(get(a, classes)), QStringLiteral("zoho"));
        QCOMPARE(redis.exists({key}).valueOr(-1), 0);  // nothing written while off

        QVERIFY(caching(QStringLiteral("on")));
        QTRY_VERIFY_WITH_TIMEOUT(cachingEnabled(a) && cachingEnabled(b), 1500);
        // Redis is empty; the snapshot from before the switch is still fresh.
        QCOMPARE(sourceOf(get(b, classes)), QStringLiteral("postgres"));
        QCOMPARE(sourceOf(get(a, classes)), QStringLiteral("redis"));

        QCOMPARE(first.stopWith(SIGTERM), 0);
        QCOMPARE(second.stopWith(SIGTERM), 0);
    }

    void sigintStopsItToo()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        QVERIFY(isolate(sandbox));
        ServeProcess serve;
        const int port = serve.start(m_profile, {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")});
        QVERIFY2(port > 0, serve.standardError().constData());
        httplib::Client client("127.0.0.1", port);
        QCOMPARE(get(client, "/healthz").status, 200);
        QCOMPARE(serve.stopWith(SIGINT), 0);
    }

    // Keys are required by default: a server with none yet starts, says how to make one,
    // and refuses every API and metrics request until one exists.
    void keysAreRequiredByDefault()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        QVERIFY(isolate(sandbox));
        ServeProcess serve;
        const int port = serve.start(m_profile, {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")});
        QVERIFY2(port > 0, serve.standardError().constData());
        QVERIFY(serve.saysOnStderr("no API key yet"));
        QVERIFY(serve.saysOnStderr("tiersync apikey create NAME --scope read"));
        httplib::Client client("127.0.0.1", port);
        client.set_read_timeout(std::chrono::seconds(60));
        const std::string target = "/api/v1/extension/students/profile?moodle_user_id=13";
        const Served refused = get(client, target);
        QCOMPARE(refused.status, 401);
        QCOMPARE(refused.body.value(QStringLiteral("error")).toString(), QStringLiteral("unauthorized"));
        QCOMPARE(get(client, "/metrics").status, 401);
        QCOMPARE(get(client, "/healthz").status, 200);

        // A key made while it runs works at once (no server has seen its prefix).
        const std::string key = createApiKey(m_profile, QStringLiteral("read"));
        QVERIFY(!key.empty());
        client.set_bearer_token_auth(key);
        QCOMPARE(get(client, target).status, 200);
        QCOMPARE(get(client, "/metrics").status, 403);  // read only
        QCOMPARE(serve.stopWith(SIGTERM), 0);
    }

    // --no-auth: nothing asked, on loopback only, and said at start.
    void noAuthServesLoopbackWithoutKeys()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        QVERIFY(isolate(sandbox));
        ServeProcess serve;
        const int port = serve.start(m_profile, {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                                                 QStringLiteral("--no-auth")});
        QVERIFY2(port > 0, serve.standardError().constData());
        QVERIFY(serve.saysOnStderr("API keys off (--no-auth)"));
        httplib::Client client("127.0.0.1", port);
        client.set_read_timeout(std::chrono::seconds(60));
        QCOMPARE(get(client, "/api/v1/extension/students/profile?moodle_user_id=14").status, 200);
        const auto metrics = client.Get("/metrics");
        QVERIFY(metrics);
        QCOMPARE(metrics->status, 200);
        QCOMPARE(serve.stopWith(SIGTERM), 0);

        for (const QString &host : {QStringLiteral("0.0.0.0:0"), QStringLiteral("[::]:0")}) {
            QProcess process;
            QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
            for (const auto &[name, value] : m_profile.toEnvironment())
                environment.insert(name, value);
            process.setProcessEnvironment(environment);
            process.start(QStringLiteral(TIERSYNC_CLI_PATH),
                          {QStringLiteral("serve"), QStringLiteral("--no-auth"), QStringLiteral("--listen"), host});
            QVERIFY(process.waitForFinished(30000));
            QCOMPARE(process.exitCode(), 2);
            const QByteArray errors = process.readAllStandardError();
            QVERIFY2(errors.contains("--no-auth is refused on"), errors.constData());
            QVERIFY(errors.contains("only a loopback address"));
            QVERIFY(process.readAllStandardOutput().isEmpty());  // never listened
        }
    }

    void badArgumentsExit2()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        for (const QStringList &arguments :
             {QStringList{QStringLiteral("--listen"), QStringLiteral("8001")},
              QStringList{QStringLiteral("--threads"), QStringLiteral("0")},
              QStringList{QStringLiteral("--listen")}, QStringList{QStringLiteral("--bogus")},
              QStringList{QStringLiteral("--rate-limit"), QStringLiteral("-1")},
              QStringList{QStringLiteral("--rate-limit"), QStringLiteral("lots")}}) {
            QProcess process;
            QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
            for (const auto &[name, value] : sandbox.toEnvironment())
                environment.insert(name, value);
            process.setProcessEnvironment(environment);
            process.start(QStringLiteral(TIERSYNC_CLI_PATH), QStringList{QStringLiteral("serve")} + arguments);
            QVERIFY(process.waitForFinished(30000));
            QCOMPARE(process.exitCode(), 2);
            QVERIFY(process.readAllStandardError().contains("usage: tiersync serve"));
        }
    }
};

QTEST_GUILESS_MAIN(TestServe)
#include "tst_serve.moc"
