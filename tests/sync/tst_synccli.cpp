#include "pgtestdatabase.h"
#include "privatezohosim.h"
#include "synctesthelpers.h"
#include "testsandbox.h"

#include "redis/redisconnection.h"
#include "redis/redisscanner.h"
#include "store/advisorylock.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "store/syncrunrepository.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

#include <memory>

using namespace tiersync;
using namespace tiersync::test;

namespace {

constexpr int kRedisDb = 45;  // this executable's Redis database on the fixture's server

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    QJsonObject json;
};

}  // namespace

// tiersync sync / runs / warm / invalidate as a process: exit codes, the stable --json,
// and no progress bar when stderr is not a terminal.
class TestSyncCli final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<PrivateZohoSim> m_sim;
    std::unique_ptr<PgTestDatabase> m_database;
    ConnectionProfile m_profile;

    Run cli(const QStringList &arguments)
    {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (const auto &[name, value] : m_profile.toEnvironment())
            environment.insert(name, value);
        environment.insert(QStringLiteral("XDG_CONFIG_HOME"), QDir::tempPath() + QStringLiteral("/tiersync-synccli-test"));
        QProcess process;
        process.setProcessEnvironment(environment);
        process.start(QStringLiteral(TIERSYNC_CLI_PATH), arguments);
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

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        auto sim = PrivateZohoSim::start();
        SYNC_VERIFY_OK(sim);
        m_sim = std::move(*sim);
        auto database = PgTestDatabase::create(profile.pg, QStringLiteral("synccli"));
        SYNC_VERIFY_OK(database);
        m_database = std::move(*database);
        m_profile = profile;
        m_profile.pg = m_database->settings();
        m_profile.redis.db = kRedisDb;
        m_profile.zoho = m_sim->settings();
        SYNC_VERIFY_OK(flushRedisDb(m_profile.redis));
    }

    void cleanupTestCase() { (void)flushRedisDb(m_profile.redis); }

    void syncJson()
    {
        const Run cold = cli({QStringLiteral("sync"), QStringLiteral("products"), QStringLiteral("--json")});
        QVERIFY2(cold.exitCode == 0, cold.err.constData());
        QVERIFY(!cold.err.contains('\r'));  // no progress bar: stderr is a pipe here
        QCOMPARE(cold.out.count('\n'), 1);
        for (const char *key : {"run_id", "entity_type", "mode", "trigger", "status", "started_at", "finished_at",
                                "fetched", "synced", "skipped", "failed", "deleted", "pages", "zoho_calls",
                                "retries", "listing_shifted", "caught_up", "listing_passes", "duration_ms", "error"})
            QVERIFY2(cold.json.contains(QLatin1String(key)), key);
        QCOMPARE(cold.json.value(QStringLiteral("status")).toString(), QStringLiteral("succeeded"));
        QCOMPARE(cold.json.value(QStringLiteral("trigger")).toString(), QStringLiteral("cli"));
        QCOMPARE(cold.json.value(QStringLiteral("fetched")).toInt(), 1312);
        QCOMPARE(cold.json.value(QStringLiteral("synced")).toInt(), 1312);
        QVERIFY(cold.json.value(QStringLiteral("error")).isNull());

        const Run again = cli({QStringLiteral("sync"), QStringLiteral("products"), QStringLiteral("--json")});
        QCOMPARE(again.exitCode, 0);
        QCOMPARE(again.json.value(QStringLiteral("synced")).toInt(), 0);
        QCOMPARE(again.json.value(QStringLiteral("skipped")).toInt(), 1312);
        QCOMPARE(again.json.value(QStringLiteral("zoho_calls")).toInt(), 7);

        const Run full = cli({QStringLiteral("sync"), QStringLiteral("products"), QStringLiteral("--mode"),
                              QStringLiteral("full"), QStringLiteral("--batch-size"), QStringLiteral("500"),
                              QStringLiteral("--json")});
        QCOMPARE(full.exitCode, 0);
        QCOMPARE(full.json.value(QStringLiteral("mode")).toString(), QStringLiteral("full"));
        QCOMPARE(full.json.value(QStringLiteral("synced")).toInt(), 1312);

        const Run text = cli({QStringLiteral("sync"), QStringLiteral("students")});
        QCOMPARE(text.exitCode, 0);
        QVERIFY(text.out.contains("synced 500"));

        const Run runs = cli({QStringLiteral("runs"), QStringLiteral("--json")});
        QCOMPARE(runs.exitCode, 0);
        const QJsonArray list = runs.json.value(QStringLiteral("runs")).toArray();
        QCOMPARE(list.size(), 4);
        QCOMPARE(list.at(0).toObject().value(QStringLiteral("entity_type")).toString(), QStringLiteral("students"));
        QCOMPARE(list.at(1).toObject().value(QStringLiteral("run_id")).toInteger(),
                 full.json.value(QStringLiteral("run_id")).toInteger());
    }

    void usageErrors()
    {
        QCOMPARE(cli({QStringLiteral("sync"), QStringLiteral("nope")}).exitCode, 2);
        QCOMPARE(cli({QStringLiteral("sync"), QStringLiteral("products"), QStringLiteral("--mode"),
                      QStringLiteral("sideways")}).exitCode, 2);
        QCOMPARE(cli({QStringLiteral("sync"), QStringLiteral("products"), QStringLiteral("--batch-size"),
                      QStringLiteral("0")}).exitCode, 2);
        QCOMPARE(cli({QStringLiteral("invalidate"), QStringLiteral("endpoint"), QStringLiteral("prof*")}).exitCode, 2);
        QCOMPARE(cli({QStringLiteral("invalidate"), QStringLiteral("student"), QStringLiteral("3*")}).exitCode, 2);
        QCOMPARE(cli({QStringLiteral("warm"), QStringLiteral("everything")}).exitCode, 2);
    }

    void refusedWhileRunning()
    {
        PgConnection holder(m_database->settings());
        auto running = SyncRunRepository(holder).start(QStringLiteral("customers"), QStringLiteral("full"),
                                                       QStringLiteral("schedule"));
        SYNC_VERIFY_OK(running);
        AdvisoryLock lock(holder, AdvisoryLock::syncLockName(QStringLiteral("customers")));
        QVERIFY(lock.tryLock().valueOr(false));
        const Run refused = cli({QStringLiteral("sync"), QStringLiteral("customers"), QStringLiteral("--json")});
        QCOMPARE(refused.exitCode, 3);
        QCOMPARE(refused.json.value(QStringLiteral("status")).toString(), QStringLiteral("refused"));
        const QString error = refused.json.value(QStringLiteral("error")).toString();
        QVERIFY2(error.contains(QStringLiteral("run %1").arg(*running)) && error.contains(QStringLiteral("schedule")),
                 qPrintable(error));
        SYNC_VERIFY_OK(lock.unlock());
    }

    void invalidateAndWarm()
    {
        const Run dry = cli({QStringLiteral("invalidate"), QStringLiteral("entity"), QStringLiteral("products"),
                             QStringLiteral("--dry-run"), QStringLiteral("--json")});
        QCOMPARE(dry.exitCode, 0);
        QCOMPARE(dry.json.value(QStringLiteral("keys")).toInt(), 1312);
        QCOMPARE(dry.json.value(QStringLiteral("dry_run")).toBool(), true);
        QCOMPARE(dry.json.value(QStringLiteral("scope")).toString(), QStringLiteral("entity"));

        const Run removed = cli({QStringLiteral("invalidate"), QStringLiteral("entity"), QStringLiteral("products"),
                                 QStringLiteral("--json")});
        QCOMPARE(removed.exitCode, 0);
        QCOMPARE(removed.json.value(QStringLiteral("keys")).toInt(), 1312);
        QCOMPARE(cli({QStringLiteral("invalidate"), QStringLiteral("entity"), QStringLiteral("products"),
                      QStringLiteral("--dry-run"), QStringLiteral("--json")}).json.value(QStringLiteral("keys")).toInt(), 0);

        const Run warmed = cli({QStringLiteral("warm"), QStringLiteral("entities"), QStringLiteral("--type"),
                                QStringLiteral("products"), QStringLiteral("--json")});
        QCOMPARE(warmed.exitCode, 0);
        QCOMPARE(warmed.json.value(QStringLiteral("keys")).toInt(), 1312);
        QVERIFY(!warmed.err.contains('\r'));

        const Run student = cli({QStringLiteral("invalidate"), QStringLiteral("student"), QStringLiteral("3"),
                                 QStringLiteral("--json")});
        QCOMPARE(student.exitCode, 0);
        QCOMPARE(student.json.value(QStringLiteral("target")).toString(), QStringLiteral("3"));
        // The students sync wrote each student's profile key (the commit step's regroup).
        QCOMPARE(student.json.value(QStringLiteral("keys")).toInt(), 1);

        const Run all = cli({QStringLiteral("invalidate"), QStringLiteral("all"), QStringLiteral("--dry-run"),
                             QStringLiteral("--json")});
        QCOMPARE(all.exitCode, 0);
        // Everything under tiersync:v1: — the product and student states, the other 499
        // students' profile keys the students sync wrote, and the per-minute
        // tallies of the organisation's Zoho calls the syncs wrote (one per minute they ran in).
        RedisConnection redis(m_profile.redis);
        RedisScanner tallies(redis, QByteArrayLiteral("tiersync:v1:zoho_calls:*"));
        qsizetype tallyKeys = 0;
        while (!tallies.atEnd()) {
            auto step = tallies.next();
            SYNC_VERIFY_OK(step);
            tallyKeys += step->size();
        }
        QVERIFY(tallyKeys >= 1);
        QCOMPARE(all.json.value(QStringLiteral("keys")).toInt(), 1312 + 500 + 499 + int(tallyKeys));
    }
};

QTEST_GUILESS_MAIN(TestSyncCli)
#include "tst_synccli.moc"
