// The Sync page's schedules and channels against a fake ReplicaService: no servers, no
// wall clock (every time is fixed in the snapshots the fake answers with).
#include "common/pagepoller.h"
#include "console/replicaservice.h"
#include "sync/channelmodel.h"
#include "sync/replicapanel.h"
#include "sync/scheduledialog.h"
#include "sync/schedulemodel.h"
#include "sync/syncpage.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QTabWidget>
#include <QTableView>
#include <QTest>
#include <QTimer>

using namespace tiersync;

namespace {

// Records every call; the test answers with the signals, as the engine's would arrive.
class FakeReplicaService final : public ReplicaService {
public:
    QStringList calls;
    int scheduleLoads = 0;
    int channelLoads = 0;
    ScheduleEdit lastEdit;

    void setProfile(const ConnectionProfile &) override { calls << QStringLiteral("setProfile"); }
    void loadSchedules() override { ++scheduleLoads; }
    void loadChannels() override { ++channelLoads; }
    void runNow(const QString &name) override { calls << QStringLiteral("runNow ") + name; }
    void pause(const QString &name) override { calls << QStringLiteral("pause ") + name; }
    void resume(const QString &name) override { calls << QStringLiteral("resume ") + name; }
    void edit(const ScheduleEdit &edit) override
    {
        lastEdit = edit;
        calls << QStringLiteral("edit ") + edit.name;
    }
};

const QDateTime kNow = QDateTime::fromString(QStringLiteral("2026-12-07T12:00:00Z"), Qt::ISODate);

ScheduleSnapshot snapshot()
{
    ScheduleSnapshot s;
    s.asOf = kNow;
    ScheduleState grades;
    grades.schedule.name = QStringLiteral("grades:incremental");
    grades.schedule.entityType = QStringLiteral("grades");
    grades.schedule.intervalSeconds = 300;
    grades.schedule.nextRunAt = kNow.addSecs(180);
    grades.schedule.lastStatus = ScheduleRunStatus::Succeeded;
    grades.schedule.lastRunId = 41;
    grades.schedule.lastFinishedAt = kNow.addSecs(-120);
    grades.feed = true;
    grades.maxLagSeconds = 900;
    grades.dataAsOf = kNow.addSecs(-240);
    grades.lastRunCounters = SyncRunRepository::Counters{};
    grades.lastRunCounters->fetched = 240;
    grades.lastRunCounters->synced = 12;
    ScheduleState full;
    full.schedule.name = QStringLiteral("grades:full");
    full.schedule.entityType = QStringLiteral("grades");
    full.schedule.mode = SyncMode::Full;
    full.schedule.cron = QStringLiteral("0 3 * * *");
    full.schedule.nextRunAt = kNow.addSecs(15 * 3600);
    full.feed = true;
    ScheduleState products;
    products.schedule.name = QStringLiteral("products:incremental");
    products.schedule.entityType = QStringLiteral("products");
    products.schedule.intervalSeconds = 3600;
    products.schedule.enabled = false;
    products.schedule.nextRunAt = kNow.addSecs(600);
    products.schedule.lastStatus = ScheduleRunStatus::Failed;
    products.schedule.lastError = QStringLiteral("Zoho said no");
    s.schedules = {grades, full, products};
    return s;
}

ChannelSnapshot channels()
{
    NotificationChannel students;
    students.channelId = QStringLiteral("1000001");
    students.entityType = QStringLiteral("students");
    students.module = QStringLiteral("Students");
    students.expiresAt = kNow.addSecs(6 * 86400);
    students.lastNotificationAt = kNow.addSecs(-30);
    students.notifications = 17;
    NotificationChannel grades = students;
    grades.channelId = QStringLiteral("1000002");
    grades.module = QStringLiteral("Grades");
    grades.status = ChannelStatus::Dropped;
    grades.lastNotificationAt = QDateTime();
    grades.notifications = 0;
    return ChannelSnapshot{kNow, {students, grades}};
}

QString cell(const QAbstractItemModel *model, int row, int column)
{
    return model->index(row, column).data().toString();
}

struct Page {
    FakeReplicaService service;
    ui::SyncPage page{nullptr, &service};
    ui::ReplicaPanel *panel = page.replicaPanel();
    QTableView *schedules = page.findChild<QTableView *>(QStringLiteral("schedules"));
    QPushButton *runNow = page.findChild<QPushButton *>(QStringLiteral("scheduleRunNowButton"));
    QPushButton *pause = page.findChild<QPushButton *>(QStringLiteral("schedulePauseButton"));
    QPushButton *edit = page.findChild<QPushButton *>(QStringLiteral("scheduleEditButton"));
    QLabel *status = page.findChild<QLabel *>(QStringLiteral("scheduleStatus"));
    QLabel *channelStatus = page.findChild<QLabel *>(QStringLiteral("channelStatus"));
    QTimer *timer = page.findChild<QTimer *>(QStringLiteral("replicaPollTimer"));

