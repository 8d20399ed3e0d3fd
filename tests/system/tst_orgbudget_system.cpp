// The organisation's Zoho budget end to end, across real processes: `tiersync serve`
// processes and `tiersync sync` runs on one profile share one token and one budget, so
// Zoho (a private zoho-sim with its limits on and set low) never sees more than the
// configured per-minute and concurrency limits, never rejects a call and issues one
// token. With Redis gone, the processes keep under the limits together on their shares,
// through the switch too (each starts its share with its part of the shared window).
// Runs take minutes of real time; nothing here asserts on a duration.
#include "privatezohosim.h"
#include "scratchprofile.h"
#include "simcontrol.h"
#include "testsandbox.h"
#include "verifyok.h"
#include "privateredisserver.h"

#include "redis/redisconnection.h"

#include <httplib.h>

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <atomic>
#include <csignal>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

using namespace tiersync;
using namespace tiersync::test;

namespace {

constexpr int kDb = 38;  // this test class's own Redis database on the fixture's server

// Low limits, the same in the sim and in tiersync.zoho_limits, so that the demand below
// is well over them.
constexpr int kBooksPerMinute = 30;
constexpr int kBooksConcurrency = 2;
constexpr int kCrmPerMinute = 60;  // tiersync's own CRM cap (Zoho has none per minute)
constexpr int kCrmConcurrency = 3;

constexpr int kServers = 3;
constexpr int kClientsPerServer = 4;

QJsonObject object(const QJsonObject &parent, const char *key)
{
    return parent.value(QLatin1String(key)).toObject();
}

qint64 integer(const QJsonObject &parent, const char *key)
{
    return parent.value(QLatin1String(key)).toInteger(-1);
}

// Sum of a family's rejections by code.
qint64 rejections(const QJsonObject &family)
{
    qint64 sum = 0;
    const QJsonObject byCode = object(family, "rejections");
    for (auto it = byCode.begin(); it != byCode.end(); ++it)
        sum += it.value().toInteger();
    return sum;
}

QProcessEnvironment environmentFor(const ConnectionProfile &profile, const QString &configHome)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const auto &[name, value] : profile.toEnvironment())
        environment.insert(name, value);
    environment.insert(QStringLiteral("XDG_CONFIG_HOME"), configHome);
    return environment;
}

// One `tiersync serve`; its stderr goes to a file (read on failure), so a full pipe
// never stalls it.
class ServeProcess final {
public:
    ~ServeProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(10000);
        }
    }

    // The port it listens on, 0 when it did not start.
    int start(const QProcessEnvironment &environment, const QString &stderrFile)
    {
        m_stderrFile = stderrFile;
        m_process.setProcessEnvironment(environment);
        m_process.setStandardErrorFile(stderrFile);
        m_process.start(QStringLiteral(TIERSYNC_CLI_PATH),
                        // No per-key rate limit: the readers' demand is the budget's business here.
                        {QStringLiteral("serve"), QStringLiteral("--no-scheduler"), QStringLiteral("--listen"),
                         QStringLiteral("127.0.0.1:0"), QStringLiteral("--rate-limit"), QStringLiteral("0"),
                         QStringLiteral("--threads"), QString::number(kClientsPerServer * 2)});
        if (!m_process.waitForStarted(10000))
            return 0;
        static const QRegularExpression listening(QStringLiteral("^tiersync serve listening on http://127\\.0\\.0\\.1:(\\d+)$"));
        while (m_process.waitForReadyRead(60000) || m_process.canReadLine()) {
            while (m_process.canReadLine()) {
                const auto match = listening.match(QString::fromUtf8(m_process.readLine()).trimmed());
                if (match.hasMatch())
                    return match.captured(1).toInt();
            }
        }
        return 0;
    }

    // SIGTERM; the exit code (-1: did not exit in time, -2: crashed).
    int stop()
    {
        ::kill(static_cast<pid_t>(m_process.processId()), SIGTERM);
        if (!m_process.waitForFinished(30000))
            return -1;
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -2;
    }

    [[nodiscard]] QByteArray errorTail() const
    {
        QFile file(m_stderrFile);
        if (!file.open(QIODevice::ReadOnly))
            return {};
        const QByteArray all = file.readAll();
        return all.right(4000);
    }

