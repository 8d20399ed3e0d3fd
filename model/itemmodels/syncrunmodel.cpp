#include "itemmodels/syncrunmodel.h"

namespace tiersync {

namespace {

QString durationText(qint64 durationMs)
{
    if (durationMs < 0)
        return {};
    if (durationMs < 1000)
        return QStringLiteral("%1 ms").arg(durationMs);
    return QStringLiteral("%1 s").arg(double(durationMs) / 1000.0, 0, 'f', 1);
}

}  // namespace

SyncRunModel::SyncRunModel(QObject *parent) : QAbstractTableModel(parent) {}

SyncRunModel::~SyncRunModel() = default;

int SyncRunModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_runs.size());
}

int SyncRunModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SyncRunModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const SyncRunRepository::Run &run = m_runs.at(index.row());
    if (role == RunIdRole)
        return run.id;
    if (role == StatusRole)
        return QVariant::fromValue(run.status);
    if (role == Qt::TextAlignmentRole && index.column() >= DurationColumn)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (Column(index.column())) {
    case IdColumn:
        return run.id;
    case TypeColumn:
        return run.entityType;
    case ModeColumn:
        return run.mode;
    case TriggerColumn:
        return run.trigger;
    case StatusColumn:
        return syncRunStatusName(run.status);
    case StartedColumn:
        return run.startedAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    case DurationColumn:
        return durationText(run.durationMs);
    case FetchedColumn:
        return run.counters.fetched;
    case SyncedColumn:
        return run.counters.synced;
    case SkippedColumn:
        return run.counters.skipped;
    case FailedColumn:
        return run.counters.failed;
    case DeletedColumn:
        return run.counters.deleted;
    case PagesColumn:
        return run.counters.pages;
    case RequestsColumn:
        return run.counters.zohoCalls;
    case RetriesColumn:
        return run.counters.retries;
    case ColumnCount:
        break;
    }
    return {};
}

QVariant SyncRunModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::ToolTipRole)
        return headerToolTip(section);
    if (role == Qt::TextAlignmentRole && section >= DurationColumn)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case IdColumn:
        return tr("Run");
    case TypeColumn:
        return tr("Type");
    case ModeColumn:
        return tr("Mode");
    case TriggerColumn:
        return tr("Started by");
    case StatusColumn:
        return tr("Status");
    case StartedColumn:
        return tr("Started");
    case DurationColumn:
        return tr("Duration");
    case FetchedColumn:
        return tr("Fetched");
    case SyncedColumn:
        return tr("Synced");
    case SkippedColumn:
        return tr("Skipped");
    case FailedColumn:
        return tr("Failed");
    case DeletedColumn:
        return tr("Deleted");
    case PagesColumn:
        return tr("Pages");
    case RequestsColumn:
        return tr("Requests");
    case RetriesColumn:
        return tr("Retries");
    case ColumnCount:
        break;
    }
    return {};
}

QString SyncRunModel::headerToolTip(int section)
{
    switch (Column(section)) {
    case IdColumn:
        return tr("The run's number in sync_runs");
    case TypeColumn:
        return tr("The entity type synced");
    case ModeColumn:
        return tr("Incremental skips records whose content is unchanged; full writes every record");
    case TriggerColumn:
        return tr("Who started the run: the console, the CLI, a schedule, a webhook");
    case StatusColumn:
        return tr("running, succeeded, failed or cancelled");
    case StartedColumn:
        return tr("When the run started (local time)");
    case DurationColumn:
        return tr("How long the run took; empty while it runs");
    case FetchedColumn:
        return tr("Records Zoho returned, as listed (a record listed on two pages counts twice)");
    case SyncedColumn:
        return tr("Distinct records written to PostgreSQL");
    case SkippedColumn:
        return tr("Records unchanged since their last sync, not written again");
    case FailedColumn:
        return tr("Records that could not be written");
    case DeletedColumn:
        return tr("Records marked deleted: proven gone from Zoho");
    case PagesColumn:
        return tr("Pages of records read from Zoho");
    case RequestsColumn:
        return tr("HTTP requests sent to Zoho, retries included");
    case RetriesColumn:
        return tr("Requests sent again after a transient failure (timeout, 5xx, 429)");
    case ColumnCount:
        break;
    }
    return {};
}

void SyncRunModel::setRuns(const QList<SyncRunRepository::Run> &runs)
{
    bool sameRows = runs.size() == m_runs.size();
    for (qsizetype i = 0; sameRows && i < runs.size(); ++i)
        sameRows = runs.at(i).id == m_runs.at(i).id;
    if (!sameRows) {
        beginResetModel();
        m_runs = runs;
        endResetModel();
        return;
    }
    m_runs = runs;
    if (!m_runs.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_runs.size()) - 1, ColumnCount - 1));
}

int SyncRunModel::rowOfRun(qint64 runId) const
{
    for (qsizetype i = 0; i < m_runs.size(); ++i) {
        if (m_runs.at(i).id == runId)
            return int(i);
    }
    return -1;
}

}  // namespace tiersync