    // Shown with a profile, the first poll answered.
    void open()
    {
        page.resize(1200, 800);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        page.setProfile(ConnectionProfile{});
        QCOMPARE(service.scheduleLoads, 1);
        QCOMPARE(service.channelLoads, 1);
        Q_EMIT service.schedulesLoaded(snapshot());
        Q_EMIT service.channelsLoaded(channels());
    }
};

}  // namespace

class TestSyncSchedules final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void tablesShowWhatTheServiceReturns()
    {
        Page p;
        QVERIFY(p.panel && p.schedules && p.runNow && p.pause && p.edit && p.status && p.channelStatus && p.timer);
        QAbstractItemModelTester scheduleTester(p.panel->scheduleModel());
        QAbstractItemModelTester channelTester(p.panel->channelModel());
        p.open();
        const ui::ScheduleModel *model = p.panel->scheduleModel();
        QCOMPARE(model->rowCount(), 3);
        using S = ui::ScheduleModel;
        QCOMPARE(cell(model, 0, S::NameColumn), QStringLiteral("grades:incremental"));
        QCOMPARE(cell(model, 0, S::CadenceColumn), QStringLiteral("every 5m"));
        QCOMPARE(cell(model, 0, S::StateColumn), QStringLiteral("enabled"));
        QVERIFY2(cell(model, 0, S::NextRunColumn).endsWith(QStringLiteral("(in 3 min)")),
                 qPrintable(cell(model, 0, S::NextRunColumn)));
        QCOMPARE(cell(model, 0, S::LastResultColumn), QStringLiteral("succeeded · 240 records, 12 changed · 2 min ago"));
        QCOMPARE(cell(model, 0, S::LagColumn), QStringLiteral("4 min"));
        QVERIFY(!model->index(0, S::LagColumn).data(Qt::ForegroundRole).isValid());
        QCOMPARE(cell(model, 1, S::CadenceColumn), QStringLiteral("cron 0 3 * * *"));
        QVERIFY(cell(model, 1, S::NextRunColumn).endsWith(QStringLiteral("(in 15 h)")));
        QCOMPARE(cell(model, 1, S::LastResultColumn), QStringLiteral("never ran"));
        QCOMPARE(cell(model, 1, S::LagColumn), QStringLiteral("no data yet"));
        QCOMPARE(cell(model, 2, S::StateColumn), QStringLiteral("paused"));
        QCOMPARE(cell(model, 2, S::NextRunColumn), QStringLiteral("— (paused)"));
        QCOMPARE(cell(model, 2, S::LastResultColumn), QStringLiteral("failed"));
        QCOMPARE(model->index(2, S::LastResultColumn).data(Qt::ToolTipRole).toString(), QStringLiteral("Zoho said no"));
        QCOMPARE(cell(model, 2, S::LagColumn), QStringLiteral("— (no feed)"));

        const ui::ChannelModel *channelModel = p.panel->channelModel();
        using C = ui::ChannelModel;
        QCOMPARE(channelModel->rowCount(), 2);
        QCOMPARE(cell(channelModel, 0, C::ModuleColumn), QStringLiteral("Students"));
        QCOMPARE(cell(channelModel, 0, C::StatusColumn), QStringLiteral("active"));
        QVERIFY(cell(channelModel, 0, C::ExpiresColumn).endsWith(QStringLiteral("(in 6 d)")));
        QVERIFY(cell(channelModel, 0, C::LastNotificationColumn).endsWith(QStringLiteral("(30 s ago)")));
        QCOMPARE(cell(channelModel, 0, C::NotificationsColumn), QStringLiteral("17"));
        QCOMPARE(cell(channelModel, 1, C::StatusColumn), QStringLiteral("dropped by Zoho"));
        QCOMPARE(cell(channelModel, 1, C::LastNotificationColumn), QStringLiteral("none yet"));
        QVERIFY(p.channelStatus->text().contains(QStringLiteral("2 channels;")));

        // The next poll with the same schedules keeps the row selected.
        p.schedules->selectRow(1);
        p.timer->setInterval(1);
        QTRY_COMPARE(p.service.scheduleLoads, 2);
        Q_EMIT p.service.schedulesLoaded(snapshot());
        QCOMPARE(p.schedules->currentIndex().row(), 1);

        // A feed past its endpoints' max lag is marked behind.
        ScheduleSnapshot later = snapshot();
        later.asOf = kNow.addSecs(900);
        Q_EMIT p.service.schedulesLoaded(later);
        QCOMPARE(cell(model, 0, S::LagColumn), QStringLiteral("19 min (behind)"));
        QVERIFY(model->index(0, S::LagColumn).data(Qt::ForegroundRole).isValid());

        // No channels: the panel says why and what enables them.
        Q_EMIT p.service.channelsLoaded(ChannelSnapshot{kNow, {}});
        QCOMPARE(channelModel->rowCount(), 0);
        QVERIFY(p.channelStatus->text().contains(QStringLiteral("public callback URL")));
    }

    void buttonsCallTheRightMethods()
    {
        Page p;
        p.open();
        QVERIFY(!p.runNow->isEnabled() && !p.pause->isEnabled() && !p.edit->isEnabled());
        p.schedules->selectRow(0);
        QVERIFY(p.runNow->isEnabled() && p.pause->isEnabled() && p.edit->isEnabled());
        QCOMPARE(p.pause->text(), QStringLiteral("Pause"));
        QTest::mouseClick(p.runNow, Qt::LeftButton);
        QTest::mouseClick(p.pause, Qt::LeftButton);
        QCOMPARE(p.service.calls.mid(1), (QStringList{QStringLiteral("runNow grades:incremental"),
                                                      QStringLiteral("pause grades:incremental")}));

        // The answer updates the row and the buttons.
        Schedule paused = snapshot().schedules.at(0).schedule;
        paused.enabled = false;
        Q_EMIT p.service.scheduleChanged(ReplicaService::Request::Pause, paused);
        QCOMPARE(cell(p.panel->scheduleModel(), 0, ui::ScheduleModel::StateColumn), QStringLiteral("paused"));
        QCOMPARE(p.pause->text(), QStringLiteral("Resume"));
        QVERIFY(!p.runNow->isEnabled());
        QVERIFY(p.status->text().contains(QStringLiteral("grades:incremental is paused")));
        QTest::mouseClick(p.pause, Qt::LeftButton);
        QCOMPARE(p.service.calls.last(), QStringLiteral("resume grades:incremental"));

        // Edit the nightly full reconcile: a bad cron expression is refused in words.
        p.schedules->selectRow(1);
        QTest::mouseClick(p.edit, Qt::LeftButton);
        auto *dialog = p.page.findChild<ui::ScheduleDialog *>(QStringLiteral("scheduleDialog"));
        QVERIFY(dialog);
        auto *cron = dialog->findChild<QLineEdit *>(QStringLiteral("scheduleCron"));
        auto *error = dialog->findChild<QLabel *>(QStringLiteral("scheduleError"));
        auto *ok = dialog->findChild<QDialogButtonBox *>(QStringLiteral("scheduleButtons"))->button(QDialogButtonBox::Ok);
        QCOMPARE(cron->text(), QStringLiteral("0 3 * * *"));
        QVERIFY(ok->isEnabled());
        cron->clear();
        QTest::keyClicks(cron, QStringLiteral("0 25 * * *"));
        QVERIFY(!ok->isEnabled());
        QVERIFY2(error->isVisible() && error->text().contains(QStringLiteral("hour")), qPrintable(error->text()));
        cron->clear();
        QTest::keyClicks(cron, QStringLiteral("30 4 * * *"));
        QVERIFY(ok->isEnabled());
        QVERIFY(!error->isVisible());

        // An interval instead: out of range is refused, 10m is taken.
        dialog->findChild<QRadioButton *>(QStringLiteral("scheduleUseInterval"))->setChecked(true);
        auto *interval = dialog->findChild<QLineEdit *>(QStringLiteral("scheduleInterval"));
        QTest::keyClicks(interval, QStringLiteral("10s"));
        QVERIFY(!ok->isEnabled());
        QVERIFY(error->text().contains(QStringLiteral("from")));
        interval->clear();
        QTest::keyClicks(interval, QStringLiteral("10m"));
        QVERIFY(ok->isEnabled());
        QTest::mouseClick(ok, Qt::LeftButton);
        QCOMPARE(p.service.calls.last(), QStringLiteral("edit grades:full"));
        QCOMPARE(p.service.lastEdit.intervalSeconds, std::optional<int>(600));
        QVERIFY(p.service.lastEdit.cron.isEmpty());
        QVERIFY(p.service.lastEdit.enabled);
    }

    void errorShowsInWords()
    {
        Page p;
        p.open();
        Q_EMIT p.service.failed(ReplicaService::Request::Pause, QStringLiteral("grades:incremental"),
                                ServiceError{ConnectionCheck::Service::Postgres,
                                             makeError(ErrorKind::Unavailable, QStringLiteral("connection refused"))});
        QVERIFY2(p.status->text().startsWith(QStringLiteral("Could not pause grades:incremental: Cannot reach PostgreSQL")),
                 qPrintable(p.status->text()));
        QVERIFY(p.status->text().contains(QStringLiteral("connection refused")));

        // A failed load keeps the rows it had and says so; the poll is over (the next one goes out).
        Q_EMIT p.service.failed(ReplicaService::Request::LoadChannels, {},
                                ServiceError{ConnectionCheck::Service::Postgres,
                                             makeError(ErrorKind::Timeout, QStringLiteral("no answer"))});
        QVERIFY(p.channelStatus->text().contains(QStringLiteral("PostgreSQL did not answer in time")));
        QCOMPARE(p.panel->channelModel()->rowCount(), 2);
        // An engine refusal names no server.
        Q_EMIT p.service.failed(ReplicaService::Request::Edit, QStringLiteral("grades:full"),
                                ServiceError{std::nullopt, makeError(ErrorKind::NotFound,
                                                                     QStringLiteral("no schedule named 'grades:full'"))});
        QCOMPARE(p.status->text(), QStringLiteral("Could not save grades:full: no schedule named 'grades:full'"));
    }

    void pollingStopsWhenHidden()
    {
        Page p;
        p.open();
        QVERIFY(p.timer->isActive());
        // Another tab hides the panel: no more polls.
        auto *tabs = p.page.findChild<QTabWidget *>(QStringLiteral("syncTabs"));
        tabs->setCurrentIndex(1);
        QVERIFY(!p.timer->isActive());
        auto *poller = p.panel->findChild<ui::PagePoller *>();
        QVERIFY(poller);
        poller->poll();  // what the timer would do: nothing while hidden
        QCOMPARE(p.service.scheduleLoads, 1);
        // Shown again: one poll at once, then on the timer.
        tabs->setCurrentIndex(0);
        QVERIFY(p.timer->isActive());
        QCOMPARE(p.service.scheduleLoads, 2);
        QCOMPARE(p.service.channelLoads, 2);
        // One poll in flight at a time: nothing more until both answers land.
        poller->poll();
        QCOMPARE(p.service.scheduleLoads, 2);
        Q_EMIT p.service.schedulesLoaded(snapshot());
        poller->poll();
        QCOMPARE(p.service.scheduleLoads, 2);
        Q_EMIT p.service.channelsLoaded(channels());
        poller->poll();
        QCOMPARE(p.service.scheduleLoads, 3);
        // The whole page hidden: no more polls either.
        p.page.hide();
        QVERIFY(!p.timer->isActive());
    }
};

QTEST_MAIN(TestSyncSchedules)
#include "tst_syncschedules.moc"