private:
    QProcess m_process;
    QString m_stderrFile;
};

// Clients reading cold students from the servers: every request a moodle id never asked
// before, so each is a Zoho call unless the budget says no.
class ColdReaders final {
public:
    ColdReaders(std::vector<int> ports, int firstId, std::string apiKey)
        : m_ports(std::move(ports)), m_nextId(firstId), m_apiKey(std::move(apiKey))
    {
    }
    ~ColdReaders() { stop(); }
    Q_DISABLE_COPY_MOVE(ColdReaders)

    void start()
    {
        for (int port : m_ports) {
            for (int i = 0; i < kClientsPerServer; ++i)
                m_threads.emplace_back([this, port] { run(port); });
        }
    }

    void stop()
    {
        m_stop = true;
        for (auto &thread : m_threads)
            thread.join();
        m_threads.clear();
    }

    // HTTP status → count; 0 is "no answer".
    [[nodiscard]] std::map<int, int> statuses() const
    {
        std::lock_guard lock(m_mutex);
        return m_statuses;
    }

    [[nodiscard]] QString summary() const
    {
        QStringList parts;
        for (const auto &[status, count] : statuses())
            parts << QStringLiteral("%1×%2").arg(count).arg(status);
        return parts.join(QLatin1String(", "));
    }

private:
    void run(int port)
    {
        httplib::Client client("127.0.0.1", port);
        client.set_read_timeout(std::chrono::seconds(60));
        client.set_bearer_token_auth(m_apiKey);
        while (!m_stop) {
            const int id = m_nextId++;
            const std::string target = "/api/v1/extension/students/profile?moodle_user_id=" + std::to_string(id);
            const auto result = client.Get(target);
            const int status = result ? result->status : 0;
            std::lock_guard lock(m_mutex);
            ++m_statuses[status];
        }
    }

    std::vector<int> m_ports;
    std::atomic<int> m_nextId;
    std::string m_apiKey;
    std::atomic<bool> m_stop{false};
    std::vector<std::thread> m_threads;
    mutable std::mutex m_mutex;
    std::map<int, int> m_statuses;
};

}  // namespace

