// The console's key browser on a million keys while a 100,000-product sync runs: fills
// a private Redis database (db 52 of the sandbox's server) with 1,000,000 keys by
// pipelined SET, opens the console window offscreen and, as soon as the first rows show,
// presses "Load all" and starts a full sync of 100,000 products from a private zoho-sim
// through the console's own EngineSyncRunService on its services pool. Prints time
// to the first rows, the GUI thread's timer lateness while the keys load and while the
// sync runs, and the resident memory afterwards. Aims (issue 5): first rows ≤ 100 ms,
// lateness p99 ≤ 16 ms and max ≤ 50 ms, ≤ 300 MB resident. It only reports.
//
// Servers: the sandbox of TIERSYNC_SANDBOX_DIR (sandbox.json), a private zoho-sim
// ($TIERSYNC_ZOHO_SIM, as tests/bench/run.sh sets it). Built only with the UI.
#include "pgtestdatabase.h"
#include "privatezohosim.h"
#include "testsandbox.h"

#include "common/confirmer.h"
#include "console/enginesyncrunservice.h"
#include "core/profilestore.h"
#include "core/secretstore.h"
#include "itemmodels/keylistmodel.h"
#include "itemmodels/keytreemodel.h"
#include "keys/keyspage.h"
#include "redis/redisbatch.h"
#include "redis/redisconnection.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "shell/consoleworkers.h"
#include "shell/mainwindow.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QSettings>
#include <QTableView>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>

#include <algorithm>

using namespace tiersync;

