// The whole console (ConsoleWorkers + MainWindow, as the app builds them) while its
// servers go away and come back: what an admin sees is an error in words on the page
// that needed the server, a red status-bar indicator, a window that keeps running,
// buttons usable again after a failed action, and everything working again once the
// server returns, without restarting the console.
//
// Servers are only ever stopped in a private sandbox (its own redis-server, PostgreSQL
// and zoho-sim in a temporary directory), never the fixture's, which other tests share.
#include "cache/cachepage.h"
#include "consoleharness.h"
#include "itemmodels/keylistmodel.h"
#include "itemmodels/syncrunmodel.h"
#include "keys/keyspage.h"
#include "redis/redisconnection.h"
#include "sandbox/sandbox.h"
#include "shiftedsteadyclock.h"
#include "shell/mainwindow.h"
#include "simcontrol.h"
#include "students/studentspage.h"
#include "sync/syncpage.h"
#include "verifyok.h"
#include "zoho/zohoclientoptions.h"

#include <QAbstractItemModel>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <functional>
#include <memory>

using namespace tiersync;
using tiersync::sandbox::Sandbox;
using tiersync::sandbox::Service;

namespace {

constexpr int kTimeoutMs = 30000;
constexpr int kTickMs = 10;
constexpr int kSourceColumn = 1;  // the Students page's endpoint table
constexpr int kResultColumn = 4;

}  // namespace

