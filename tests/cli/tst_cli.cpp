#include "scratchprofile.h"
#include "testsandbox.h"
#include "verifyok.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

using namespace tiersync;

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run runCli(const QStringList &arguments, const QProcessEnvironment &environment)
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(QStringLiteral(TIERSYNC_CLI_PATH), arguments);
    Run run;
    if (!process.waitForFinished(60000)) {
        process.kill();
        process.waitForFinished();
        return run;
    }
    run.exitCode = process.exitCode();
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

QProcessEnvironment environmentOf(const ConnectionProfile &profile)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const auto &[name, value] : profile.toEnvironment())
        environment.insert(name, value);
    environment.insert(QStringLiteral("XDG_CONFIG_HOME"), QDir::tempPath() + QStringLiteral("/tiersync-cli-test"));
    return environment;
}

}  // namespace

class TestCli final : public QObject {
    Q_OBJECT

private slots:
    void sandboxEnvExportsTheContract()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        const Run run = runCli({QStringLiteral("sandbox"), QStringLiteral("env"), QStringLiteral("--state-dir"),
                                test::sandboxDir()},
                               QProcessEnvironment::systemEnvironment());
        QCOMPARE(run.exitCode, 0);
        for (const char *name : {"TIERSYNC_REDIS_URL", "TIERSYNC_PG_DSN", "TIERSYNC_ZOHO_API_BASE",
                                 "TIERSYNC_ZOHO_ACCOUNTS_URL", "TIERSYNC_ZOHO_ORG_ID", "TIERSYNC_ZOHO_CLIENT_ID",
                                 "TIERSYNC_ZOHO_CLIENT_SECRET", "TIERSYNC_ZOHO_REFRESH_TOKEN"})
            QVERIFY2(run.out.contains(QByteArray("export ") + name + '='), name);

