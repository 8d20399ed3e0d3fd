// The Sync page's runs and history against a fake SyncRunService, in the main window as
// the console composes it: no servers, no wall clock (the history's poll is driven by
// the test, the runs' figures are fixed). EngineSyncRunService itself is tested on the
// real servers by tst_syncrunservice, the whole console by tst_consolefaults.
#include "common/pagepoller.h"
#include "console/syncrunservice.h"
#include "itemmodels/syncrunmodel.h"
#include "pageconsole.h"
#include "shell/mainwindow.h"
#include "sync/entityregistry.h"
#include "sync/syncpage.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTabWidget>
#include <QTableWidget>
#include <QTest>
#include <QTimer>


using namespace tiersync;

namespace {

// Records every call; the test answers with the signals, as the engine's would arrive.
class FakeSyncRunService final : public SyncRunService {
public:
    struct Start {
        QString entityType;
        SyncMode mode;
        int batchSize;
    };
    int profiles = 0;
    int loads = 0;
    int pendingLoads = 0;  // asked for, not answered yet
    QList<Start> starts;
    QList<quint64> cancels;

    void setProfile(const ConnectionProfile &) override { ++profiles; }
    void loadRuns(int limit) override
    {
        QCOMPARE(limit, ui::SyncPage::kHistoryLimit);
        ++loads;
        ++pendingLoads;
    }
    quint64 startRun(const QString &entityType, SyncMode mode, int batchSize) override
    {
        starts.append({entityType, mode, batchSize});
        return quint64(starts.size());
    }
    void cancel(quint64 request) override { cancels.append(request); }

    // Answers every load asked for with these runs (the page asks once more at most when a
    // reload was wanted meanwhile); returns how many it answered.
    int answerLoads(const QList<SyncRunRepository::Run> &recent)
    {
        QList<SyncRunRepository::Run> lastPerType;
        for (const QString &type : EntityRegistry::builtIn()->names()) {
            SyncRunRepository::Run last;
            last.entityType = type;
            for (const SyncRunRepository::Run &run : recent) {
                if (run.entityType == type) {
                    last = run;
                    break;
                }
            }
            lastPerType.append(last);
        }
        int answered = 0;
        for (int round = 0; round < 4 && pendingLoads > 0; ++round) {
            --pendingLoads;
            ++answered;
            Q_EMIT runsLoaded(recent, lastPerType);
        }
        return answered;
    }
};

const QDateTime kStarted = QDateTime::fromString(QStringLiteral("2026-12-07T12:00:00Z"), Qt::ISODate);

SyncRunRepository::Run productsRun(qint64 id, SyncMode mode, SyncRunStatus status)
{
    SyncRunRepository::Run run;
    run.id = id;
    run.entityType = QStringLiteral("products");
    run.mode = syncModeName(mode);
    run.trigger = QStringLiteral("console");
    run.status = status;
    run.startedAt = kStarted.addSecs(id);
    run.finishedAt = run.startedAt.addMSecs(2100);
    run.durationMs = 2100;
    return run;
}

SyncRunRepository::Run succeededRun()
{
    SyncRunRepository::Run run = productsRun(41, SyncMode::Incremental, SyncRunStatus::Succeeded);
    // A run whose figures all differ: 1,312 listed, 12 of them twice (so 1,300 distinct),
    // 7 pages for 9 requests (2 retried).
    run.counters.fetched = 1312;
    run.counters.synced = 1288;
    run.counters.skipped = 10;
    run.counters.failed = 2;
    run.counters.deleted = 3;
    run.counters.pages = 7;
    run.counters.zohoCalls = 9;
    run.counters.retries = 2;
    return run;
}

SyncProgress progress(quint64 runId, qint64 done)
{
    SyncProgress p;
    p.runId = qint64(runId);
    p.entityType = QStringLiteral("products");
    p.done = done;
    p.total = 1312;
    p.ratePerSecond = 650;
    p.elapsedMs = done * 1000 / 650;
    return p;
}

SyncRunStatus statusOfNewest(const SyncRunModel *model)
{
    if (model->rowCount() == 0)
        return {};
    return model->runAt(0).status;
}

// The main window as the console composes it, with the fake as its only engine service.
struct Console {
    FakeSyncRunService service;
    test::PageConsole shell;
    ui::MainWindow *window;

    Console() : window(&shell.build(services()))
    {
        // The test drives the history's poll itself (PagePoller::poll), never the clock.
        window->findChild<QTimer *>(QStringLiteral("historyTimer"))->setInterval(24 * 3600 * 1000);
    }
    ui::ConsoleContext services()
    {
        ui::ConsoleContext context;
        context.syncRuns = &service;
        return context;
    }
    ui::SyncPage *page() const { return window->syncPage(); }
    ui::PagePoller *poller() const { return page()->findChild<ui::PagePoller *>(QStringLiteral("historyPoller")); }
    template <typename T>
    T *find(const char *name) const
    {
        return page()->findChild<T *>(QLatin1String(name));
    }

