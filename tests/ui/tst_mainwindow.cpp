// The whole console as the app builds it (ConsoleWorkers + MainWindow), offscreen,
// against the fixture's real servers: every page is reachable from the page list and is
// a working page, and a change made on one page shows on another — the caching switch
// flipped on the Cache page appears on the Overview.
#include "common/confirmer.h"
#include "core/profilestore.h"
#include "core/secretstore.h"
#include "pgtestdatabase.h"
#include "redis/redisconnection.h"
#include "shell/consoleworkers.h"
#include "shell/mainwindow.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "store/settingsrepository.h"
#include "testsandbox.h"

#include <QApplication>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QStackedWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <QTest>

#include <memory>

using namespace tiersync;

namespace {

constexpr int kDb = 58;  // this test class's own Redis database
constexpr int kTimeoutMs = 60000;

#define VERIFY_OK(expression)                                                                             \
    do {                                                                                                  \
        const auto &verified = (expression);                                                              \
        QVERIFY2(verified.ok(), qPrintable(verified.ok() ? QString() : verified.error().toString()));     \
    } while (false)

// Answers every confirmation at once and remembers what it was asked.
class RecordingConfirmer final : public ui::Confirmer {
public:
    void ask(QWidget *, const QString &, const QString &text, const QString &, Answer answer) override
    {
        questions.append(text);
        answer(true);
    }
    QStringList questions;
};

bool storedCachingEnabled(const PgSettings &pg)
{
    PgConnection connection(pg);
    return SettingsRepository(connection).cachingEnabled().valueOr(true);
}

}  // namespace

class TestMainWindow final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<QSettings> m_settings;
    std::unique_ptr<ProfileStore> m_profiles;
    InMemorySecretStore m_secrets;
    RecordingConfirmer m_confirmer;
    std::unique_ptr<test::PgTestDatabase> m_database;
    std::unique_ptr<ui::ConsoleWorkers> m_workers;
    std::unique_ptr<ui::MainWindow> m_window;
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
        QVERIFY(m_dir.isValid());
        auto database = test::PgTestDatabase::create(profile.pg, QStringLiteral("mainwindow"));
        VERIFY_OK(database);
        m_database = std::move(*database);
        {
            PgConnection connection(m_database->settings());
            VERIFY_OK(Migrator().migrate(connection));
        }
        m_profile = profile;
        m_profile.name = QStringLiteral("test");
        m_profile.pg = m_database->settings();
        m_profile.redis.db = kDb;
        RedisConnection redis(m_profile.redis);
        VERIFY_OK(redis.command({"FLUSHDB"}));

        m_settings = std::make_unique<QSettings>(m_dir.filePath(QStringLiteral("console.ini")), QSettings::IniFormat);
        m_profiles = std::make_unique<ProfileStore>(*m_settings);
        m_workers = std::make_unique<ui::ConsoleWorkers>(m_profiles.get(), &m_secrets, &m_confirmer);
        m_window = std::make_unique<ui::MainWindow>(m_workers->context());
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_window->setProfile(m_profile);
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_workers.reset();
        if (m_database) {
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
        QVERIFY(overviewTimer && retriesTimer);
        clickPage(int(ui::MainWindow::Page::Overview));
        QVERIFY(overviewTimer->isActive());
        QVERIFY(!retriesTimer->isActive());
        clickPage(int(ui::MainWindow::Page::Retries));
        QVERIFY(!overviewTimer->isActive());
        QVERIFY(retriesTimer->isActive());
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
        m_confirmer.questions.clear();
        QTest::mouseClick(button, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(m_confirmer.questions.size(), 1, kTimeoutMs);
        QVERIFY2(m_confirmer.questions.first().contains(QStringLiteral("rollback"), Qt::CaseInsensitive),
                 qPrintable(m_confirmer.questions.first()));
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