class TestConsoleFaults final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_directory;
    std::unique_ptr<Sandbox> m_sandbox;
    ConnectionProfile m_profile;
    // The console's Zoho clients run on it: moved past the circuit breaker's cool-down
    // rather than waiting it out.
    test::ShiftedSteadyClock m_zohoClock;
    std::unique_ptr<test::ConsoleHarness> m_console;
    ui::MainWindow *m_window = nullptr;
    // A timer on the GUI thread: it fires only while the event loop runs, so ticks
    // counted while an action is under way prove the window was not frozen by it.
    QTimer m_ticker;
    std::function<bool()> m_busy;
    int m_busyTicks = 0;

    template <typename T>
    T *find(const char *name) const
    {
        T *widget = m_window->findChild<T *>(QLatin1String(name));
        if (!widget)
            qWarning("no widget %s", name);
        return widget;
    }

    QString text(const char *labelName) const
    {
        const QLabel *label = find<QLabel>(labelName);
        return label ? label->text() : QString();
    }

    void clickPage(ui::MainWindow::Page page)
    {
        auto *list = find<QListWidget>("pageList");
        QVERIFY(list);
        QListWidgetItem *item = list->item(int(page));
        QVERIFY(item);
        QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, list->visualItemRect(item).center());
        QCOMPARE(list->currentRow(), int(page));
    }

    void click(const char *buttonName)
    {
        auto *button = find<QPushButton>(buttonName);
        QVERIFY(button);
        QVERIFY2(button->isEnabled(), buttonName);
        QTest::mouseClick(button, Qt::LeftButton);
    }

    // Counts GUI timer ticks while busy() holds, from now on.
    void watchBusy(std::function<bool()> busy)
    {
        m_busy = std::move(busy);
        m_busyTicks = 0;
    }

    void stop(Service service) { VERIFY_OK(m_sandbox->stopService(service)); }
    void start(Service service) { VERIFY_OK(m_sandbox->startService(service)); }

    // The status bar checks every 15 s; ask now rather than wait.
    void checkHealthNow() { m_window->checkHealth(); }

    QString health(const char *indicatorName) const
    {
        const QLabel *indicator = find<QLabel>(indicatorName);
        return indicator ? indicator->accessibleName() : QString();
    }

    QString tile(const char *tileName) const { return text(tileName); }

    void setRedisKey(const QByteArray &key)
    {
        RedisConnection redis(m_profile.redis);
        VERIFY_OK(redis.command({"SET", key, "1"}));
    }

    QStringList studentColumn(int column) const
    {
        QStringList values;
        // The Overview has an endpoint table too.
        const auto *table = m_window->studentsPage()->findChild<QTableView *>(QStringLiteral("endpointTable"));
        if (!table)
            return values;
        for (int row = 0; row < table->model()->rowCount(); ++row)
            values.append(table->model()->index(row, column).data().toString());
        return values;
    }

    // Reads every endpoint of the student on the Students page, as the admin does.
    void lookUp(qint64 moodleUserId, bool forceRefresh)
    {
        auto *id = find<QLineEdit>("moodleUserId");
        QVERIFY(id);
        QTRY_VERIFY_WITH_TIMEOUT(find<QPushButton>("lookupButton")->isEnabled(), kTimeoutMs);
        id->clear();
        QTest::keyClicks(id, QString::number(moodleUserId));
        click(forceRefresh ? "refreshAllButton" : "lookupButton");
        QTRY_VERIFY_WITH_TIMEOUT(find<QPushButton>("lookupButton")->isEnabled(), kTimeoutMs);
    }

    QStringList all(const QString &value) const
    {
        return QStringList(studentColumn(kSourceColumn).size(), value);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_directory.isValid());
        m_sandbox = std::make_unique<Sandbox>(Sandbox::Options{
            m_directory.filePath(QStringLiteral("sandbox")), qEnvironmentVariable("TIERSYNC_ZOHO_SIM"),
            {QStringLiteral("--students"), QStringLiteral("50"), QStringLiteral("--products"), QStringLiteral("2000"),
             QStringLiteral("--customers"), QStringLiteral("10")}});
        auto state = m_sandbox->up();
        VERIFY_OK(state);
        m_profile = state->profile;
        m_profile.name = QStringLiteral("faults");

        m_ticker.setInterval(kTickMs);
        connect(&m_ticker, &QTimer::timeout, this, [this] {
            if (m_busy && m_busy())
                ++m_busyTicks;
        });
        m_ticker.start();

        m_console = std::make_unique<test::ConsoleHarness>(ConsoleClocks{{}, m_zohoClock.clock()});
        m_window = &m_console->window();
        // Pages notice a server's return by polling: poll often rather than every 2-5 s.
        m_console->setPagePollIntervalMs(100);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window));
        m_window->setProfile(m_profile);
        QTRY_COMPARE_WITH_TIMEOUT(health("redisHealth"), QStringLiteral("Redis reachable"), kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(health("pgHealth"), QStringLiteral("PostgreSQL reachable"), kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(health("zohoHealth"), QStringLiteral("Zoho reachable"), kTimeoutMs);
    }

    // A failed scenario must not leave a server down for the next one.
    void cleanup()
    {
        m_busy = {};
        // startService, not up(): the servers must come back on the ports the console uses.
        auto services = m_sandbox->status();
        VERIFY_OK(services);
        for (const Sandbox::ServiceStatus &service : *services) {
            if (!service.answers)
                VERIFY_OK(m_sandbox->startService(service.service));
        }
        VERIFY_OK(test::simPost(m_profile.zoho.apiBase, QStringLiteral("/_sim/faults"), test::noSimFaults()));
    }

    void cleanupTestCase()
    {
        m_busy = {};
        m_window = nullptr;
        m_console.reset();
        if (m_sandbox)
            VERIFY_OK(m_sandbox->down());
    }

    // Redis stopped: the key list says why in words, students are still answered from
    // PostgreSQL (or Zoho), the status bar and the Overview show Redis red; Redis back
    // (empty: it keeps nothing on disk) and the keys list again.
    void redisStopped()
    {
        setRedisKey("faults:before");
        clickPage(ui::MainWindow::Page::Keys);
        KeyListModel *keys = m_window->keysPage()->listModel();
        click("refreshButton");
        QTRY_VERIFY_WITH_TIMEOUT(keys->rowCount() >= 1 && keys->atEnd(), kTimeoutMs);

        clickPage(ui::MainWindow::Page::Students);
        lookUp(7, false);
        QCOMPARE(studentColumn(kSourceColumn), all(QStringLiteral("zoho")));

        stop(Service::Redis);
        clickPage(ui::MainWindow::Page::Keys);
        click("refreshButton");
        QTRY_VERIFY_WITH_TIMEOUT(text("keysStatus").contains(QStringLiteral("Could not list keys")), kTimeoutMs);
        QVERIFY2(text("keysStatus").contains(QStringLiteral("Cannot reach Redis. Is it running")),
                 qPrintable(text("keysStatus")));
        QVERIFY2(text("loadedLabel").contains(QStringLiteral("stopped after an error")), qPrintable(text("loadedLabel")));
        QVERIFY(find<QPushButton>("refreshButton")->isEnabled());

        clickPage(ui::MainWindow::Page::Students);
        lookUp(7, false);
        QCOMPARE(studentColumn(kSourceColumn), all(QStringLiteral("postgres")));
        lookUp(8, false);  // never read: straight from Zoho, Redis or not
        QCOMPARE(studentColumn(kSourceColumn), all(QStringLiteral("zoho")));

        checkHealthNow();
        QTRY_COMPARE_WITH_TIMEOUT(health("redisHealth"), QStringLiteral("Redis unreachable"), kTimeoutMs);
        QVERIFY(find<QLabel>("redisHealth")->toolTip().contains(QStringLiteral("Cannot reach Redis")));
        QCOMPARE(health("pgHealth"), QStringLiteral("PostgreSQL reachable"));
        clickPage(ui::MainWindow::Page::Overview);
        QTRY_VERIFY_WITH_TIMEOUT(tile("redisTile").contains(QStringLiteral("Unreachable")), kTimeoutMs);

        start(Service::Redis);
        checkHealthNow();
        QTRY_COMPARE_WITH_TIMEOUT(health("redisHealth"), QStringLiteral("Redis reachable"), kTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(tile("redisTile").contains(QStringLiteral("Connected")), kTimeoutMs);
        setRedisKey("faults:after");
        clickPage(ui::MainWindow::Page::Keys);
        click("refreshButton");
        QTRY_VERIFY_WITH_TIMEOUT(keys->rowCount() >= 1 && keys->atEnd(), kTimeoutMs);
        // The error went with the failure: the page does not go on blaming Redis.
        QVERIFY2(!text("keysStatus").contains(QStringLiteral("Could not list keys")), qPrintable(text("keysStatus")));
        QVERIFY2(text("loadedLabel").contains(QStringLiteral("scan complete")), qPrintable(text("loadedLabel")));
    }

    // PostgreSQL stopped: the sync history, Sync now and the caching switch each say
    // they cannot reach it; back, and all three work again by themselves.
    void postgresStopped()
    {
        clickPage(ui::MainWindow::Page::Sync);
        QVERIFY(m_window->syncPage()->selectEntityType(QStringLiteral("customers")));
        click("syncNowButton");
        QTRY_VERIFY_WITH_TIMEOUT(text("syncStatusLabel").contains(QStringLiteral("succeeded")), kTimeoutMs);
        auto *runs = find<QTableView>("runHistory");
        QTRY_COMPARE_WITH_TIMEOUT(runs->model()->rowCount(), 1, kTimeoutMs);
        clickPage(ui::MainWindow::Page::Cache);
        QTRY_VERIFY_WITH_TIMEOUT(find<QPushButton>("cachingSwitchButton")->isEnabled(), kTimeoutMs);
        QCOMPARE(text("cachingStateLabel"), QStringLiteral("Caching is ON"));

        stop(Service::Postgres);
        clickPage(ui::MainWindow::Page::Sync);
        // The history reloads on its own timer.
        QTRY_VERIFY_WITH_TIMEOUT(text("syncHistoryStatus").contains(QStringLiteral("Could not load the sync history")),
                                 kTimeoutMs);
        QVERIFY2(text("syncHistoryStatus").contains(QStringLiteral("Cannot reach PostgreSQL")),
                 qPrintable(text("syncHistoryStatus")));
        QCOMPARE(runs->model()->rowCount(), 1);  // what was loaded stays on screen

        auto *syncNow = find<QPushButton>("syncNowButton");
        watchBusy([syncNow] { return !syncNow->isEnabled(); });
        click("syncNowButton");
        QVERIFY(!syncNow->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(syncNow->isEnabled(), kTimeoutMs);
        QVERIFY2(text("syncStatusLabel").contains(QStringLiteral("did not start"))
                     && text("syncStatusLabel").contains(QStringLiteral("Cannot reach PostgreSQL")),
                 qPrintable(text("syncStatusLabel")));
        QVERIFY(!find<QPushButton>("cancelSyncButton")->isEnabled());

        clickPage(ui::MainWindow::Page::Cache);
        click("refreshEventsButton");
        QTRY_VERIFY_WITH_TIMEOUT(text("cachingDetailLabel").contains(QStringLiteral("Could not read")), kTimeoutMs);
        QVERIFY2(text("cachingDetailLabel").contains(QStringLiteral("Cannot reach PostgreSQL")),
                 qPrintable(text("cachingDetailLabel")));
        // The switch's state is unknown now: it must not go on claiming ON, nor offer a flip.
        QVERIFY2(!text("cachingStateLabel").contains(QStringLiteral("ON"))
                     && !text("cachingStateLabel").contains(QStringLiteral("OFF")),
                 qPrintable(text("cachingStateLabel")));
        QVERIFY(!find<QPushButton>("cachingSwitchButton")->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(text("webhookEventsStatus").contains(QStringLiteral("Cannot reach PostgreSQL")),
                                 kTimeoutMs);

        checkHealthNow();
        QTRY_COMPARE_WITH_TIMEOUT(health("pgHealth"), QStringLiteral("PostgreSQL unreachable"), kTimeoutMs);
        QCOMPARE(health("redisHealth"), QStringLiteral("Redis reachable"));
        clickPage(ui::MainWindow::Page::Overview);
        QTRY_VERIFY_WITH_TIMEOUT(tile("pgTile").contains(QStringLiteral("Unreachable")), kTimeoutMs);

        start(Service::Postgres);
        checkHealthNow();
        QTRY_COMPARE_WITH_TIMEOUT(health("pgHealth"), QStringLiteral("PostgreSQL reachable"), kTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(tile("pgTile").contains(QStringLiteral("Connected")), kTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(tile("cachingTile").contains(QStringLiteral("ON")), kTimeoutMs);
        clickPage(ui::MainWindow::Page::Cache);
        QTRY_VERIFY_WITH_TIMEOUT(find<QPushButton>("cachingSwitchButton")->isEnabled(), kTimeoutMs);
        QCOMPARE(text("cachingStateLabel"), QStringLiteral("Caching is ON"));
        QVERIFY2(!text("cachingDetailLabel").contains(QStringLiteral("Could not")), qPrintable(text("cachingDetailLabel")));
        QTRY_VERIFY_WITH_TIMEOUT(!text("webhookEventsStatus").contains(QStringLiteral("Could not")), kTimeoutMs);
        clickPage(ui::MainWindow::Page::Sync);
        QTRY_VERIFY_WITH_TIMEOUT(text("syncHistoryStatus").isEmpty(), kTimeoutMs);
        click("syncNowButton");
        QTRY_VERIFY_WITH_TIMEOUT(text("syncStatusLabel").contains(QStringLiteral("succeeded")), kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(runs->model()->rowCount(), 2, kTimeoutMs);
    }

    // Zoho stopped: a forced refresh of a student read before answers with the stored
    // copy (stale), one never read gets the 503 explanation; Zoho back, fresh again.
    void zohoStopped()
    {
        clickPage(ui::MainWindow::Page::Students);
        lookUp(9, false);
        QCOMPARE(studentColumn(kSourceColumn), all(QStringLiteral("zoho")));

        stop(Service::ZohoSim);
        lookUp(9, true);
        QCOMPARE(studentColumn(kSourceColumn), all(QStringLiteral("stale")));
        lookUp(10, true);
        QCOMPARE(studentColumn(kResultColumn), all(QStringLiteral("no answer (HTTP 503)")));
        QVERIFY2(text("studentStatus").contains(QStringLiteral("503 Service Unavailable")), qPrintable(text("studentStatus")));
        QVERIFY2(text("studentStatus").contains(QStringLiteral("Zoho")), qPrintable(text("studentStatus")));
        lookUp(10, false);
        QCOMPARE(studentColumn(kResultColumn), all(QStringLiteral("no answer (HTTP 503)")));

        checkHealthNow();
        QTRY_COMPARE_WITH_TIMEOUT(health("zohoHealth"), QStringLiteral("Zoho unreachable"), kTimeoutMs);

        start(Service::ZohoSim);
        checkHealthNow();
        QTRY_COMPARE_WITH_TIMEOUT(health("zohoHealth"), QStringLiteral("Zoho reachable"), kTimeoutMs);
        // The failures opened the circuit breaker: calls to Zoho pause for its cool-down,
        // which the clock skips, and then go out again.
        m_zohoClock.advance(ZohoClientOptions{}.circuitCoolDownMs);
        QTRY_VERIFY_WITH_TIMEOUT(
            [this] {
                lookUp(10, true);
                return studentColumn(kSourceColumn) == all(QStringLiteral("zoho"));
            }(),
            kTimeoutMs);
    }

    // PostgreSQL stopped in the middle of a sync started from the Sync page: the run
    // ends with an error in words, the buttons come back, nothing crashes; with
    // PostgreSQL back the next sync completes.
    void postgresStoppedDuringSync()
    {
        // Slow Zoho pages keep the run going long enough to stop PostgreSQL under it.
        VERIFY_OK(test::simPost(m_profile.zoho.apiBase, QStringLiteral("/_sim/faults"),
                                QJsonObject{{QStringLiteral("latency_ms"), QJsonArray{400, 400}}}));
        clickPage(ui::MainWindow::Page::Sync);
        QVERIFY(m_window->syncPage()->selectEntityType(QStringLiteral("products")));
        auto *syncNow = find<QPushButton>("syncNowButton");
        watchBusy([syncNow] { return !syncNow->isEnabled(); });
        click("syncNowButton");
        QTRY_VERIFY_WITH_TIMEOUT(text("syncStatusLabel").contains(QStringLiteral("running")), kTimeoutMs);
        QVERIFY(find<QPushButton>("cancelSyncButton")->isEnabled());
        stop(Service::Postgres);

        QTRY_VERIFY_WITH_TIMEOUT(syncNow->isEnabled(), kTimeoutMs);
        QVERIFY2(m_busyTicks > 0, "the window froze during the sync");
        const QString ended = text("syncStatusLabel");
        qInfo("sync page after the failure: %s", qPrintable(ended));
        QVERIFY2(ended.contains(QStringLiteral("failed")) && ended.contains(QStringLiteral("Cannot reach PostgreSQL")),
                 qPrintable(ended));
        QVERIFY2(!ended.contains(QStringLiteral("unavailable:")), qPrintable(ended));  // no log-style kind names
        QVERIFY(!find<QPushButton>("cancelSyncButton")->isEnabled());
        VERIFY_OK(test::simPost(m_profile.zoho.apiBase, QStringLiteral("/_sim/faults"), test::noSimFaults()));

        start(Service::Postgres);
        QTRY_VERIFY_WITH_TIMEOUT(text("syncHistoryStatus").isEmpty(), kTimeoutMs);
        click("syncNowButton");
        QTRY_VERIFY_WITH_TIMEOUT(text("syncStatusLabel").contains(QStringLiteral("succeeded")), kTimeoutMs);
        // Nothing lost: the interrupted run is in the history as failed, none is left "running".
        SyncRunModel *history = m_window->syncPage()->runModel();
        QTRY_VERIFY_WITH_TIMEOUT(
            [history] {
                int failed = 0;
                for (int row = 0; row < history->rowCount(); ++row) {
                    const SyncRunRepository::Run &run = history->runAt(row);
                    if (run.status == SyncRunStatus::Running)
                        return false;
                    failed += run.entityType == QLatin1String("products")
                              && run.status == SyncRunStatus::Failed;
                }
                return failed == 1;
            }(),
            kTimeoutMs);
    }

    // Redis stopped while the Cache page warms: the warm ends with the reason, the
    // buttons come back; with Redis back the next warm writes its keys.
    void redisStoppedDuringWarm()
    {
        // Writes wait while Redis is paused, so the warm is surely under way when it stops.
        {
            RedisConnection redis(m_profile.redis);
            VERIFY_OK(redis.command({"CLIENT", "PAUSE", "10000", "WRITE"}));
        }
        clickPage(ui::MainWindow::Page::Cache);
        QVERIFY(m_window->cachePage()->selectWarmEntityType(QStringLiteral("products")));
        auto *warm = find<QPushButton>("warmEntitiesButton");
        watchBusy([warm] { return !warm->isEnabled(); });
        click("warmEntitiesButton");
        QVERIFY(!warm->isEnabled());
        QVERIFY(find<QPushButton>("cancelActionButton")->isEnabled());
        stop(Service::Redis);

        QTRY_VERIFY_WITH_TIMEOUT(warm->isEnabled(), kTimeoutMs);
        QVERIFY2(m_busyTicks > 0, "the window froze during the warm");
        const QString ended = text("actionStatus");
        qInfo("cache page after the failure: %s", qPrintable(ended));
        QVERIFY2(ended.contains(QStringLiteral("did not finish")) && ended.contains(QStringLiteral("Cannot reach Redis")),
                 qPrintable(ended));
        QVERIFY(!find<QPushButton>("cancelActionButton")->isEnabled());
        QVERIFY(find<QPushButton>("warmEndpointsButton")->isEnabled());

        start(Service::Redis);
        click("warmEntitiesButton");
        QTRY_VERIFY_WITH_TIMEOUT(warm->isEnabled(), kTimeoutMs);
        QVERIFY2(text("actionStatus").contains(QStringLiteral("Warmed")), qPrintable(text("actionStatus")));
    }
};

QTEST_MAIN(TestConsoleFaults)
#include "tst_consolefaults.moc"
