#include "sync/syncpage.h"

#include "common/pageheading.h"
#include "common/pagepoller.h"
#include "console/syncworker.h"
#include "itemmodels/syncrunmodel.h"
#include "sync/compacttable.h"
#include "sync/replicapanel.h"
#include "sync/entityregistry.h"
#include "sync/syncprogress.h"

#include <QComboBox>
#include <QCoreApplication>
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

enum TypeColumn { TypeNameColumn, TypeLastRunColumn, TypeStatusColumn, TypeStartedColumn, TypeSyncedColumn,
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
    lines << QObject::tr("Status: %1").arg(run.status);
    lines << QObject::tr("Started: %1").arg(run.startedAt.toLocalTime().toString(Qt::ISODate));
    if (run.finishedAt.isValid())
        lines << QObject::tr("Finished: %1").arg(run.finishedAt.toLocalTime().toString(Qt::ISODate));
    lines << QObject::tr("Duration: %1").arg(durationText(run.durationMs));
    const SyncRunRepository::Counters &c = run.counters;
    lines << QObject::tr("Fetched %1 · synced %2 · skipped %3 · failed %4 · deleted %5")
                 .arg(c.fetched)
                 .arg(c.synced)
                 .arg(c.skipped)
                 .arg(c.failed)
                 .arg(c.deleted);
    lines << QObject::tr("Pages: %1 · Zoho calls: %2 · retries: %3").arg(c.pages).arg(c.zohoCalls).arg(c.retries);
    if (!run.error.isEmpty())
        lines << QObject::tr("Error: %1").arg(run.error);
    return lines.join(QLatin1Char('\n'));
}

}  // namespace