        const Run json = runCli({QStringLiteral("sandbox"), QStringLiteral("env"), QStringLiteral("--json"),
                                 QStringLiteral("--state-dir"), test::sandboxDir()},
                                QProcessEnvironment::systemEnvironment());
        QCOMPARE(json.exitCode, 0);
        const QJsonObject object = QJsonDocument::fromJson(json.out).object();
        QCOMPARE(object.value(QStringLiteral("TIERSYNC_ZOHO_API_BASE")).toString(), profile.zoho.apiBase);
    }

    void checkReachesAllThreeWithoutPrintingSecrets()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        const Run run = runCli({QStringLiteral("check"), QStringLiteral("--json")}, environmentOf(profile));
        QVERIFY2(run.exitCode == 0, run.out.constData());
        const QJsonObject report = QJsonDocument::fromJson(run.out).object();
        for (const char *service : {"redis", "postgres", "zoho"})
            QVERIFY2(report.value(QLatin1String(service)).toObject().value(QStringLiteral("ok")).toBool(), service);
        for (const QString &secret : {profile.redis.password.reveal(), profile.pg.password.reveal(),
                                      profile.zoho.clientSecret.reveal(), profile.zoho.refreshToken.reveal()}) {
            QVERIFY(!run.out.contains(secret.toUtf8()));
            QVERIFY(!run.err.contains(secret.toUtf8()));
        }
    }

    void checkSaysWhatFailed()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        QProcessEnvironment environment = environmentOf(profile);
        environment.insert(QStringLiteral("TIERSYNC_ZOHO_REFRESH_TOKEN"), QStringLiteral("1000.revoked-token"));
        environment.insert(QStringLiteral("TIERSYNC_REDIS_URL"), QStringLiteral("redis://:wrong-pass@127.0.0.1:%1/0")
                                                                     .arg(profile.redis.port));
        const Run run = runCli({QStringLiteral("check"), QStringLiteral("--json")}, environment);
        QCOMPARE(run.exitCode, 1);
        const QJsonObject report = QJsonDocument::fromJson(run.out).object();
        QVERIFY(report.value(QStringLiteral("postgres")).toObject().value(QStringLiteral("ok")).toBool());
        const QJsonObject zoho = report.value(QStringLiteral("zoho")).toObject();
        QVERIFY(!zoho.value(QStringLiteral("ok")).toBool());
        QVERIFY(zoho.value(QStringLiteral("detail")).toString().contains(QStringLiteral("re-authorise")));
        QVERIFY(!report.value(QStringLiteral("redis")).toObject().value(QStringLiteral("ok")).toBool());
        QVERIFY(!run.out.contains("wrong-pass") && !run.err.contains("wrong-pass"));
        QVERIFY(!run.out.contains("revoked-token") && !run.err.contains("revoked-token"));
    }

    void limitsAreShownAndSetForEveryProcess()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        // A scratch database: the limits of the sandbox's own one are every test's.
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("clilimits"), 46,
                                                    test::ScratchProfile::Schema::Empty);
        VERIFY_OK(scratch);
        const QProcessEnvironment environment = environmentOf((*scratch)->profile());
        const auto family = [](const Run &run, const QString &name) {
            const QJsonArray rows = QJsonDocument::fromJson(run.out).object().value(QStringLiteral("limits")).toArray();
            for (const QJsonValue &row : rows)
                if (row.toObject().value(QStringLiteral("family")).toString() == name)
                    return row.toObject();
            return QJsonObject{};
        };

        const Run shown = runCli({QStringLiteral("limits"), QStringLiteral("show"), QStringLiteral("--json")},
                                 environment);
        QVERIFY2(shown.exitCode == 0, shown.err.constData());
        QCOMPARE(family(shown, QStringLiteral("books")).value(QStringLiteral("per_window")).toInt(), 100);
        QCOMPARE(family(shown, QStringLiteral("books")).value(QStringLiteral("per_day")).toInt(), 1000);
        QCOMPARE(family(shown, QStringLiteral("crm")).value(QStringLiteral("per_day")).toInt(), 5000);

        // An edition sets Zoho's credits and concurrency for it; the minute stays.
        const Run crm = runCli({QStringLiteral("limits"), QStringLiteral("set"), QStringLiteral("crm"),
                                QStringLiteral("--plan"), QStringLiteral("Enterprise"), QStringLiteral("--users"),
                                QStringLiteral("10"), QStringLiteral("--json")},
                               environment);
        QVERIFY2(crm.exitCode == 0, crm.err.constData());
        const QJsonObject row = family(crm, QStringLiteral("crm"));
        QCOMPARE(row.value(QStringLiteral("plan")).toString(), QStringLiteral("enterprise"));
        QCOMPARE(row.value(QStringLiteral("per_day")).toInt(), 60000);
        QCOMPARE(row.value(QStringLiteral("concurrency")).toInt(), 20);
        QCOMPARE(row.value(QStringLiteral("per_window")).toInt(), 1000);
        QVERIFY(!row.value(QStringLiteral("updated_by")).toString().isEmpty());

        const Run books = runCli({QStringLiteral("limits"), QStringLiteral("set"), QStringLiteral("books"),
                                  QStringLiteral("--per-minute"), QStringLiteral("60"), QStringLiteral("--read-reserve"),
                                  QStringLiteral("30")},
                                 environment);
        QVERIFY2(books.exitCode == 0, books.err.constData());
        QVERIFY2(books.out.contains("60 / 60 s"), books.out.constData());

        // Bad input is refused in words, and nothing changes.
        for (const QStringList &bad :
             {QStringList{QStringLiteral("set"), QStringLiteral("books"), QStringLiteral("--per-minute"),
                          QStringLiteral("0")},
              QStringList{QStringLiteral("set"), QStringLiteral("books"), QStringLiteral("--plan"),
                          QStringLiteral("platinum")},
              QStringList{QStringLiteral("set"), QStringLiteral("books"), QStringLiteral("--read-reserve"),
                          QStringLiteral("95")},
              QStringList{QStringLiteral("set"), QStringLiteral("books"), QStringLiteral("--per-day")},
              QStringList{QStringLiteral("set"), QStringLiteral("desk")},
              QStringList{QStringLiteral("drop")}}) {
            const Run run = runCli(QStringList{QStringLiteral("limits")} + bad, environment);
            QVERIFY2(run.exitCode == 2, qPrintable(bad.join(QLatin1Char(' '))));
            QVERIFY2(run.err.contains("tiersync limits: "), run.err.constData());
        }
        const Run after = runCli({QStringLiteral("limits"), QStringLiteral("show"), QStringLiteral("--json")},
                                 environment);
        QCOMPARE(family(after, QStringLiteral("books")).value(QStringLiteral("per_window")).toInt(), 60);
        QCOMPARE(family(after, QStringLiteral("books")).value(QStringLiteral("read_reserve_pct")).toInt(), 30);
        QCOMPARE(family(after, QStringLiteral("crm")).value(QStringLiteral("per_day")).toInt(), 60000);
    }

    void malformedEnvironmentIsAClearError()
    {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("TIERSYNC_REDIS_URL"), QStringLiteral("mysql://nope"));
        const Run run = runCli({QStringLiteral("check")}, environment);
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.contains("TIERSYNC_REDIS_URL"));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
