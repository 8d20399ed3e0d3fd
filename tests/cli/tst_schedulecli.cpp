#include "scratchprofile.h"
#include "testsandbox.h"
#include "verifyok.h"

#include "redis/redisconnection.h"
#include "store/advisorylock.h"
#include "store/pgconnection.h"

#include <QDateTime>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

using namespace tiersync;

namespace {

constexpr int kRedisDb = 89;  // this test class's own Redis database

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    QJsonObject json;
};

qint64 epochMs(const QJsonValue &value)
{
    return QDateTime::fromString(value.toString(), Qt::ISODateWithMs).toMSecsSinceEpoch();
}

}  // namespace

// `tiersync schedule list|set|pause|resume|run` as a process on a scratch database (the
// command migrates it and seeds the default schedules, as serve does).
class TestScheduleCli final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::ScratchProfile> m_scratch;

    Run cli(const QStringList &arguments)
    {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (const auto &[name, value] : m_scratch->profile().toEnvironment())
            environment.insert(name, value);
        environment.insert(QStringLiteral("XDG_CONFIG_HOME"), QDir::tempPath() + QStringLiteral("/tiersync-schedulecli-test"));
        QProcess process;
        process.setProcessEnvironment(environment);
        process.start(QStringLiteral(TIERSYNC_CLI_PATH), QStringList{QStringLiteral("schedule")} + arguments);
        Run run;
        if (!process.waitForFinished(120000)) {
            process.kill();
            process.waitForFinished();
            return run;
        }
        run.exitCode = process.exitCode();
        run.out = process.readAllStandardOutput();
        run.err = process.readAllStandardError();
        run.json = QJsonDocument::fromJson(run.out).object();
        return run;
    }

    QJsonObject row(const QString &name)
    {
        const Run list = cli({QStringLiteral("list"), QStringLiteral("--json")});
        for (const QJsonValue &value : list.json.value(QStringLiteral("schedules")).toArray())
            if (value.toObject().value(QStringLiteral("name")).toString() == name)
                return value.toObject();
        return {};
    }

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("schedulecli"), kRedisDb,
                                                    test::ScratchProfile::Schema::Empty);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
    }

    void cleanupTestCase()
    {
        if (m_scratch)
            (void)RedisConnection(m_scratch->profile().redis).command({"FLUSHDB"});
    }

    void listShowsTheSeededDefaults()
    {
        const Run json = cli({QStringLiteral("list"), QStringLiteral("--json")});
        QVERIFY2(json.exitCode == 0, json.err.constData());
        QHash<QString, QJsonObject> rows;
        for (const QJsonValue &value : json.json.value(QStringLiteral("schedules")).toArray())
            rows.insert(value.toObject().value(QStringLiteral("name")).toString(), value.toObject());
        QVERIFY(rows.contains(QStringLiteral("products:incremental")));
        const QJsonObject products = rows.value(QStringLiteral("products:incremental"));
        for (const char *key : {"name", "entity_type", "mode", "interval_seconds", "cron", "enabled", "next_run_at",
                                "last_run_id", "last_status", "last_started_at", "last_finished_at", "last_error",
                                "claimed_by", "lag_seconds", "updated_at", "updated_by"})
            QVERIFY2(products.contains(QLatin1String(key)), key);
        QCOMPARE(products.value(QStringLiteral("interval_seconds")).toInt(), 3600);
        QVERIFY(products.value(QStringLiteral("cron")).isNull());
        QVERIFY(products.value(QStringLiteral("last_status")).isNull());
        QCOMPARE(products.value(QStringLiteral("enabled")).toBool(), true);
        QCOMPARE(rows.value(QStringLiteral("customers:incremental")).value(QStringLiteral("interval_seconds")).toInt(), 3600);
        QCOMPARE(rows.value(QStringLiteral("students:incremental")).value(QStringLiteral("interval_seconds")).toInt(), 300);
        QCOMPARE(rows.value(QStringLiteral("students:incremental")).value(QStringLiteral("safety_net_seconds")).toInt(),
                 7200);
        QCOMPARE(rows.value(QStringLiteral("students:incremental")).value(QStringLiteral("cadence_in_force")).toString(),
                 QStringLiteral("own"));  // no notification channel
        QCOMPARE(rows.value(QStringLiteral("students:full")).value(QStringLiteral("cron")).toString(),
                 QStringLiteral("0 3 1 * *"));

        const Run text = cli({QStringLiteral("list")});
        QCOMPARE(text.exitCode, 0);
        QVERIFY(text.out.startsWith("name"));
        QVERIFY(text.out.contains("students:full"));
        QVERIFY(text.out.contains("0 3 1 * *"));
        QVERIFY(text.out.contains("5m*|2h"));
        QVERIFY(text.out.contains("never ran"));
    }

    void setChangesTheCadence()
    {
        Run run = cli({QStringLiteral("set"), QStringLiteral("students"), QStringLiteral("--every"), QStringLiteral("10m"),
                       QStringLiteral("--json")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QCOMPARE(run.json.value(QStringLiteral("name")).toString(), QStringLiteral("students:incremental"));
        QCOMPARE(run.json.value(QStringLiteral("interval_seconds")).toInt(), 600);
        QVERIFY(run.json.value(QStringLiteral("updated_by")).toString().startsWith(QStringLiteral("cli:")));

        run = cli({QStringLiteral("set"), QStringLiteral("students:full"), QStringLiteral("--cron"),
                   QStringLiteral("*/30  2-4 * * mon-fri"), QStringLiteral("--json")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QCOMPARE(run.json.value(QStringLiteral("cron")).toString(), QStringLiteral("*/30 2-4 * * mon-fri"));
        QVERIFY(run.json.value(QStringLiteral("interval_seconds")).isNull());

        // A new schedule: products full, weekly.
        run = cli({QStringLiteral("set"), QStringLiteral("products"), QStringLiteral("--mode"), QStringLiteral("full"),
                   QStringLiteral("--cron"), QStringLiteral("0 4 * * SUN"), QStringLiteral("--json")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QCOMPARE(run.json.value(QStringLiteral("name")).toString(), QStringLiteral("products:full"));
        QCOMPARE(QDateTime::fromString(run.json.value(QStringLiteral("next_run_at")).toString(), Qt::ISODateWithMs)
                     .toUTC()
                     .date()
                     .dayOfWeek(),
                 7);
    }

    void badInputIsRefusedClearly_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("no action") << QStringList{} << 2 << "list, set, pause, resume or run?";
        QTest::newRow("unknown action") << QStringList{"explode"} << 2 << "unknown action 'explode'";
        QTest::newRow("impossible cron") << QStringList{"set", "students:full", "--cron", "0 0 31 2 *"} << 2
                                         << "cron day-of-month: '31' never occurs";
        QTest::newRow("short cron") << QStringList{"set", "students:full", "--cron", "0 3 *"} << 2
                                    << "expected 5 fields";
        QTest::newRow("bad interval") << QStringList{"set", "students", "--every", "5x"} << 2 << "interval '5x'";
        QTest::newRow("too short") << QStringList{"set", "students", "--every", "10s"} << 2 << "from 1m";
        QTest::newRow("both") << QStringList{"set", "students", "--every", "5m", "--cron", "* * * * *"} << 2
                              << "either --every or --cron";
        QTest::newRow("neither") << QStringList{"set", "students"} << 2 << "either --every or --cron";
        QTest::newRow("unknown type") << QStringList{"set", "widgets", "--every", "5m"} << 2
                                      << "unknown entity type 'widgets'";
        QTest::newRow("modes disagree") << QStringList{"set", "students:full", "--mode", "incremental", "--every", "5m"}
                                        << 2 << "disagree";
        QTest::newRow("bad mode") << QStringList{"set", "students:sometimes", "--every", "5m"} << 2
                                  << "incremental or full";
        QTest::newRow("pause unknown") << QStringList{"pause", "widgets:full"} << 2
                                       << "no schedule named 'widgets:full' (known: ";
        QTest::newRow("run unknown") << QStringList{"run", "nope", "--wait"} << 2 << "no schedule named 'nope'";
        QTest::newRow("which") << QStringList{"resume"} << 2 << "which schedule?";
        QTest::newRow("wait without run") << QStringList{"list", "--wait"} << 2 << "--wait goes with run";
        QTest::newRow("stray flag") << QStringList{"pause", "students:full", "--every", "5m"} << 2
                                    << "unexpected argument '--every'";
    }

    void badInputIsRefusedClearly()
    {
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        QFETCH(QString, mentions);
        const Run run = cli(arguments);
        QCOMPARE(run.exitCode, exitCode);
        QVERIFY2(QString::fromUtf8(run.err).contains(mentions), run.err.constData());
    }

    void pauseAndResume()
    {
        Run run = cli({QStringLiteral("pause"), QStringLiteral("customers:incremental"), QStringLiteral("--json")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QCOMPARE(run.json.value(QStringLiteral("enabled")).toBool(), false);
        QVERIFY(cli({QStringLiteral("list")}).out.contains("paused"));
        run = cli({QStringLiteral("resume"), QStringLiteral("customers:incremental"), QStringLiteral("--json")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QCOMPARE(run.json.value(QStringLiteral("enabled")).toBool(), true);
    }

    // run: due at once for a serve to pick up; --wait: run here, recorded on the row.
    void runMakesItDueOrRunsItHere()
    {
        Run run = cli({QStringLiteral("set"), QStringLiteral("products"), QStringLiteral("--every"), QStringLiteral("1d"),
                       QStringLiteral("--json")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const qint64 later = epochMs(run.json.value(QStringLiteral("next_run_at")));
        run = cli({QStringLiteral("run"), QStringLiteral("products:incremental"), QStringLiteral("--json")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY(epochMs(run.json.value(QStringLiteral("next_run_at"))) < later - 23 * 3600 * 1000LL);
        run = cli({QStringLiteral("run"), QStringLiteral("products:incremental")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains("is due now"));

        run = cli({QStringLiteral("run"), QStringLiteral("products:incremental"), QStringLiteral("--wait"),
                   QStringLiteral("--json")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QCOMPARE(run.json.value(QStringLiteral("status")).toString(), QStringLiteral("succeeded"));
        const int runId = run.json.value(QStringLiteral("run_id")).toInt();
        QVERIFY(runId > 0);
        const QJsonObject products = row(QStringLiteral("products:incremental"));
        QCOMPARE(products.value(QStringLiteral("last_status")).toString(), QStringLiteral("succeeded"));
        QCOMPARE(products.value(QStringLiteral("last_run_id")).toInt(), runId);
        QVERIFY(products.value(QStringLiteral("last_error")).isNull());
    }

    // Another holder of the type's lock: skipped (exit 3), said why, recorded.
    void runWaitOnALockedTypeIsSkipped()
    {
        PgConnection connection(m_scratch->profile().pg);
        AdvisoryLock lock(connection, AdvisoryLock::syncLockName(QStringLiteral("customers")));
        auto locked = lock.tryLock();
        VERIFY_OK(locked);
        QVERIFY(*locked);
        const Run run = cli({QStringLiteral("run"), QStringLiteral("customers:incremental"), QStringLiteral("--wait")});
        QCOMPARE(run.exitCode, 3);
        QVERIFY(run.out.contains("customers:incremental: skipped"));
        QVERIFY(!run.err.isEmpty());
        QCOMPARE(row(QStringLiteral("customers:incremental")).value(QStringLiteral("last_status")).toString(),
                 QStringLiteral("skipped"));
        VERIFY_OK(lock.unlock());
    }
};

QTEST_GUILESS_MAIN(TestScheduleCli)
#include "tst_schedulecli.moc"