    // Shown on the Sync page with a profile.
    void open()
    {
        shell.open(ui::MainWindow::Page::Sync);
        QCOMPARE(service.profiles, 1);
    }
};

}  // namespace

class TestSyncPage final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void syncShowsProgressAndHistoryThenCancel()
    {
        Console console;
        console.open();
        FakeSyncRunService &service = console.service;

        ui::SyncPage *page = console.page();
        QVERIFY(page);
        QCOMPARE(page->objectName(), QStringLiteral("syncPage"));
        QVERIFY(page->selectEntityType(QStringLiteral("products")));
        QVERIFY(!page->selectEntityType(QStringLiteral("no-such-type")));
        auto *syncNow = console.find<QPushButton>("syncNowButton");
        auto *cancel = console.find<QPushButton>("cancelSyncButton");
        auto *bar = console.find<QProgressBar>("syncProgress");
        auto *rate = console.find<QLabel>("syncRateLabel");
        auto *status = console.find<QLabel>("syncStatusLabel");
        auto *runs = console.find<QTableView>("runHistory");
        auto *detail = console.find<QPlainTextEdit>("runDetail");
        auto *types = console.find<QTableWidget>("entityTypes");
        QVERIFY(syncNow && cancel && bar && rate && status && runs && detail && types && console.poller());
        SyncRunModel *model = page->runModel();
        QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_VERIFY(syncNow->isEnabled());
        QVERIFY(!cancel->isEnabled());
        // Shown: the history loads.
        QCOMPARE(service.loads, 1);
        service.answerLoads({});

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
        QCOMPARE(service.starts.size(), 1);
        QCOMPARE(service.starts.at(0).entityType, QStringLiteral("products"));
        QCOMPARE(service.starts.at(0).mode, SyncMode::Incremental);
        QCOMPARE(service.starts.at(0).batchSize, 50);
        // The run shows up in the history, so that tab comes forward.
        QCOMPARE(console.find<QTabWidget>("syncTabs")->currentWidget()->objectName(), QStringLiteral("historySplit"));
        Q_EMIT service.runStarted(1, 41, QStringLiteral("products"), SyncMode::Incremental);
        QCOMPARE(status->text(), QStringLiteral("Run 41: incremental sync of products running."));
        Q_EMIT service.runProgress(1, progress(41, 200));
        Q_EMIT service.runProgress(1, progress(41, 1312));
        Q_EMIT service.runFinished(1, succeededRun());
        service.answerLoads({succeededRun()});
        QTRY_VERIFY(statusOfNewest(model) == SyncRunStatus::Succeeded && syncNow->isEnabled());
        QVERIFY(movedWhileRunning);
        QVERIFY2(rateWhileRunning.contains(QStringLiteral("/s")), qPrintable(rateWhileRunning));
        QCOMPARE(bar->value(), bar->maximum());
        disconnect(bar, nullptr, this, nullptr);
        QCOMPARE(model->runAt(0).entityType, QStringLiteral("products"));
        QCOMPARE(model->runAt(0).trigger, QStringLiteral("console"));
        QVERIFY(model->runAt(0).counters.synced > 0);
        QVERIFY(status->text().contains(QStringLiteral("succeeded")));
        const qint64 firstRun = model->runAt(0).id;
        // The run just finished is the one selected, its figures in the detail.
        QCOMPARE(runs->currentIndex().row(), 0);
        QVERIFY(detail->toPlainText().startsWith(QStringLiteral("Run 41 ")));

        // The type's row shows its last run; the detail pane the selected run's figures.
        const int productsRow = int(types->findItems(QStringLiteral("products"), Qt::MatchExactly).first()->row());
        QTRY_COMPARE(types->item(productsRow, 2)->text(), QStringLiteral("succeeded"));
        runs->selectRow(0);
        QTRY_VERIFY(detail->toPlainText().contains(QStringLiteral("Zoho calls")));
        QVERIFY(detail->toPlainText().contains(QStringLiteral("Status: succeeded")));
        // Every counter as the run holds it, in the table and in the detail.
        using M = SyncRunModel;
        const auto cell = [model](int column) { return model->index(0, column).data().toLongLong(); };
        QCOMPARE(cell(M::FetchedColumn), 1312);
        QCOMPARE(cell(M::SyncedColumn), 1288);
        QCOMPARE(cell(M::SkippedColumn), 10);
        QCOMPARE(cell(M::FailedColumn), 2);
        QCOMPARE(cell(M::DeletedColumn), 3);
        QCOMPARE(cell(M::PagesColumn), 7);
        QCOMPARE(cell(M::RequestsColumn), 9);
        QCOMPARE(cell(M::RetriesColumn), 2);
        for (int column = 0; column < M::ColumnCount; ++column)
            QVERIFY2(!runs->isColumnHidden(column) && runs->horizontalHeader()->sectionSize(column) > 0,
                     qPrintable(model->headerData(column, Qt::Horizontal).toString()));
        const QString shown = detail->toPlainText();
        QVERIFY2(shown.contains(QStringLiteral("Zoho calls: 9 requests sent (retries included), 2 of them retries, for 7 pages")),
                 qPrintable(shown));
        QVERIFY2(shown.contains(QStringLiteral("1312 fetched")) && shown.contains(QStringLiteral("1288 synced"))
                     && shown.contains(QStringLiteral("10 skipped")) && shown.contains(QStringLiteral("2 failed"))
                     && shown.contains(QStringLiteral("3 marked deleted")),
                 qPrintable(shown));

        // Another run, full this time, cancelled at once: recorded as cancelled.
        auto *mode = console.find<QComboBox>("syncMode");
        mode->setCurrentIndex(mode->findData(int(SyncMode::Full)));
        QTest::mouseClick(syncNow, Qt::LeftButton);
        QVERIFY(cancel->isEnabled());
        QTest::mouseClick(cancel, Qt::LeftButton);
        QCOMPARE(service.starts.size(), 2);
        QCOMPARE(service.starts.at(1).mode, SyncMode::Full);
        QCOMPARE(service.cancels, QList<quint64>{2});  // this run's request, no other
        Q_EMIT service.runStarted(2, 42, QStringLiteral("products"), SyncMode::Full);
        SyncRunRepository::Run cancelledRun = productsRun(42, SyncMode::Full, SyncRunStatus::Cancelled);
        cancelledRun.error = QStringLiteral("cancelled");
        Q_EMIT service.runFinished(2, cancelledRun);
        service.answerLoads({cancelledRun, succeededRun()});
        QTRY_VERIFY(model->rowCount() >= 2 && model->runAt(0).id != firstRun
                    && statusOfNewest(model) == SyncRunStatus::Cancelled && syncNow->isEnabled());
        QCOMPARE(model->runAt(0).mode, QStringLiteral("full"));
        QVERIFY(status->text().contains(QStringLiteral("cancelled")));
        QCOMPARE(model->runAt(1).status, SyncRunStatus::Succeeded);
        QTRY_COMPARE(types->item(productsRow, 2)->text(), QStringLiteral("cancelled"));

        // Another instance holds the products sync: the run is refused, in the engine's words.
        const qint64 runsBefore = model->rowCount();
        QTest::mouseClick(syncNow, Qt::LeftButton);
        Q_EMIT service.runRefused(
            3, QStringLiteral("products"),
            ServiceError{std::nullopt,
                         makeError(ErrorKind::Conflict, QStringLiteral("a products sync is already running: run 7, "
                                                                       "started 2026-12-07T11:59:00Z (trigger cli)"))});
        QTRY_VERIFY(syncNow->isEnabled());
        QVERIFY2(status->text().contains(QStringLiteral("did not start"))
                     && status->text().contains(QStringLiteral("already running")),
                 qPrintable(status->text()));
        QVERIFY(!cancel->isEnabled());
        // A refusal records no run. Two history loads after it (the page reloads after
        // the refusal and on its timer) prove the history has caught up.
        QSignalSpy reloaded(model, &QAbstractItemModel::dataChanged);
        QSignalSpy reset(model, &QAbstractItemModel::modelReset);
        QCOMPARE(service.answerLoads({cancelledRun, succeededRun()}), 1);
        console.poller()->poll();  // what the timer does
        QCOMPARE(service.answerLoads({cancelledRun, succeededRun()}), 1);
        QTRY_VERIFY(reloaded.size() + reset.size() >= 2);
        QCOMPARE(model->rowCount(), runsBefore);
        QCOMPARE(service.cancels.size(), 1);
    }

    // Only the answers to the page's own request move it; the rest (a late answer, a run
    // someone else started through the same service) are not its business.
    void answersToOtherRequestsAreIgnored()
    {
        Console console;
        console.open();
        FakeSyncRunService &service = console.service;
        auto *syncNow = console.find<QPushButton>("syncNowButton");
        auto *bar = console.find<QProgressBar>("syncProgress");
        auto *status = console.find<QLabel>("syncStatusLabel");
        QVERIFY(console.page()->selectEntityType(QStringLiteral("customers")));
        QTest::mouseClick(syncNow, Qt::LeftButton);
        QCOMPARE(service.starts.at(0).entityType, QStringLiteral("customers"));
        const QString starting = status->text();
        Q_EMIT service.runStarted(7, 99, QStringLiteral("products"), SyncMode::Full);
        Q_EMIT service.runProgress(7, progress(99, 500));
        Q_EMIT service.runFinished(7, succeededRun());
        Q_EMIT service.runRefused(7, QStringLiteral("customers"),
                                  ServiceError{std::nullopt, makeError(ErrorKind::Conflict, QStringLiteral("held"))});
        QCOMPARE(status->text(), starting);
        QCOMPARE(bar->value(), 0);
        QVERIFY(!syncNow->isEnabled());

        // Its own request could not start: PostgreSQL is down, said in words.
        Q_EMIT service.failed(SyncRunService::Request::StartRun, 1,
                              ServiceError{ConnectionCheck::Service::Postgres,
                                           makeError(ErrorKind::Unavailable, QStringLiteral("connection refused"))});
        QVERIFY(syncNow->isEnabled());
        QVERIFY2(status->text().startsWith(QStringLiteral("The customers sync did not start: Cannot reach PostgreSQL")),
                 qPrintable(status->text()));
        // A late progress of the ended request moves nothing.
        Q_EMIT service.runProgress(1, progress(1, 700));
        QCOMPARE(bar->value(), 0);
    }

    // A failed history load says so beside the runs it keeps, and goes away with the next one.
    void historyErrorKeepsTheRuns()
    {
        Console console;
        console.open();
        FakeSyncRunService &service = console.service;
        auto *historyStatus = console.find<QLabel>("syncHistoryStatus");
        service.answerLoads({succeededRun()});
        QCOMPARE(console.page()->runModel()->rowCount(), 1);
        console.poller()->poll();
        QCOMPARE(service.pendingLoads, 1);
        --service.pendingLoads;
        Q_EMIT service.failed(SyncRunService::Request::LoadRuns, 0,
                              ServiceError{ConnectionCheck::Service::Postgres,
                                           makeError(ErrorKind::Unavailable, QStringLiteral("connection refused"))});
        QVERIFY(historyStatus->text().contains(QStringLiteral("Could not load the sync history")));
        QVERIFY2(historyStatus->text().contains(QStringLiteral("Cannot reach PostgreSQL")), qPrintable(historyStatus->text()));
        QCOMPARE(console.page()->runModel()->rowCount(), 1);
        // The poll is over: the next one goes out, and its answer clears the error.
        console.poller()->poll();
        QCOMPARE(service.answerLoads({succeededRun()}), 1);
        QVERIFY(historyStatus->text().isEmpty());
    }

    // A full run's proof of its listing, as sync_runs holds it, in the detail.
    void fullRunSaysHowItsListingWent()
    {
        Console console;
        console.open();
        SyncRunRepository::Run shifted = productsRun(43, SyncMode::Full, SyncRunStatus::Succeeded);
        shifted.counters.listingPasses = 2;
        shifted.counters.listingShifted = true;
        shifted.counters.caughtUp = 4;
        SyncRunRepository::Run stable = productsRun(44, SyncMode::Full, SyncRunStatus::Succeeded);
        stable.counters.listingPasses = 1;
        QCOMPARE(console.service.answerLoads({stable, shifted}), 1);
        auto *runs = console.find<QTableView>("runHistory");
        auto *detail = console.find<QPlainTextEdit>("runDetail");
        QVERIFY(runs && detail);
        runs->selectRow(1);
        QTRY_VERIFY2(detail->toPlainText().contains(QStringLiteral(
                         "Listing: shifted while it ran (records inserted or deleted meanwhile); listed 2 times, "
                         "4 record(s) caught up afterwards")),
                     qPrintable(detail->toPlainText()));
        runs->selectRow(0);
        QTRY_VERIFY2(detail->toPlainText().contains(
                         QStringLiteral("Listing: complete and stable; listed 1 time(s), 0 record(s) caught up afterwards")),
                     qPrintable(detail->toPlainText()));
    }

    // The history is asked for only while the page shows, one load at a time.
    void historyPollsOnlyWhileShown()
    {
        Console console;
        console.open();
        FakeSyncRunService &service = console.service;
        QCOMPARE(service.loads, 1);
        console.poller()->poll();  // one in flight already
        QCOMPARE(service.loads, 1);
        service.answerLoads({});
        console.window->showPage(ui::MainWindow::Page::Keys);
        console.poller()->poll();
        QCOMPARE(service.loads, 1);
        console.window->showPage(ui::MainWindow::Page::Sync);  // shown again: one load at once
        QCOMPARE(service.loads, 2);
    }
};

QTEST_MAIN(TestSyncPage)
#include "tst_syncpage.moc"
