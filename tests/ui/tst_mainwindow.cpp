// The whole console as the app builds it (ConsoleWorkers + MainWindow), offscreen,
// against the fixture's real servers: every page is reachable from the page list and is
// a working page, and a change made on one page shows on another — the caching switch
// flipped on the Cache page appears on the Overview.
#include "consoleharness.h"
#include "redis/redisconnection.h"
#include "scratchprofile.h"
#include "shell/mainwindow.h"
#include "store/pgconnection.h"
#include "store/settingsrepository.h"
#include "testsandbox.h"
#include "verifyok.h"

#include <QApplication>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QStackedWidget>
#include <QTimer>
#include <QTest>

#include <memory>

using namespace tiersync;

namespace {

constexpr int kDb = 58;  // this test class's own Redis database
constexpr int kTimeoutMs = 60000;

bool storedCachingEnabled(const PgSettings &pg)
{
    PgConnection connection(pg);
    return SettingsRepository(connection).cachingEnabled().valueOr(true);
}

}  // namespace

class TestMainWindow final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::ScratchProfile> m_scratch;
    std::unique_ptr<test::ConsoleHarness> m_console;
    ui::MainWindow *m_window = nullptr;
    ConnectionProfile m_profile;

    QWidget *currentPage() const
    {
        return m_window->findChild<QStackedWidget *>(QStringLiteral("pages"))->currentWidget();
    }

    void clickPage(int row)
    {
        auto *list = m_window->findChild<QListWidget *>(QStringLiteral("pageList"));
        QVERIFY(list);
        QListWidgetItem *item = list->item(row);
        QVERIFY(item);
        QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, list->visualItemRect(item).center());
    }

private Q_SLOTS:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        auto scratch = test::ScratchProfile::create(profile, QStringLiteral("mainwindow"), kDb);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
        m_profile = m_scratch->profile();
        m_profile.name = QStringLiteral("test");

        m_console = std::make_unique<test::ConsoleHarness>();
        m_window = &m_console->window();
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window));
        m_window->setProfile(m_profile);
    }

    void cleanupTestCase()
    {
        m_window = nullptr;
        m_console.reset();
        if (m_scratch) {
            RedisConnection redis(m_profile.redis);
            (void)redis.command({"FLUSHDB"});
        }
    }

    void everyPageIsReachableAndReal()
    {
        const QStringList pages = {QStringLiteral("overviewPage"), QStringLiteral("keysPage"),
                                   QStringLiteral("syncPage"),     QStringLiteral("retriesPage"),
                                   QStringLiteral("studentsPage"), QStringLiteral("cachePage"),
                                   QStringLiteral("settingsPage")};
        for (int row = 0; row < pages.size(); ++row) {
            clickPage(row);
            QCOMPARE(currentPage()->objectName(), pages.at(row));
            // A working page, not a promise of one.
            for (const QLabel *label : currentPage()->findChildren<QLabel *>())
                QVERIFY2(!label->text().contains(QStringLiteral("coming soon"), Qt::CaseInsensitive),
                         qPrintable(pages.at(row)));
        }
        // The status bar names the profile and finds every service.
        auto *profileLabel = m_window->findChild<QLabel *>(QStringLiteral("profileLabel"));
        QVERIFY(profileLabel->text().contains(QStringLiteral("test")));
        QVERIFY(!m_profile.redis.password.isEmpty());  // the sandbox's Redis has one
        QVERIFY2(!profileLabel->text().contains(m_profile.redis.password.reveal()), "the Redis password is shown");
    }

    void hiddenPagesDoNotPoll()
    {
        auto *overviewTimer = m_window->findChild<QTimer *>(QStringLiteral("overviewPollTimer"));
        auto *retriesTimer = m_window->findChild<QTimer *>(QStringLiteral("retriesPollTimer"));
        auto *replicaTimer = m_window->findChild<QTimer *>(QStringLiteral("replicaPollTimer"));
        auto *historyTimer = m_window->findChild<QTimer *>(QStringLiteral("historyTimer"));
        QVERIFY(overviewTimer && retriesTimer && replicaTimer && historyTimer);
        clickPage(int(ui::MainWindow::Page::Overview));
        QVERIFY(overviewTimer->isActive());
        QVERIFY(!retriesTimer->isActive());
        QVERIFY(!replicaTimer->isActive());
        QVERIFY(!historyTimer->isActive());
        clickPage(int(ui::MainWindow::Page::Sync));
        QVERIFY(!overviewTimer->isActive());
        QVERIFY(replicaTimer->isActive());
        QVERIFY(historyTimer->isActive());
        clickPage(int(ui::MainWindow::Page::Retries));
        QVERIFY(!overviewTimer->isActive());
        QVERIFY(retriesTimer->isActive());
        QVERIFY(!replicaTimer->isActive());
        QVERIFY(!historyTimer->isActive());
        clickPage(int(ui::MainWindow::Page::Keys));
        QVERIFY(!overviewTimer->isActive());
        QVERIFY(!retriesTimer->isActive());
    }

    void cachingSwitchOnTheCachePageShowsOnTheOverview()
    {
        auto *tile = m_window->findChild<QLabel *>(QStringLiteral("cachingTile"));
        auto *button = m_window->findChild<QPushButton *>(QStringLiteral("cachingSwitchButton"));
        QVERIFY(tile && button);
        QTRY_VERIFY_WITH_TIMEOUT(tile->text().contains(QStringLiteral("ON")), kTimeoutMs);

        clickPage(int(ui::MainWindow::Page::Cache));
        QTRY_VERIFY_WITH_TIMEOUT(button->isEnabled(), kTimeoutMs);  // once the switch state is read
        m_console->confirmer().questions.clear();
        QTest::mouseClick(button, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(m_console->confirmer().questions.size(), 1, kTimeoutMs);
        QVERIFY2(m_console->confirmer().questions.first().contains(QStringLiteral("rollback"), Qt::CaseInsensitive),
                 qPrintable(m_console->confirmer().questions.first()));
        QTRY_VERIFY_WITH_TIMEOUT(!storedCachingEnabled(m_profile.pg), kTimeoutMs);

        clickPage(int(ui::MainWindow::Page::Overview));
        QTRY_VERIFY_WITH_TIMEOUT(tile->text().contains(QStringLiteral("OFF")), kTimeoutMs);

        // And back on: the Overview follows again.
        clickPage(int(ui::MainWindow::Page::Cache));
        QTRY_VERIFY_WITH_TIMEOUT(button->isEnabled(), kTimeoutMs);
        QTest::mouseClick(button, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(storedCachingEnabled(m_profile.pg), kTimeoutMs);
        clickPage(int(ui::MainWindow::Page::Overview));
        QTRY_VERIFY_WITH_TIMEOUT(tile->text().contains(QStringLiteral("ON")) && !tile->text().contains(QStringLiteral("OFF")),
                                 kTimeoutMs);
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
