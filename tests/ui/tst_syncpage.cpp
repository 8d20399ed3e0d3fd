#include "consoleharness.h"
#include "itemmodels/syncrunmodel.h"
#include "redis/redisconnection.h"
#include "scratchprofile.h"
#include "shell/mainwindow.h"
#include "store/advisorylock.h"
#include "store/pgconnection.h"
#include "sync/syncpage.h"
#include "testsandbox.h"
#include "verifyok.h"

#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTableWidget>
#include <QTest>

using namespace tiersync;

namespace {

// This test class's own Redis database: tests share the fixture's server.
constexpr int kDb = 57;
constexpr int kRunTimeoutMs = 120000;


QString statusOfNewest(const SyncRunModel *model)
{
    if (model->rowCount() == 0)
        return {};
    return model->runAt(0).status;
}

}  // namespace

class TestSyncPage final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void syncShowsProgressAndHistoryThenCancel()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("syncpage"), kDb);
        VERIFY_OK(scratch);
        const ConnectionProfile profile = (*scratch)->profile();
        RedisConnection redis(profile.redis);

        test::ConsoleHarness console;
        console.setPagePollIntervalMs(100);  // the history reloads at the next poll
        console.confirmer().accept = false;
        ui::MainWindow &window = console.window();
        window.show();
        window.setProfile(profile);
        window.showPage(ui::MainWindow::Page::Sync);

        ui::SyncPage *page = window.syncPage();
        QVERIFY(page);
        QCOMPARE(page->objectName(), QStringLiteral("syncPage"));
        QVERIFY(page->selectEntityType(QStringLiteral("products")));
        QVERIFY(!page->selectEntityType(QStringLiteral("no-such-type")));
        auto *syncNow = page->findChild<QPushButton *>(QStringLiteral("syncNowButton"));
        auto *cancel = page->findChild<QPushButton *>(QStringLiteral("cancelSyncButton"));
        auto *bar = page->findChild<QProgressBar *>(QStringLiteral("syncProgress"));
        auto *rate = page->findChild<QLabel *>(QStringLiteral("syncRateLabel"));
        auto *status = page->findChild<QLabel *>(QStringLiteral("syncStatusLabel"));
        auto *runs = page->findChild<QTableView *>(QStringLiteral("runHistory"));
        auto *detail = page->findChild<QPlainTextEdit *>(QStringLiteral("runDetail"));
        auto *types = page->findChild<QTableWidget *>(QStringLiteral("entityTypes"));
        QVERIFY(syncNow && cancel && bar && rate && status && runs && detail && types);
        SyncRunModel *model = page->runModel();
        QTRY_VERIFY(syncNow->isEnabled());
        QVERIFY(!cancel->isEnabled());

        // A sync of products: the bar moves as pages arrive, the run lands in the history.
        // Progress reported while the run is still going (Cancel enabled), with a rate.
        bool movedWhileRunning = false;
        QString rateWhileRunning;
        connect(bar, &QProgressBar::valueChanged, this, [&](int value) {
            if (value > 0 && cancel->isEnabled()) {
                movedWhileRunning = true;
                rateWhileRunning = rate->text();
            }
        });
        QTest::mouseClick(syncNow, Qt::LeftButton);
        QVERIFY(!syncNow->isEnabled());
        QVERIFY(cancel->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(statusOfNewest(model) == QLatin1String("succeeded") && syncNow->isEnabled(),
                                 kRunTimeoutMs);
        QVERIFY(movedWhileRunning);
        QVERIFY2(rateWhileRunning.contains(QStringLiteral("/s")), qPrintable(rateWhileRunning));
        QCOMPARE(bar->value(), bar->maximum());
        disconnect(bar, nullptr, this, nullptr);
        QCOMPARE(model->runAt(0).entityType, QStringLiteral("products"));
        QCOMPARE(model->runAt(0).trigger, QStringLiteral("console"));
        QVERIFY(model->runAt(0).counters.synced > 0);
        QVERIFY(status->text().contains(QStringLiteral("succeeded")));
        const qint64 firstRun = model->runAt(0).id;

        // The type's row shows its last run; the detail pane the selected run's figures.
        const int productsRow = int(types->findItems(QStringLiteral("products"), Qt::MatchExactly).first()->row());
        QTRY_COMPARE(types->item(productsRow, 2)->text(), QStringLiteral("succeeded"));
        runs->selectRow(0);
        QTRY_VERIFY(detail->toPlainText().contains(QStringLiteral("Zoho calls")));
        QVERIFY(detail->toPlainText().contains(QStringLiteral("Status: succeeded")));

        // Another run, full this time, cancelled at once: recorded as cancelled.
        auto *mode = page->findChild<QComboBox *>(QStringLiteral("syncMode"));
        mode->setCurrentIndex(mode->findData(QStringLiteral("full")));
        QTest::mouseClick(syncNow, Qt::LeftButton);
        QVERIFY(cancel->isEnabled());
        QTest::mouseClick(cancel, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() >= 2 && model->runAt(0).id != firstRun
                                     && statusOfNewest(model) == QLatin1String("cancelled") && syncNow->isEnabled(),
                                 kRunTimeoutMs);
        QCOMPARE(model->runAt(0).mode, QStringLiteral("full"));
        QVERIFY(status->text().contains(QStringLiteral("cancelled")));
        QCOMPARE(model->runAt(1).status, QStringLiteral("succeeded"));
        QTRY_COMPARE(types->item(productsRow, 2)->text(), QStringLiteral("cancelled"));

        // Another instance holds the products sync: the run is refused, in the engine's words.
        PgConnection otherInstance(profile.pg);
        AdvisoryLock held(otherInstance, AdvisoryLock::syncLockName(QStringLiteral("products")));
        auto locked = held.tryLock();
        QVERIFY(locked && *locked);
        const qint64 runsBefore = model->rowCount();
        QTest::mouseClick(syncNow, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(syncNow->isEnabled(), kRunTimeoutMs);
        QVERIFY2(status->text().contains(QStringLiteral("did not start"))
                     && status->text().contains(QStringLiteral("already running")),
                 qPrintable(status->text()));
        QVERIFY(!cancel->isEnabled());
        // A refusal records no run. Two history loads after it (the page reloads after
        // the refusal and on its timer) prove the history has caught up.
        QSignalSpy reloaded(model, &QAbstractItemModel::dataChanged);
        QSignalSpy reset(model, &QAbstractItemModel::modelReset);
        QTRY_VERIFY_WITH_TIMEOUT(reloaded.size() + reset.size() >= 2, 4 * ui::SyncPage::kHistoryIntervalMs);
        QCOMPARE(model->rowCount(), runsBefore);
    }
};

QTEST_MAIN(TestSyncPage)
#include "tst_syncpage.moc"
