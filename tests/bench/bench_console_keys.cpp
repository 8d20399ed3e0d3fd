// The console's key browser on a million keys: fills a private Redis database (db 52
// of the sandbox's server) with 1,000,000 keys by pipelined SET, opens the Keys page
// offscreen, and prints time to the first rows, the GUI thread's timer lateness while
// "Load all" streams every SCAN page into the list and the namespace tree, and the
// resident memory afterwards. Aims (issue 5): first rows ≤ 100 ms, lateness p99 ≤ 16 ms
// and max ≤ 50 ms, ≤ 300 MB resident. Not a timed test: it only reports.
//
// Server: the sandbox of TIERSYNC_SANDBOX_DIR (sandbox.json). Built only with the UI.
#include "testsandbox.h"

#include "common/confirmer.h"
#include "console/connectionchecker.h"
#include "console/keybrowserworker.h"
#include "console/workerthreads.h"
#include "core/profilestore.h"
#include "core/secretstore.h"
#include "itemmodels/keylistmodel.h"
#include "itemmodels/keytreemodel.h"
#include "keys/keyspage.h"
#include "redis/redisbatch.h"
#include "redis/redisconnection.h"
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
constexpr int kKeys = 1000000;
constexpr int kTickMs = 5;

class NoConfirmer final : public ui::Confirmer {
public:
    void ask(QWidget *, const QString &, const QString &, const QString &, Answer answer) override { answer(false); }
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
    const qint64 baselineKiB = residentKiB();

    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("console.ini")), QSettings::IniFormat);
    ProfileStore profiles(settings);
    InMemorySecretStore secrets;
    NoConfirmer confirmer;
    WorkerThreads threads;
    auto *keyBrowser = new KeyBrowserWorker;
    auto *health = new ConnectionChecker;
    auto *tester = new ConnectionChecker;
    threads.adopt(keyBrowser, QStringLiteral("keys"));
    threads.adopt(health, QStringLiteral("health"));
    threads.adopt(tester, QStringLiteral("tester"));
    ui::MainWindow window({keyBrowser, health, tester, &profiles, &secrets, &confirmer});
    window.show();
    ui::KeysPage *page = window.keysPage();

    // GUI-thread lateness: a 5 ms timer; how late each tick fires.
    QList<qint64> latenessUs;
    QElapsedTimer clock;
    qint64 lastTickUs = -1;
    QTimer ticker;
    ticker.setTimerType(Qt::PreciseTimer);
    ticker.setInterval(kTickMs);
    QObject::connect(&ticker, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed() / 1000;
        if (lastTickUs >= 0)
            latenessUs.append(std::max<qint64>(0, now - lastTickUs - kTickMs * 1000));
        lastTickUs = now;
    });

    qint64 firstRowsMs = -1;
    qint64 loadedMs = -1;
    QObject::connect(page, &ui::KeysPage::pageShown, &app, [&](int, bool atEnd) {
        if (firstRowsMs < 0 && page->listModel()->rowCount() > 0) {
            firstRowsMs = clock.elapsed();
            page->loadAll();  // then browse the whole million
        }
        if (atEnd) {
            loadedMs = clock.elapsed();
            // Scroll to the end as a user would, then let the view settle.
            auto *list = window.findChild<QTableView *>(QStringLiteral("keyList"));
            list->scrollToBottom();
            QTimer::singleShot(500, &app, &QApplication::quit);
        }
    });
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
    threads.stopAll();
    {
        RedisConnection redis(profile.redis);
        (void)redis.command({"FLUSHDB"});
    }
    if (code != 0)
        return code;

    std::sort(latenessUs.begin(), latenessUs.end());
    const auto pct = [&](double p) {
        if (latenessUs.isEmpty())
            return 0.0;
        return double(latenessUs.at(qsizetype(p * double(latenessUs.size() - 1)))) / 1000.0;
    };
    out << "\nKeys page, " << kKeys << " keys, SCAN COUNT " << ui::KeysPage::kScanCount << "\n";
    out << QStringLiteral("%1 %2 %3\n").arg(QStringLiteral("figure"), -34).arg(QStringLiteral("value"), 12).arg(QStringLiteral("aim"));
    const auto row = [&](const QString &name, const QString &value, const QString &aim) {
        out << QStringLiteral("%1 %2 %3\n").arg(name, -34).arg(value, 12).arg(aim);
    };
    row(QStringLiteral("time to first rows"), QStringLiteral("%1 ms").arg(firstRowsMs), QStringLiteral("<= 100 ms"));
    row(QStringLiteral("time to all rows (Load all)"), QStringLiteral("%1 ms").arg(loadedMs), QString());
    row(QStringLiteral("rows in list / keys in tree"), QStringLiteral("%1/%2").arg(rows).arg(treeKeys), QString());
    row(QStringLiteral("GUI timer lateness p50"), QStringLiteral("%1 ms").arg(pct(0.50), 0, 'f', 2), QString());
    row(QStringLiteral("GUI timer lateness p99"), QStringLiteral("%1 ms").arg(pct(0.99), 0, 'f', 2), QStringLiteral("<= 16 ms"));
    row(QStringLiteral("GUI timer lateness max"), QStringLiteral("%1 ms").arg(pct(1.0), 0, 'f', 2), QStringLiteral("<= 50 ms"));
    row(QStringLiteral("ticks measured"), QString::number(latenessUs.size()), QString());
    row(QStringLiteral("resident before window"), QStringLiteral("%1 MB").arg(baselineKiB / 1024), QString());
    row(QStringLiteral("resident after browsing"), QStringLiteral("%1 MB").arg(rssKiB / 1024), QStringLiteral("<= 300 MB"));
    return 0;
}
