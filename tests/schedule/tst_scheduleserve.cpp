#include "scratchprofile.h"
#include "testsandbox.h"
#include "verifyok.h"

#include "redis/redisconnection.h"
#include "schedule/schedulerepository.h"
#include "store/pgconnection.h"
#include "sync/entityregistry.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <pqxx/pqxx>

#include <csignal>
#include <memory>
#include <vector>

using namespace tiersync;

namespace {

constexpr int kRedisDb = 90;  // this test class's own Redis database
constexpr int kServers = 2;

// One `tiersync serve` with its scheduler on; stderr to a file (read on failure).
class ServeProcess final {
public:
    ~ServeProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(10000);
        }
    }

    [[nodiscard]] bool start(const QProcessEnvironment &environment, const QString &stderrFile)
    {
        m_stderrFile = stderrFile;
        m_process.setProcessEnvironment(environment);
        m_process.setStandardErrorFile(stderrFile);
        m_process.start(QStringLiteral(TIERSYNC_CLI_PATH),
                        {QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")});
        if (!m_process.waitForStarted(10000))
            return false;
        static const QRegularExpression listening(QStringLiteral("^tiersync serve listening on http://"));
        while (m_process.waitForReadyRead(60000) || m_process.canReadLine()) {
            while (m_process.canReadLine())
                if (listening.match(QString::fromUtf8(m_process.readLine())).hasMatch())
                    return true;
        }
        return false;
    }

    // SIGTERM; the exit code (-1: did not exit in time, -2: crashed).
    int stop()
    {
        ::kill(static_cast<pid_t>(m_process.processId()), SIGTERM);
        if (!m_process.waitForFinished(60000))
            return -1;
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -2;
    }

    [[nodiscard]] QByteArray errorTail() const
    {
        QFile file(m_stderrFile);
        if (!file.open(QIODevice::ReadOnly))
            return {};
        return file.readAll().right(4000);
    }

private:
    QProcess m_process;
    QString m_stderrFile;
};

}  // namespace

// Two real `tiersync serve` processes on one database share its schedules: each seeds the
// defaults (once between them), both tick, and every due slot runs exactly once.
class TestScheduleServe final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::ScratchProfile> m_scratch;
    QTemporaryDir m_dir;

    QProcessEnvironment environment() const
    {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (const auto &[name, value] : m_scratch->profile().toEnvironment())
            environment.insert(name, value);
        environment.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.path() + QStringLiteral("/config"));
        return environment;
    }

    // name -> (last_status, last_run_id); "scheduled runs" -> count of sync_runs per type with trigger schedule.
    QHash<QString, QPair<QString, qint64>> schedules()
    {
        QHash<QString, QPair<QString, qint64>> rows;
        (void)PgConnection::forCurrentThread(m_scratch->profile().pg)
            .transaction(QStringLiteral("reading"), [&](pqxx::transaction_base &txn) {
                rows.clear();
                for (const auto &r : txn.exec("SELECT name, coalesce(last_status, ''), coalesce(last_run_id, 0)"
                                              " FROM tiersync.schedules"))
                    rows.insert(QString::fromStdString(r[0].as<std::string>()),
                                {QString::fromStdString(r[1].as<std::string>()), r[2].as<qint64>()});
                return Status();
            });
        return rows;
    }

    QHash<QString, int> scheduledRuns()
    {
        QHash<QString, int> counts;
        (void)PgConnection::forCurrentThread(m_scratch->profile().pg)
            .transaction(QStringLiteral("counting"), [&](pqxx::transaction_base &txn) {
                counts.clear();
                for (const auto &r : txn.exec("SELECT entity_type, count(*) FROM tiersync.sync_runs"
                                              " WHERE trigger = 'schedule' GROUP BY 1"))
                    counts.insert(QString::fromStdString(r[0].as<std::string>()), r[1].as<int>());
                return Status();
            });
        return counts;
    }

    // The seeded defaults, whatever entity types the registry has.
    static QList<Schedule> defaults()
    {
        auto registry = EntityRegistry::builtIn();
        return registry ? ScheduleRepository::defaultSchedules(*registry) : QList<Schedule>();
    }

    bool allIncrementalSucceeded()
    {
        const auto rows = schedules();
        const QList<Schedule> expected = defaults();
        if (rows.size() != expected.size())
            return false;
        for (const Schedule &schedule : expected)
            if (schedule.mode == SyncMode::Incremental
                && rows.value(schedule.name).first != QLatin1String("succeeded"))
                return false;
        return true;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("scheduleserve"), kRedisDb,
                                                    test::ScratchProfile::Schema::Empty);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
    }

    void cleanupTestCase()
    {
        if (m_scratch)
            (void)RedisConnection(m_scratch->profile().redis).command({"FLUSHDB"});
    }

    void twoServersRunEachDueSlotOnce()
    {
        std::vector<std::unique_ptr<ServeProcess>> servers;
        for (int i = 0; i < kServers; ++i) {
            servers.push_back(std::make_unique<ServeProcess>());
            QVERIFY2(servers.back()->start(environment(), m_dir.filePath(QStringLiteral("serve%1.err").arg(i))),
                     servers.back()->errorTail().constData());
        }
        // The seeded incremental schedules are due at start: each runs once, on one server.
        QTRY_VERIFY_WITH_TIMEOUT(allIncrementalSucceeded(), 180000);
        QHash<QString, int> runs = scheduledRuns();
        QVERIFY(!defaults().isEmpty());
        for (const Schedule &schedule : defaults())
            if (schedule.mode == SyncMode::Incremental)  // (full ones are nightly, on the real clock)
                QCOMPARE(runs.value(schedule.entityType), 1);  // a feed's first run is full (its cold run)

        // Run now, from the CLI: one of the servers picks it up at its next tick, once.
        const qint64 previous = schedules().value(QStringLiteral("products:incremental")).second;
        QProcess cli;
        cli.setProcessEnvironment(environment());
        cli.start(QStringLiteral(TIERSYNC_CLI_PATH),
                  {QStringLiteral("schedule"), QStringLiteral("run"), QStringLiteral("products:incremental")});
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 0);
        QTRY_VERIFY_WITH_TIMEOUT(schedules().value(QStringLiteral("products:incremental")).second != previous
                                     && schedules().value(QStringLiteral("products:incremental")).first
                                            == QLatin1String("succeeded"),
                                 120000);
        runs = scheduledRuns();
        QCOMPARE(runs.value(QStringLiteral("products")), 2);
        QCOMPARE(runs.value(QStringLiteral("customers")), 1);

        for (auto &server : servers)
            QVERIFY2(server->stop() == 0, server->errorTail().constData());
    }
};

QTEST_GUILESS_MAIN(TestScheduleServe)
#include "tst_scheduleserve.moc"
