#include "sync/syncpage.h"

#include "common/pageheading.h"
#include "common/pagepoller.h"
#include "itemmodels/syncrunmodel.h"
#include "sync/compacttable.h"
#include "sync/replicapanel.h"
#include "sync/entityregistry.h"
#include "sync/syncprogress.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>

namespace tiersync::ui {

namespace {

enum TypeColumn { TypeNameColumn, TypeLastRunColumn, TypeStatusColumn, TypeStartedColumn, TypeRecordsColumn,
                  TypeColumnCount };

QString durationText(qint64 ms)
{
    if (ms < 0)
        return QObject::tr("still running");
    if (ms < 1000)
        return QObject::tr("%1 ms").arg(ms);
    const qint64 seconds = ms / 1000;
    if (seconds < 120)
        return QObject::tr("%1 s").arg(double(ms) / 1000.0, 0, 'f', 1);
    return QObject::tr("%1 min %2 s").arg(seconds / 60).arg(seconds % 60);
}

QString runDetail(const SyncRunRepository::Run &run)
{
    QStringList lines;
    lines << QObject::tr("Run %1 — %2, %3 (started by %4)").arg(run.id).arg(run.entityType, run.mode, run.trigger);
    lines << QObject::tr("Status: %1").arg(syncRunStatusName(run.status));
    lines << QObject::tr("Started: %1").arg(run.startedAt.toLocalTime().toString(Qt::ISODate));
    if (run.finishedAt.isValid())
        lines << QObject::tr("Finished: %1").arg(run.finishedAt.toLocalTime().toString(Qt::ISODate));
    lines << QObject::tr("Duration: %1").arg(durationText(run.durationMs));
    // The run's own counters, as sync_runs holds them, each said in words once.
    const SyncRunRepository::Counters &c = run.counters;
    lines << QObject::tr("Zoho calls: %1 requests sent (retries included), %2 of them retries, for %3 pages")
                 .arg(c.zohoCalls)
                 .arg(c.retries)
                 .arg(c.pages);
    lines << QObject::tr("Records: %1 fetched (as Zoho returned them) · %2 synced (distinct records written) · "
                         "%3 skipped (unchanged) · %4 failed · %5 marked deleted")
                 .arg(c.fetched)
                 .arg(c.synced)
                 .arg(c.skipped)
                 .arg(c.failed)
                 .arg(c.deleted);
    // A full run proves its listing complete: how often it listed, and what the catch-up found.
    if (c.listingPasses > 0)
        lines << (c.listingShifted
                      ? QObject::tr("Listing: shifted while it ran (records inserted or deleted meanwhile); listed %1 "
                                    "times, %2 record(s) caught up afterwards")
                            .arg(c.listingPasses)
                            .arg(c.caughtUp)
                      : QObject::tr("Listing: complete and stable; listed %1 time(s), %2 record(s) caught up afterwards")
                            .arg(c.listingPasses)
                            .arg(c.caughtUp));
    if (!run.error.isEmpty())
        lines << QObject::tr("Error: %1").arg(run.error);
    return lines.join(QLatin1Char('\n'));
}

}  // namespace

SyncPage::SyncPage(SyncRunService *runs, ReplicaService *replica, QWidget *parent)
    : QWidget(parent),
      m_service(runs),
      m_runModel(new SyncRunModel(this)),
      m_types(new QTableWidget(this)),
      m_mode(new QComboBox(this)),
      m_batchSize(new QSpinBox(this)),
      m_syncNow(new QPushButton(tr("Sync now"), this)),
      m_cancel(new QPushButton(tr("Cancel"), this)),
      m_progress(new QProgressBar(this)),
      m_rate(new QLabel(this)),
      m_status(new QLabel(this)),
      m_historyStatus(new QLabel(this)),
      m_runs(new QTableView(this)),
      m_detail(new QPlainTextEdit(this)),
      m_tabs(new QTabWidget(this)),
      m_historyTab(new QSplitter(Qt::Vertical, m_tabs)),
      m_historyPoller(new PagePoller(this, kHistoryIntervalMs, QStringLiteral("historyTimer"),
                                     [this] { refreshHistory(); })),
      m_replica(new ReplicaPanel(replica, this))
{
    m_runModel->setObjectName(QStringLiteral("syncRunModel"));
    m_types->setObjectName(QStringLiteral("entityTypes"));
    m_mode->setObjectName(QStringLiteral("syncMode"));
    m_batchSize->setObjectName(QStringLiteral("batchSize"));
    m_syncNow->setObjectName(QStringLiteral("syncNowButton"));
    m_cancel->setObjectName(QStringLiteral("cancelSyncButton"));
    m_progress->setObjectName(QStringLiteral("syncProgress"));
    m_rate->setObjectName(QStringLiteral("syncRateLabel"));
    m_status->setObjectName(QStringLiteral("syncStatusLabel"));
    m_historyStatus->setObjectName(QStringLiteral("syncHistoryStatus"));
    m_runs->setObjectName(QStringLiteral("runHistory"));
    m_detail->setObjectName(QStringLiteral("runDetail"));
    m_replica->setObjectName(QStringLiteral("replicaPanel"));
    m_historyPoller->setObjectName(QStringLiteral("historyPoller"));

    // The registry is compiled in: reading it is no I/O.
    if (auto registry = EntityRegistry::builtIn())
        m_entityTypes = registry->names();
    else
        m_status->setText(registry.error().message);
    m_types->setColumnCount(TypeColumnCount);
    m_types->setHorizontalHeaderLabels({tr("Entity type"), tr("Last run"), tr("Status"), tr("Started"), tr("Records of the last run")});
    m_types->setRowCount(int(m_entityTypes.size()));
    for (int row = 0; row < m_entityTypes.size(); ++row) {
        m_types->setItem(row, TypeNameColumn, new QTableWidgetItem(m_entityTypes.at(row)));
        for (int column = TypeLastRunColumn; column < TypeColumnCount; ++column)
            m_types->setItem(row, column, new QTableWidgetItem(column == TypeLastRunColumn ? tr("never") : QString()));
    }
    setUpCompactTable(m_types);
    if (!m_entityTypes.isEmpty())
        m_types->selectRow(0);

    m_mode->addItem(tr("Incremental"), int(SyncMode::Incremental));
    m_mode->addItem(tr("Full"), int(SyncMode::Full));
    m_batchSize->setRange(1, 10000);
    m_batchSize->setValue(50);
    m_batchSize->setToolTip(tr("Entities per PostgreSQL transaction"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setFormat(tr("No sync running"));

    m_runs->setModel(m_runModel);
    // Columns to contents: at most kHistoryLimit rows, and fifteen columns fit the page's
    // width only when none is wider than what it holds.
    setUpCompactTable(m_runs);
    m_detail->setReadOnly(true);
    m_detail->setPlaceholderText(tr("Select a run to see its details."));

    auto *controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Mode:"), this));
    controls->addWidget(m_mode);
    controls->addWidget(new QLabel(tr("Batch size:"), this));
    controls->addWidget(m_batchSize);
    controls->addWidget(m_syncNow);
    controls->addWidget(m_cancel);
    controls->addStretch(1);
    auto *progressRow = new QHBoxLayout;
    progressRow->addWidget(m_progress, 1);
    progressRow->addWidget(m_rate);

    m_tabs->setObjectName(QStringLiteral("syncTabs"));
    m_historyTab->setObjectName(QStringLiteral("historySplit"));
    m_historyTab->addWidget(m_runs);
    m_historyTab->addWidget(m_detail);
    m_historyTab->setStretchFactor(0, 3);
    m_historyTab->setStretchFactor(1, 1);
    m_tabs->addTab(m_replica, tr("Schedules and channels"));
    m_tabs->addTab(m_historyTab, tr("Run history"));

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(pageHeading(tr("Sync — Zoho entities into PostgreSQL, unchanged ones skipped"),
                                  QStringLiteral("syncTitle"), this));
    layout->addWidget(m_types, 1);
    layout->addLayout(controls);
    layout->addLayout(progressRow);
    layout->addWidget(m_status);
    layout->addWidget(m_historyStatus);
    layout->addWidget(m_tabs, 3);
    const auto labels = findChildren<QLabel *>(Qt::FindDirectChildrenOnly);
    for (QLabel *label : labels) {
        if (label->objectName().isEmpty())
            label->setObjectName(QStringLiteral("syncCaption"));
    }
    m_status->setWordWrap(true);
    m_historyStatus->setWordWrap(true);
    m_historyStatus->setVisible(false);

    connect(m_syncNow, &QPushButton::clicked, this, &SyncPage::startSync);
    connect(m_cancel, &QPushButton::clicked, this, &SyncPage::cancelSync);
    connect(m_runs->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &SyncPage::showDetail);
    connect(m_runModel, &QAbstractItemModel::dataChanged, this, &SyncPage::showDetail);

    if (m_service) {
        connect(m_service, &SyncRunService::runStarted, this, &SyncPage::onSyncStarted);
        connect(m_service, &SyncRunService::runProgress, this, &SyncPage::onProgress);
        connect(m_service, &SyncRunService::runFinished, this, &SyncPage::onSyncFinished);
        connect(m_service, &SyncRunService::runRefused, this, &SyncPage::onSyncRefused);
        connect(m_service, &SyncRunService::runsLoaded, this, &SyncPage::onRunsLoaded);
        connect(m_service, &SyncRunService::failed, this, &SyncPage::onFailed);
    }
    setRunning(false);
}

// A run still going when the console closes is the service's to cancel (it does, at stop()).
SyncPage::~SyncPage() = default;

void SyncPage::setProfile(const ConnectionProfile &profile)
{
    m_haveProfile = true;
    if (m_service)
        m_service->setProfile(profile);
    setRunning(m_running);
    if (m_service)
        m_historyPoller->start();
    m_replica->setProfile(profile);
}

bool SyncPage::selectEntityType(const QString &type)
{
    const int row = int(m_entityTypes.indexOf(type));
    if (row < 0)
        return false;
    m_types->selectRow(row);
    return true;
}

QString SyncPage::selectedEntityType() const
{
    const int row = m_types->currentRow();
    return row >= 0 && row < m_entityTypes.size() ? m_entityTypes.at(row) : QString();
}

void SyncPage::refreshHistory()
{
    if (!m_service || !m_haveProfile)
        return;
    // One load in flight; a request meanwhile is served by one more load afterwards.
    if (m_loadingRuns) {
        m_reloadRuns = true;
        return;
    }
    m_loadingRuns = true;
    m_service->loadRuns(kHistoryLimit);
}

void SyncPage::setRunning(bool running)
{
    m_running = running;
    const bool canSync = m_service && m_haveProfile && !m_entityTypes.isEmpty();
    m_syncNow->setEnabled(canSync && !running);
    m_mode->setEnabled(!running);
    m_batchSize->setEnabled(!running);
    m_cancel->setEnabled(running);
}

void SyncPage::startSync()
{
    const QString type = selectedEntityType();
    if (m_running || type.isEmpty() || !m_service)
        return;
    m_runningType = type;
    setRunning(true);
    m_progress->setRange(0, 0);  // busy until the engine knows the total
    m_progress->setValue(0);
    m_progress->setFormat(tr("%v done"));
    m_rate->clear();
    m_status->setText(tr("Starting a %1 sync of %2…").arg(m_mode->currentText().toLower(), type));
    m_tabs->setCurrentWidget(m_historyTab);  // where the run shows up, with its counters
    m_requestId = m_service->startRun(type, SyncMode(m_mode->currentData().toInt()), m_batchSize->value());
    if (m_requestId == 0)
        syncDidNotStart(tr("the console is shutting down."));
}

void SyncPage::cancelSync()
{
    if (!m_running || !m_service)
        return;
    m_service->cancel(m_requestId);
    m_cancel->setEnabled(false);
    m_status->setText(tr("Cancelling: the sync stops after the batch in progress."));
}

void SyncPage::onSyncStarted(quint64 request, qint64 runId, const QString &entityType, SyncMode mode)
{
    if (request != m_requestId || !m_running)
        return;
    m_status->setText(tr("Run %1: %2 sync of %3 running.").arg(runId).arg(syncModeName(mode), entityType));
    refreshHistory();
}

void SyncPage::onProgress(quint64 request, const SyncProgress &progress)
{
    if (request != m_requestId || !m_running)
        return;
    const qint64 done = progress.done;
    QString rate = tr("%1 done · %2/s").arg(done).arg(progress.ratePerSecond, 0, 'f', 0);
    if (progress.total > done && progress.ratePerSecond > 0) {
        const auto etaMs = qint64(double(progress.total - done) / progress.ratePerSecond * 1000.0);
        rate += tr(" · ETA %1").arg(durationText(etaMs));
    }
    m_rate->setText(rate);
    if (progress.total > 0) {
        // QProgressBar counts in int; scale large runs.
        const qint64 total = std::max(progress.total, done);
        const int scale = total > std::numeric_limits<int>::max() ? int(total / std::numeric_limits<int>::max()) + 1 : 1;
        m_progress->setRange(0, int(total / scale));
        m_progress->setValue(int(done / scale));
        m_progress->setFormat(tr("%1 of %2").arg(done).arg(total));
    } else {
        m_progress->setRange(0, 0);
        m_progress->setValue(int(std::min<qint64>(done, std::numeric_limits<int>::max())));
    }
}

void SyncPage::onSyncFinished(quint64 request, const SyncRunRepository::Run &run)
{
    if (request != m_requestId || !m_running)
        return;
    setRunning(false);
    const qint64 done = run.counters.synced + run.counters.skipped + run.counters.failed;
    m_progress->setRange(0, int(std::clamp<qint64>(done, 1, std::numeric_limits<int>::max())));
    m_progress->setValue(int(std::min<qint64>(done, std::numeric_limits<int>::max())));
    m_progress->setFormat(tr("%1 done").arg(done));
    m_rate->clear();
    QString text = tr("Run %1 of %2 %3 in %4: synced %5, skipped %6, failed %7.")
                       .arg(run.id)
                       .arg(run.entityType, syncRunStatusName(run.status), durationText(run.durationMs))
                       .arg(run.counters.synced)
                       .arg(run.counters.skipped)
                       .arg(run.counters.failed);
    if (!run.error.isEmpty())
        text += QLatin1Char(' ') + run.error;
    m_status->setText(text);
    m_detailRunId = run.id;  // selected once the history lists it: its counters show beside
    refreshHistory();
}

void SyncPage::onSyncRefused(quint64 request, const QString &, const ServiceError &error)
{
    if (request == m_requestId && m_running)
        syncDidNotStart(error.describe());
}

void SyncPage::onFailed(SyncRunService::Request request, quint64 runRequest, const ServiceError &error)
{
    if (request == SyncRunService::Request::LoadRuns)
        onRunsFailed(error.describe());
    else if (runRequest == m_requestId && m_running)
        syncDidNotStart(error.describe());
}

void SyncPage::syncDidNotStart(const QString &reason)
{
    setRunning(false);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setFormat(tr("No sync running"));
    m_rate->clear();
    m_status->setText(tr("The %1 sync did not start: %2").arg(m_runningType, reason));
    refreshHistory();
}

void SyncPage::onRunsLoaded(const QList<SyncRunRepository::Run> &recent,
                            const QList<SyncRunRepository::Run> &lastPerType)
{
    m_loadingRuns = false;
    m_historyPoller->finished();
    m_historyStatus->clear();
    m_historyStatus->setVisible(false);
    const qint64 selectedRun = m_detailRunId;
    m_runModel->setRuns(recent);
    if (selectedRun > 0) {
        const int row = m_runModel->rowOfRun(selectedRun);
        if (row >= 0 && m_runs->currentIndex().row() != row)
            m_runs->selectRow(row);
    }
    for (const SyncRunRepository::Run &run : lastPerType) {
        const int row = int(m_entityTypes.indexOf(run.entityType));
        if (row < 0 || run.id == 0)
            continue;
        m_types->item(row, TypeLastRunColumn)->setText(tr("#%1 %2").arg(run.id).arg(run.mode));
        m_types->item(row, TypeStatusColumn)->setText(syncRunStatusName(run.status));
        m_types->item(row, TypeStartedColumn)->setText(run.startedAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
        const SyncRunRepository::Counters &c = run.counters;
        QString records = tr("%1 fetched · %2 synced · %3 skipped").arg(c.fetched).arg(c.synced).arg(c.skipped);
        if (c.failed > 0)
            records += tr(" · %1 failed").arg(c.failed);
        m_types->item(row, TypeRecordsColumn)->setText(records);
    }
    if (m_reloadRuns) {
        m_reloadRuns = false;
        refreshHistory();
    }
}

void SyncPage::onRunsFailed(const QString &message)
{
    m_loadingRuns = false;
    m_historyPoller->finished();
    m_reloadRuns = false;
    m_historyStatus->setText(tr("Could not load the sync history: %1 It loads again by itself once the "
                                "database answers; the runs shown are the last ones loaded.")
                                 .arg(message));
    m_historyStatus->setVisible(true);
}

void SyncPage::showDetail()
{
    const QModelIndex current = m_runs->currentIndex();
    if (!current.isValid()) {
        m_detailRunId = 0;
        m_detail->clear();
        return;
    }
    const SyncRunRepository::Run &run = m_runModel->runAt(current.row());
    m_detailRunId = run.id;
    m_detail->setPlainText(runDetail(run));
}

}  // namespace tiersync::ui