namespace {

constexpr int kDb = 52;
constexpr int kSyncDb = 53;  // the sync's entity states, apart from the browsed keys
constexpr int kProducts = 100000;
constexpr int kKeys = 1000000;
constexpr int kTickMs = 5;

class NoConfirmer final : public ui::Confirmer {
public:
    void ask(QWidget *, const QString &, const QString &, const QString &, Answer answer) override { answer(false); }
};

struct Lateness {
    QList<qint64> us;
    [[nodiscard]] double percentileMs(double p)
    {
        if (us.isEmpty())
            return 0.0;
        std::sort(us.begin(), us.end());
        return double(us.at(qsizetype(p * double(us.size() - 1)))) / 1000.0;
    }
};

qint64 residentKiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

}  // namespace

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QTextStream out(stdout);
    auto sandbox = test::sandboxProfile();
    if (!sandbox) {
        QTextStream(stderr) << "bench_console_keys: " << sandbox.error().toString() << '\n';
        return 1;
    }
    ConnectionProfile profile = *sandbox;
    profile.name = QStringLiteral("bench");
    profile.redis.db = kDb;

    {
        RedisConnection redis(profile.redis);
        if (auto flushed = redis.command({"FLUSHDB"}); !flushed) {
            QTextStream(stderr) << "bench_console_keys: " << flushed.error().toString() << '\n';
            return 1;
        }
        QElapsedTimer fill;
        fill.start();
        RedisBatch batch(redis);
        const QByteArray value = R"({"data":{"score":42},"stored_at":"2024-05-01T10:00:00Z"})";
        for (int start = 0; start < kKeys; start += 100000) {
            QList<QPair<QByteArray, QByteArray>> entries;
            entries.reserve(100000);
            for (int i = start; i < start + 100000; ++i)
                entries.append({"tiersync:v1:ep:bench" + QByteArray::number(i % 100) + ':' + QByteArray::number(i), value});
            if (auto set = batch.setMany(entries); !set) {
                QTextStream(stderr) << "bench_console_keys: " << set.error().toString() << '\n';
                return 1;
            }
        }
        out << "filled " << kKeys << " keys in db " << kDb << " in " << fill.elapsed() << " ms\n";
    }
    // The sync: a private zoho-sim with 100,000 products and a scratch database.
    auto sim = test::PrivateZohoSim::start({QStringLiteral("--products"), QString::number(kProducts)});
    if (!sim) {
        QTextStream(stderr) << "bench_console_keys: " << sim.error().toString() << '\n';
        return 1;
    }
    auto database = test::PgTestDatabase::create(sandbox->pg, QStringLiteral("benchconsole"));
    if (!database) {
        QTextStream(stderr) << "bench_console_keys: " << database.error().toString() << '\n';
        return 1;
    }
    {
        PgConnection connection((*database)->settings());
        if (auto migrated = Migrator().migrate(connection); !migrated) {
            QTextStream(stderr) << "bench_console_keys: " << migrated.error().toString() << '\n';
            return 1;
        }
    }
    ConnectionProfile syncProfile = profile;
    syncProfile.pg = (*database)->settings();
    syncProfile.redis.db = kSyncDb;
    syncProfile.zoho = (*sim)->settings();
    {
        RedisConnection redis(syncProfile.redis);
        (void)redis.command({"FLUSHDB"});
    }
    const qint64 baselineKiB = residentKiB();

    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("console.ini")), QSettings::IniFormat);
    ProfileStore profiles(settings);
    InMemorySecretStore secrets;
    NoConfirmer confirmer;
    ui::ConsoleWorkers workers(&profiles, &secrets, &confirmer);
    // The sync runs on the console's services but against a database of its own, so it
    // gets a service of its own (the Sync page's keeps the window's profile).
    EngineSyncRunService syncRuns(workers.servicesPool(), {});
    ui::MainWindow window(workers.context());
    window.show();
    ui::KeysPage *page = window.keysPage();

    // GUI-thread lateness: a 5 ms timer; how late each tick fires.
    Lateness all;
    Lateness whileLoading;  // keys streaming in (the sync runs too)
    Lateness whileSyncing;  // the sync running
    bool keysLoading = false;
    bool syncing = false;
    QElapsedTimer clock;
    qint64 lastTickUs = -1;
    QTimer ticker;
    ticker.setTimerType(Qt::PreciseTimer);
    ticker.setInterval(kTickMs);
    QObject::connect(&ticker, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed() / 1000;
        if (lastTickUs >= 0) {
            const qint64 late = std::max<qint64>(0, now - lastTickUs - kTickMs * 1000);
            all.us.append(late);
            if (keysLoading)
                whileLoading.us.append(late);
            if (syncing)
                whileSyncing.us.append(late);
        }
        lastTickUs = now;
    });

    qint64 firstRowsMs = -1;
    qint64 loadedMs = -1;
    qint64 syncStartMs = -1;
    qint64 syncEndMs = -1;
    SyncRunRepository::Run syncRun;
    const auto finishWhenDone = [&] {
        if (loadedMs >= 0 && syncEndMs >= 0)
            QTimer::singleShot(500, &app, &QApplication::quit);  // let the views settle
    };
    QObject::connect(page, &ui::KeysPage::pageShown, &app, [&](int, bool atEnd) {
        if (firstRowsMs < 0 && page->listModel()->rowCount() > 0) {
            firstRowsMs = clock.elapsed();
            keysLoading = true;
            page->loadAll();  // then browse the whole million
            // ... while the console syncs 100,000 products.
            syncing = true;
            syncStartMs = clock.elapsed();
            syncRuns.setProfile(syncProfile);
            (void)syncRuns.startRun(QStringLiteral("products"), SyncMode::Full, 50);
        }
        if (atEnd && loadedMs < 0) {
            loadedMs = clock.elapsed();
            keysLoading = false;
            // Scroll to the end as a user would.
            auto *list = window.findChild<QTableView *>(QStringLiteral("keyList"));
            list->scrollToBottom();
            finishWhenDone();
        }
    });
    QObject::connect(&syncRuns, &SyncRunService::runFinished, &app, [&](quint64, const SyncRunRepository::Run &run) {
        syncRun = run;
        syncEndMs = clock.elapsed();
        syncing = false;
        finishWhenDone();
    });
    const auto syncDidNotStart = [](const ServiceError &error) {
        QTextStream(stderr) << "bench_console_keys: the sync did not start: " << error.describe() << '\n';
        QApplication::exit(1);
    };
    QObject::connect(&syncRuns, &SyncRunService::runRefused, &app,
                     [&](quint64, const QString &, const ServiceError &error) { syncDidNotStart(error); });
    QObject::connect(&syncRuns, &SyncRunService::failed, &app,
                     [&](SyncRunService::Request, quint64, const ServiceError &error) { syncDidNotStart(error); });
    QTimer::singleShot(0, &app, [&] {
        clock.start();
        ticker.start();
        window.setProfile(profile);
    });
    QTimer::singleShot(300000, &app, [] {
        QTextStream(stderr) << "bench_console_keys: gave up after 300 s\n";
        QApplication::exit(1);
    });
    const int code = QApplication::exec();
    ticker.stop();
    const qint64 rssKiB = residentKiB();
    const qint64 rows = page->listModel()->rowCount();
    const qint64 treeKeys = page->treeModel()->totalKeys();
    workers.stopAll();
    for (const RedisSettings &redisSettings : {profile.redis, syncProfile.redis}) {
        RedisConnection redis(redisSettings);
        (void)redis.command({"FLUSHDB"});
    }
    if (code != 0)
        return code;

    out << "\nKeys page, " << kKeys << " keys, SCAN COUNT " << ui::KeysPage::kScanCount << ", while the console syncs "
        << kProducts << " products (full)\n";
    out << QStringLiteral("%1 %2 %3\n").arg(QStringLiteral("figure"), -34).arg(QStringLiteral("value"), 12).arg(QStringLiteral("aim"));
    const auto row = [&](const QString &name, const QString &value, const QString &aim) {
        out << QStringLiteral("%1 %2 %3\n").arg(name, -34).arg(value, 12).arg(aim);
    };
    row(QStringLiteral("time to first rows"), QStringLiteral("%1 ms").arg(firstRowsMs), QStringLiteral("<= 100 ms"));
    row(QStringLiteral("time to all rows (Load all)"), QStringLiteral("%1 ms").arg(loadedMs), QString());
    row(QStringLiteral("rows in list / keys in tree"), QStringLiteral("%1/%2").arg(rows).arg(treeKeys), QString());
    row(QStringLiteral("sync"), QStringLiteral("%1, %2 synced").arg(syncRunStatusName(syncRun.status)).arg(syncRun.counters.synced), QString());
    row(QStringLiteral("sync time (in the console)"), QStringLiteral("%1 ms").arg(syncEndMs - syncStartMs), QString());
    const auto lateness = [&](const QString &phase, Lateness &samples) {
        row(QStringLiteral("GUI lateness p50, %1").arg(phase), QStringLiteral("%1 ms").arg(samples.percentileMs(0.50), 0, 'f', 2), QString());
        row(QStringLiteral("GUI lateness p99, %1").arg(phase), QStringLiteral("%1 ms").arg(samples.percentileMs(0.99), 0, 'f', 2), QStringLiteral("<= 16 ms"));
        row(QStringLiteral("GUI lateness max, %1").arg(phase), QStringLiteral("%1 ms").arg(samples.percentileMs(1.0), 0, 'f', 2), QStringLiteral("<= 50 ms"));
        row(QStringLiteral("ticks, %1").arg(phase), QString::number(samples.us.size()), QString());
    };
    lateness(QStringLiteral("loading keys"), whileLoading);
    lateness(QStringLiteral("syncing"), whileSyncing);
    lateness(QStringLiteral("whole run"), all);
    row(QStringLiteral("resident before window"), QStringLiteral("%1 MB").arg(baselineKiB / 1024), QString());
    row(QStringLiteral("resident after browsing"), QStringLiteral("%1 MB").arg(rssKiB / 1024), QStringLiteral("<= 300 MB"));
    return 0;
}