SyncPage::SyncPage(SyncWorker *runner, SyncWorker *history, ReplicaService *replica, QWidget *parent)
    : QWidget(parent),
      m_runner(runner),
      m_history(history),
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

    // The registry is compiled in: reading it is no I/O.
    if (auto registry = EntityRegistry::builtIn())
        m_entityTypes = registry->names();
    else
        m_status->setText(registry.error().message);
    m_types->setColumnCount(TypeColumnCount);
    m_types->setHorizontalHeaderLabels({tr("Entity type"), tr("Last run"), tr("Status"), tr("Started"), tr("Synced")});
    m_types->setRowCount(int(m_entityTypes.size()));
    for (int row = 0; row < m_entityTypes.size(); ++row) {
        m_types->setItem(row, TypeNameColumn, new QTableWidgetItem(m_entityTypes.at(row)));
        for (int column = TypeLastRunColumn; column < TypeColumnCount; ++column)
            m_types->setItem(row, column, new QTableWidgetItem(column == TypeLastRunColumn ? tr("never") : QString()));
    }
    setUpCompactTable(m_types);
    if (!m_entityTypes.isEmpty())
        m_types->selectRow(0);

    m_mode->addItem(tr("Incremental"), QStringLiteral("incremental"));
    m_mode->addItem(tr("Full"), QStringLiteral("full"));
    m_batchSize->setRange(1, 10000);
    m_batchSize->setValue(50);
    m_batchSize->setToolTip(tr("Entities per PostgreSQL transaction"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setFormat(tr("No sync running"));

    m_runs->setModel(m_runModel);
    m_runs->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_runs->setSelectionMode(QAbstractItemView::SingleSelection);
    m_runs->verticalHeader()->hide();
    m_runs->setWordWrap(false);
    // Wide enough for a whole timestamp; sized once, not to contents (thousands of rows).
    m_runs->horizontalHeader()->resizeSection(
        SyncRunModel::StartedColumn, m_runs->fontMetrics().horizontalAdvance(QStringLiteral("0000-00-00 00:00:00")) + 16);
    m_runs->horizontalHeader()->resizeSection(SyncRunModel::IdColumn, m_runs->fontMetrics().horizontalAdvance(QStringLiteral("000000")) + 16);
    m_runs->horizontalHeader()->setStretchLastSection(true);
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

    auto *tabs = new QTabWidget(this);
    tabs->setObjectName(QStringLiteral("syncTabs"));
    auto *historySplit = new QSplitter(Qt::Horizontal, tabs);
    historySplit->setObjectName(QStringLiteral("historySplit"));
    historySplit->addWidget(m_runs);
    historySplit->addWidget(m_detail);
    historySplit->setStretchFactor(0, 3);
    historySplit->setStretchFactor(1, 1);
    tabs->addTab(m_replica, tr("Schedules and channels"));
    tabs->addTab(historySplit, tr("Run history"));

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(pageHeading(tr("Sync — Zoho entities into PostgreSQL, unchanged ones skipped"),
                                  QStringLiteral("syncTitle"), this));
    layout->addWidget(m_types, 1);
    layout->addLayout(controls);
    layout->addLayout(progressRow);
    layout->addWidget(m_status);
    layout->addWidget(m_historyStatus);
    layout->addWidget(tabs, 3);
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

    if (m_runner) {
        connect(this, &SyncPage::profileChanged, m_runner, &SyncWorker::setProfile, Qt::QueuedConnection);
        connect(this, &SyncPage::syncRequested, m_runner, &SyncWorker::runSync, Qt::QueuedConnection);
        connect(m_runner, &SyncWorker::syncStarted, this, &SyncPage::onSyncStarted, Qt::QueuedConnection);
        connect(m_runner, &SyncWorker::syncProgress, this, &SyncPage::onProgress, Qt::QueuedConnection);
        connect(m_runner, &SyncWorker::syncFinished, this, &SyncPage::onSyncFinished, Qt::QueuedConnection);
        connect(m_runner, &SyncWorker::syncRefused, this, &SyncPage::onSyncRefused, Qt::QueuedConnection);
    }
    if (m_history) {
        connect(this, &SyncPage::profileChanged, m_history, &SyncWorker::setProfile, Qt::QueuedConnection);
        connect(this, &SyncPage::runsRequested, m_history, &SyncWorker::loadRuns, Qt::QueuedConnection);
        connect(m_history, &SyncWorker::runsLoaded, this, &SyncPage::onRunsLoaded, Qt::QueuedConnection);
        connect(m_history, &SyncWorker::runsFailed, this, &SyncPage::onRunsFailed, Qt::QueuedConnection);
    }
    // The runner's thread is joined at shutdown: a run still going would hold it up.
    connect(QCoreApplication::instance(), &QCoreApplication::aboutToQuit, this, &SyncPage::cancelSync);
    setRunning(false);
}

SyncPage::~SyncPage()
{
    cancelSync();
}

void SyncPage::setProfile(const ConnectionProfile &profile)
{
    m_haveProfile = true;
    Q_EMIT profileChanged(profile);
    setRunning(m_running);
    refreshHistory();
    if (m_history)
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
    if (!m_history || !m_haveProfile)
        return;
    // One load in flight; a request meanwhile is served by one more load afterwards.
    if (m_loadingRuns) {
        m_reloadRuns = true;
        return;
    }
    m_loadingRuns = true;
    Q_EMIT runsRequested(kHistoryLimit);
}

void SyncPage::setRunning(bool running)
{
    m_running = running;
    const bool canSync = m_runner && m_haveProfile && !m_entityTypes.isEmpty();
    m_syncNow->setEnabled(canSync && !running);
    m_mode->setEnabled(!running);
    m_batchSize->setEnabled(!running);
    m_cancel->setEnabled(running);
}

void SyncPage::startSync()
{
    const QString type = selectedEntityType();
    if (m_running || type.isEmpty() || !m_runner)
        return;
    ++m_requestId;
    setRunning(true);
    m_progress->setRange(0, 0);  // busy until the engine knows the total
    m_progress->setValue(0);
    m_progress->setFormat(tr("%v done"));
    m_rate->clear();
    m_status->setText(tr("Starting a %1 sync of %2…").arg(m_mode->currentText().toLower(), type));
    Q_EMIT syncRequested(m_requestId, type, m_mode->currentData().toString(), m_batchSize->value());
}

void SyncPage::cancelSync()
{
    if (!m_running || !m_runner)
        return;
    // Direct call: the runner's thread is busy with the run, cancel() is thread-safe.
    m_runner->cancel(m_requestId);
    m_cancel->setEnabled(false);
    m_status->setText(tr("Cancelling: the sync stops after the batch in progress."));
}

void SyncPage::onSyncStarted(qint64 runId, const QString &entityType, const QString &mode)
{
    m_status->setText(tr("Run %1: %2 sync of %3 running.").arg(runId).arg(mode, entityType));
    refreshHistory();
}

void SyncPage::onProgress(const SyncProgress &progress)
{
    if (!m_running)
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

void SyncPage::onSyncFinished(const SyncRunRepository::Run &run)
{
    setRunning(false);
    const qint64 done = run.counters.synced + run.counters.skipped + run.counters.failed;
    m_progress->setRange(0, int(std::clamp<qint64>(done, 1, std::numeric_limits<int>::max())));
    m_progress->setValue(int(std::min<qint64>(done, std::numeric_limits<int>::max())));
    m_progress->setFormat(tr("%1 done").arg(done));
    m_rate->clear();
    QString text = tr("Run %1 of %2 %3 in %4: synced %5, skipped %6, failed %7.")
                       .arg(run.id)
                       .arg(run.entityType, run.status, durationText(run.durationMs))
                       .arg(run.counters.synced)
                       .arg(run.counters.skipped)
                       .arg(run.counters.failed);
    if (!run.error.isEmpty())
        text += QLatin1Char(' ') + run.error;
    m_status->setText(text);
    refreshHistory();
}

void SyncPage::onSyncRefused(const QString &entityType, const QString &message)
{
    setRunning(false);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setFormat(tr("No sync running"));
    m_rate->clear();
    m_status->setText(tr("The %1 sync did not start: %2").arg(entityType, message));
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
        m_types->item(row, TypeStatusColumn)->setText(run.status);
        m_types->item(row, TypeStartedColumn)->setText(run.startedAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
        m_types->item(row, TypeSyncedColumn)->setText(QString::number(run.counters.synced));
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