class TestOrgBudgetSystem final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<PrivateZohoSim> m_sim;
    std::unique_ptr<ScratchProfile> m_scratch;
    ConnectionProfile m_profile;
    QTemporaryDir m_dir;
    std::string m_apiKey;  // made by `tiersync apikey create`, as an admin would

    [[nodiscard]] QProcessEnvironment environment() const { return environment(m_profile); }

    [[nodiscard]] QProcessEnvironment environment(const ConnectionProfile &profile) const
    {
        return environmentFor(profile, m_dir.path() + QStringLiteral("/config"));
    }

    // Runs `tiersync <arguments>` to its end; the exit code, or -1 when it hangs.
    [[nodiscard]] int runCli(const QStringList &arguments, QByteArray *errors = nullptr, QByteArray *output = nullptr) const
    {
        QProcess process;
        process.setProcessEnvironment(environment());
        process.start(QStringLiteral(TIERSYNC_CLI_PATH), arguments);
        if (!process.waitForFinished(300000)) {
            process.kill();
            process.waitForFinished(10000);
            return -1;
        }
        if (errors)
            *errors = process.readAllStandardError();
        if (output)
            *output = process.readAllStandardOutput();
        return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2;
    }

    [[nodiscard]] qint64 simRefreshes() const
    {
        auto oauth = simGet(m_sim->apiBase(), QStringLiteral("/_sim/oauth"));
        return oauth ? oauth->value(QLatin1String("refreshes")).toInteger(-1) : -1;
    }

    // Starts kServers `tiersync serve`; false (with the reason in a warning) if one did not.
    [[nodiscard]] bool startServers(std::vector<std::unique_ptr<ServeProcess>> &servers, std::vector<int> &ports,
                                    const QString &tag, const ConnectionProfile &profile) const
    {
        for (int i = 0; i < kServers; ++i) {
            auto server = std::make_unique<ServeProcess>();
            const int port = server->start(environment(profile),
                                           m_dir.path() + QStringLiteral("/%1-serve%2.err").arg(tag).arg(i));
            if (port <= 0) {
                qWarning().noquote() << "tiersync serve did not start:" << server->errorTail();
                return false;
            }
            ports.push_back(port);
            servers.push_back(std::move(server));
        }
        return true;
    }

    // Checks the sim's view of this tenant: peaks within the limits, nothing rejected.
    void verifyUnderLimits(const QJsonObject &stats, bool booksUsed)
    {
        const QJsonObject books = object(stats, "books");
        const QJsonObject crm = object(stats, "crm");
        const QJsonObject oauth = object(stats, "oauth");
        qInfo().noquote() << "sim books" << QJsonDocument(books).toJson(QJsonDocument::Compact);
        qInfo().noquote() << "sim crm" << QJsonDocument(crm).toJson(QJsonDocument::Compact);
        qInfo().noquote() << "sim oauth" << QJsonDocument(oauth).toJson(QJsonDocument::Compact);
        QCOMPARE(rejections(books), 0);
        QCOMPARE(rejections(crm), 0);
        QCOMPARE(rejections(oauth), 0);
        QVERIFY(integer(books, "peak_rolling_60s") <= kBooksPerMinute);
        QVERIFY(integer(books, "peak_concurrency") <= kBooksConcurrency);
        QVERIFY(integer(crm, "peak_rolling_60s") <= kCrmPerMinute);
        QVERIFY(integer(crm, "peak_concurrency") <= kCrmConcurrency);
        if (booksUsed)
            QVERIFY(integer(books, "requests") > 0);
    }

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        QVERIFY(m_dir.isValid());
        // Latency keeps calls in flight long enough for concurrency to matter.
        auto sim = PrivateZohoSim::start({QStringLiteral("--limits"), QStringLiteral("on"),
                                          QStringLiteral("--latency-ms"), QStringLiteral("30-120")});
        VERIFY_OK(sim);
        m_sim = std::move(sim).value();
        VERIFY_OK(simSetLimits(m_sim->apiBase(),
                               QJsonObject{{QStringLiteral("enabled"), true},
                                           {QStringLiteral("books"),
                                            QJsonObject{{QStringLiteral("per_minute"), kBooksPerMinute},
                                                        {QStringLiteral("concurrency"), kBooksConcurrency}}},
                                           {QStringLiteral("crm"),
                                            QJsonObject{{QStringLiteral("concurrency"), kCrmConcurrency}}}}));
        auto scratch = ScratchProfile::create(sandbox, QStringLiteral("orgbudgetsystem"), kDb);
        VERIFY_OK(scratch);
        m_scratch = std::move(scratch).value();
        m_profile = m_scratch->profile();
        m_profile.zoho = m_sim->settings();

        QByteArray errors;
        QCOMPARE(runCli({QStringLiteral("limits"), QStringLiteral("set"), QStringLiteral("books"),
                         QStringLiteral("--per-minute"), QString::number(kBooksPerMinute), QStringLiteral("--concurrency"),
                         QString::number(kBooksConcurrency)},
                        &errors),
                 0);
        QCOMPARE(runCli({QStringLiteral("limits"), QStringLiteral("set"), QStringLiteral("crm"),
                         QStringLiteral("--per-minute"), QString::number(kCrmPerMinute), QStringLiteral("--concurrency"),
                         QString::number(kCrmConcurrency)},
                        &errors),
                 0);
        QByteArray key;
        QCOMPARE(runCli({QStringLiteral("apikey"), QStringLiteral("create"), QStringLiteral("orgbudget-readers"),
                         QStringLiteral("--scope"), QStringLiteral("read")},
                        &errors, &key),
                 0);
        m_apiKey = key.trimmed().toStdString();
        QVERIFY(!m_apiKey.empty());
    }

    // Every test starts with no token anywhere, fresh windows at the sim and in Redis.
    void init()
    {
        VERIFY_OK(RedisConnection::forCurrentThread(m_profile.redis).command({"FLUSHDB"}));
        VERIFY_OK(simSetLimits(m_sim->apiBase(), QJsonObject{{QStringLiteral("reset_budgets"), true}}));
        VERIFY_OK(simPost(m_sim->apiBase(), QStringLiteral("/_sim/oauth"),
                          QJsonObject{{QStringLiteral("revoke_all"), true}, {QStringLiteral("reset_count"), true}}));
        VERIFY_OK(simPost(m_sim->apiBase(), QStringLiteral("/_sim/reset-stats")));
        QCOMPARE(simRefreshes(), 0);
    }

    void cleanupTestCase()
    {
        if (m_scratch)
            (void)RedisConnection::forCurrentThread(m_profile.redis).command({"FLUSHDB"});
        RedisConnection::dropForCurrentThread();
        m_scratch.reset();
        m_sim.reset();
    }

    // Twenty processes one after the other share the token the first one fetched (a
    // products sync, whole Books catalogue, is the slow one under the low limit: once).
    void twentyCliSyncsRefreshOnce()
    {
        for (int i = 0; i < 20; ++i) {
            QByteArray errors;
            const int code = runCli({QStringLiteral("sync"), i == 1 ? QStringLiteral("products") : QStringLiteral("students"),
                                     QStringLiteral("--mode"), QStringLiteral("incremental")},
                                    &errors);
            QVERIFY2(code == 0, errors.constData());
        }
        QCOMPARE(simRefreshes(), 1);
        auto stats = simLimitStats(m_sim->apiBase(), m_profile.zoho.orgId);
        VERIFY_OK(stats);
        QCOMPARE(integer(object(*stats, "oauth"), "refreshes"), 1);
        verifyUnderLimits(*stats, true);
    }

    // Three servers reading cold students with more demand than the budget, and two syncs
    // over and over beside them, for two minutes: Zoho sees at most the limits, rejects
    // nothing and issues one token.
    void serversAndSyncsStayUnderTheLimits()
    {
        std::vector<std::unique_ptr<ServeProcess>> servers;
        std::vector<int> ports;
        QVERIFY(startServers(servers, ports, QStringLiteral("limits"), m_profile));
        ColdReaders readers(ports, 1, m_apiKey);
        readers.start();

        // Two CLI syncs at a time, each started again as soon as it ends.
        struct SyncLoop {
            QString entity;
            std::unique_ptr<QProcess> process;
            int runs = 0;
            QStringList failures;
        };
        std::vector<SyncLoop> loops(2);
        loops[0].entity = QStringLiteral("students");
        loops[1].entity = QStringLiteral("products");
        QDeadlineTimer demand(std::chrono::minutes(2));
        QEventLoop loop;
        int running = 0;
        std::function<void(SyncLoop &)> launch = [&](SyncLoop &sync) {
            sync.process = std::make_unique<QProcess>();
            sync.process->setProcessEnvironment(environment());
            QProcess *process = sync.process.get();
            connect(process, &QProcess::finished, this, [&, process](int code, QProcess::ExitStatus status) {
                ++sync.runs;
                if (status != QProcess::NormalExit || code != 0)
                    sync.failures << QString::fromUtf8(process->readAllStandardError().right(2000));
                --running;
                if (!demand.hasExpired())
                    QTimer::singleShot(0, this, [&] { launch(sync); });
                else if (running == 0)
                    loop.quit();
            });
            ++running;
            process->start(QStringLiteral(TIERSYNC_CLI_PATH),
                           {QStringLiteral("sync"), sync.entity, QStringLiteral("--mode"), QStringLiteral("full")});
        };
        for (auto &sync : loops)
            launch(sync);
        // Reads come first: a sync still running when the demand ends finishes without them.
        QTimer::singleShot(std::chrono::duration_cast<std::chrono::milliseconds>(demand.remainingTimeAsDuration()), this, [&] { readers.stop(); });
        QTimer::singleShot(std::chrono::minutes(6), &loop, &QEventLoop::quit);  // a hung sync fails below
        loop.exec();
        readers.stop();
        QCOMPARE(running, 0);

        qInfo().noquote() << "reads:" << readers.summary();
        QVERIFY2(readers.statuses().count(401) == 0, qPrintable(readers.summary()));  // the key was taken
        for (const auto &sync : loops) {
            qInfo().noquote() << "sync" << sync.entity << "runs:" << sync.runs;
            QVERIFY2(sync.failures.isEmpty(), qPrintable(sync.failures.join(QLatin1String("\n---\n"))));
            QVERIFY(sync.runs >= 1);
        }
        for (auto &server : servers)
            QVERIFY2(server->stop() == 0, server->errorTail().constData());

        auto stats = simLimitStats(m_sim->apiBase(), m_profile.zoho.orgId);
        VERIFY_OK(stats);
        verifyUnderLimits(*stats, true);
        // More demand than budget: the reads alone asked for more than a minute's worth.
        QVERIFY(integer(object(*stats, "crm"), "requests") > kCrmPerMinute);
        QCOMPARE(simRefreshes(), 1);
    }

    // Redis dies under load: each server goes on alone on its share of the limits (it
    // saw the other two in the registry), so together they still keep under them, through
    // the moment Redis went and for a whole window after.
    void redisStoppedKeepsUnderOnShares()
    {
        PrivateRedisServer redis;
        VERIFY_OK(redis.start());
        ConnectionProfile profile = m_profile;
        profile.redis = redis.settings();

        std::vector<std::unique_ptr<ServeProcess>> servers;
        std::vector<int> ports;
        QVERIFY(startServers(servers, ports, QStringLiteral("fallback"), profile));
        // Two rounds of one read each: every server has registered before any of them
        // last asked Redis, so each knows there are three.
        int id = 100000;
        for (int round = 0; round < 2; ++round) {
            for (int port : ports) {
                httplib::Client client("127.0.0.1", port);
                client.set_read_timeout(std::chrono::seconds(60));
                client.set_bearer_token_auth(m_apiKey);
                const auto result = client.Get("/api/v1/extension/students/profile?moodle_user_id=" + std::to_string(++id));
                QVERIFY(result);
                QVERIFY(result->status != 401);
            }
        }

        ColdReaders readers(ports, 200000, m_apiKey);
        readers.start();
        QTest::qWait(20000);  // the shared budget saturated
        redis.kill();
        QTest::qWait(70000);  // more than a window on the shares alone
        readers.stop();
        qInfo().noquote() << "reads:" << readers.summary();
        QVERIFY2(readers.statuses().count(401) == 0, qPrintable(readers.summary()));
        for (auto &server : servers)
            QVERIFY2(server->stop() == 0, server->errorTail().constData());

        auto stats = simLimitStats(m_sim->apiBase(), m_profile.zoho.orgId);
        VERIFY_OK(stats);
        verifyUnderLimits(*stats, false);
        QVERIFY(integer(object(*stats, "crm"), "requests") > kCrmPerMinute);
        QCOMPARE(simRefreshes(), 1);  // the token each had stays in memory
    }
};

QTEST_GUILESS_MAIN(TestOrgBudgetSystem)
#include "tst_orgbudget_system.moc"
