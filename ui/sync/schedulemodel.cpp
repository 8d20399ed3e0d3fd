#include "sync/schedulemodel.h"

#include "sync/timetext.h"

#include <QBrush>
#include <QColor>

#include <algorithm>

namespace tiersync::ui {

namespace {

bool sameSchedules(const QList<ScheduleState> &a, const QList<ScheduleState> &b)
{
    return std::equal(a.cbegin(), a.cend(), b.cbegin(), b.cend(),
                      [](const ScheduleState &x, const ScheduleState &y) { return x.schedule.name == y.schedule.name; });
}

}  // namespace

ScheduleModel::ScheduleModel(QObject *parent) : QAbstractTableModel(parent) {}

ScheduleModel::~ScheduleModel() = default;

void ScheduleModel::setSnapshot(const ScheduleSnapshot &snapshot)
{
    if (sameSchedules(m_snapshot.schedules, snapshot.schedules)) {
        m_snapshot = snapshot;
        if (!m_snapshot.schedules.isEmpty())
            Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_snapshot = snapshot;
    endResetModel();
}

bool ScheduleModel::updateSchedule(const Schedule &schedule)
{
    const int row = rowOf(schedule.name);
    if (row < 0)
        return false;
    m_snapshot.schedules[row].schedule = schedule;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    return true;
}

const ScheduleState &ScheduleModel::stateAt(int row) const
{
    return m_snapshot.schedules.at(row);
}

int ScheduleModel::rowOf(const QString &name) const
{
    for (int row = 0; row < m_snapshot.schedules.size(); ++row) {
        if (m_snapshot.schedules.at(row).schedule.name == name)
            return row;
    }
    return -1;
}

int ScheduleModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_snapshot.schedules.size());
}

int ScheduleModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ScheduleModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ScheduleState &state = m_snapshot.schedules.at(index.row());
    if (role == Qt::DisplayRole)
        return text(state, index.column());
    if (role == Qt::ToolTipRole && index.column() == LastResultColumn && !state.schedule.lastError.isEmpty())
        return state.schedule.lastError;
    if (role == Qt::ToolTipRole && index.column() == LagColumn && state.maxLagSeconds > 0)
        return tr("Fresh while under %1; past it, the dashboard's reads of this data ask Zoho again.")
            .arg(spanText(state.maxLagSeconds));
    if (role == Qt::ForegroundRole) {
        if (index.column() == LagColumn && isBehind(state))
            return QBrush(QColor(0xb0, 0x20, 0x20));
        if (index.column() == StateColumn && !state.schedule.enabled)
            return QBrush(QColor(0x8a, 0x6d, 0x00));
        if (index.column() == LastResultColumn && state.schedule.lastStatus == ScheduleRunStatus::Failed)
            return QBrush(QColor(0xb0, 0x20, 0x20));
    }
    return {};
}

QVariant ScheduleModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn: return tr("Schedule");
    case CadenceColumn: return tr("Every / cron (UTC)");
    case StateColumn: return tr("State");
    case NextRunColumn: return tr("Next run");
    case LastResultColumn: return tr("Last result");
    case LagColumn: return tr("Data lag");
    default: return {};
    }
}

QString ScheduleModel::text(const ScheduleState &state, int column) const
{
    const Schedule &s = state.schedule;
    switch (column) {
    case NameColumn: return s.name;
    case CadenceColumn:
        return s.intervalSeconds ? tr("every %1").arg(formatScheduleInterval(*s.intervalSeconds))
                                 : tr("cron %1").arg(s.cron);
    case StateColumn: return s.enabled ? tr("enabled") : tr("paused");
    case NextRunColumn: {
        if (!s.enabled)
            return tr("— (paused)");
        if (s.nextRunAt.isValid() && m_snapshot.asOf.isValid() && s.nextRunAt <= m_snapshot.asOf)
            return tr("due now");
        return timeAndSpanText(s.nextRunAt, m_snapshot.asOf);
    }
    case LastResultColumn: return lastResultText(state);
    case LagColumn: {
        if (!state.feed)
            return tr("— (no feed)");
        const auto lag = m_snapshot.lagSeconds(state);
        if (!lag)
            return tr("no data yet");
        return isBehind(state) ? tr("%1 (behind)").arg(spanText(*lag)) : spanText(*lag);
    }
    default: return {};
    }
}

bool ScheduleModel::isBehind(const ScheduleState &state) const
{
    const auto lag = m_snapshot.lagSeconds(state);
    return lag && state.maxLagSeconds > 0 && *lag > state.maxLagSeconds;
}

QString ScheduleModel::lastResultText(const ScheduleState &state) const
{
    const Schedule &s = state.schedule;
    if (!s.lastStatus)
        return tr("never ran");
    QString text = scheduleRunStatusName(*s.lastStatus);
    if (state.lastRunCounters)
        text += tr(" · %1 records, %2 changed").arg(state.lastRunCounters->fetched).arg(state.lastRunCounters->synced);
    const QDateTime at = s.lastFinishedAt.isValid() ? s.lastFinishedAt : s.lastStartedAt;
    if (at.isValid() && m_snapshot.asOf.isValid())
        text += tr(" · %1 ago").arg(spanText(at.secsTo(m_snapshot.asOf)));
    return text;
}

}  // namespace tiersync::ui
