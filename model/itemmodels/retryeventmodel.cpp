#include "itemmodels/retryeventmodel.h"

#include <algorithm>

namespace tiersync {

namespace {

QString delayText(qint64 delayMs)
{
    if (delayMs <= 0)
        return QStringLiteral("—");
    if (delayMs < 1000)
        return QStringLiteral("%1 ms").arg(delayMs);
    return QStringLiteral("%1 s").arg(double(delayMs) / 1000.0, 0, 'f', 1);
}

}  // namespace

RetryEventModel::RetryEventModel(QObject *parent) : QAbstractTableModel(parent) {}

RetryEventModel::~RetryEventModel() = default;

int RetryEventModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_events.size());
}

int RetryEventModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RetryEventModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const RetryEventRepository::Stored &stored = m_events.at(index.row());
    const RetryEvent &event = stored.event;
    switch (role) {
    case EventIdRole:
        return stored.id;
    case TargetRole:
        return event.target;
    case ErrorClassRole:
        return event.errorClass;
    case OutcomeRole:
        return event.outcome;
    case AtRole:
        return event.at;
    case Qt::TextAlignmentRole:
        if (index.column() == AttemptColumn || index.column() == HttpStatusColumn || index.column() == DelayColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::DisplayRole:
        break;
    default:
        return {};
    }
    switch (Column(index.column())) {
    case TimeColumn:
        return event.at.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    case TargetColumn:
        return event.target;
    case AttemptColumn:
        return event.maxAttempts > 0 ? tr("%1 of %2").arg(event.attempt).arg(event.maxAttempts)
                                     : QString::number(event.attempt);
    case ErrorClassColumn:
        return event.errorClass;
    case HttpStatusColumn:
        return event.httpStatus > 0 ? QString::number(event.httpStatus) : QStringLiteral("—");
    case DelayColumn:
        return delayText(event.delayMs);
    case OutcomeColumn:
        return event.outcome;
    case ColumnCount:
        break;
    }
    return {};
}

QVariant RetryEventModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case TimeColumn:
        return tr("Time");
    case TargetColumn:
        return tr("Target");
    case AttemptColumn:
        return tr("Attempt");
    case ErrorClassColumn:
        return tr("Error class");
    case HttpStatusColumn:
        return tr("HTTP status");
    case DelayColumn:
        return tr("Delay");
    case OutcomeColumn:
        return tr("Outcome");
    case ColumnCount:
        break;
    }
    return {};
}

void RetryEventModel::addEvents(const QList<RetryEventRepository::Stored> &events)
{
    const qint64 newest = newestId();
    QList<RetryEventRepository::Stored> fresh;
    for (const RetryEventRepository::Stored &stored : events) {
        if (stored.id > newest)
            fresh.append(stored);
    }
    if (fresh.isEmpty())
        return;
    std::sort(fresh.begin(), fresh.end(), [](const auto &a, const auto &b) { return a.id > b.id; });
    beginInsertRows({}, 0, int(fresh.size()) - 1);
    m_events = fresh + m_events;
    endInsertRows();
    trim();
}

void RetryEventModel::setEvents(const QList<RetryEventRepository::Stored> &events)
{
    beginResetModel();
    m_events = events;
    std::sort(m_events.begin(), m_events.end(), [](const auto &a, const auto &b) { return a.id > b.id; });
    if (m_events.size() > m_maxRows)
        m_events.resize(m_maxRows);
    endResetModel();
}

void RetryEventModel::setMaxRows(int maxRows)
{
    m_maxRows = std::max(maxRows, 1);
    trim();
}

void RetryEventModel::trim()
{
    if (m_events.size() <= m_maxRows)
        return;
    beginRemoveRows({}, m_maxRows, int(m_events.size()) - 1);
    m_events.resize(m_maxRows);
    endRemoveRows();
}

}  // namespace tiersync
