#include "itemmodels/webhookeventmodel.h"

namespace tiersync {

WebhookEventModel::WebhookEventModel(QObject *parent) : QAbstractTableModel(parent) {}

WebhookEventModel::~WebhookEventModel() = default;

int WebhookEventModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_events.size());
}

int WebhookEventModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant WebhookEventModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const WebhookEventRepository::Event &event = m_events.at(index.row());
    switch (role) {
    case IdempotencyKeyRole:
        return event.idempotencyKey;
    case OutcomeRole:
        return QVariant::fromValue(event.outcome);
    case InvalidatedKeysRole:
        return event.invalidatedKeys;
    case Qt::ToolTipRole:
        if (index.column() == InvalidatedColumn && !event.invalidatedKeys.isEmpty())
            return event.invalidatedKeys.join(QLatin1Char('\n'));
        if (index.column() == ErrorColumn && !event.error.isEmpty())
            return event.error;
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == InvalidatedColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::DisplayRole:
        break;
    default:
        return {};
    }
    switch (Column(index.column())) {
    case ReceivedColumn:
        return event.receivedAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    case SourceColumn:
        return event.source;
    case EntityTypeColumn:
        return event.entityType;
    case EntityIdColumn:
        return event.entityId;
    case OutcomeColumn:
        return webhookOutcomeName(event.outcome);
    case InvalidatedColumn:
        return int(event.invalidatedKeys.size());
    case ErrorColumn:
        return event.error;
    case ColumnCount:
        break;
    }
    return {};
}

QVariant WebhookEventModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case ReceivedColumn:
        return tr("Received");
    case SourceColumn:
        return tr("Source");
    case EntityTypeColumn:
        return tr("Entity type");
    case EntityIdColumn:
        return tr("Entity id");
    case OutcomeColumn:
        return tr("Outcome");
    case InvalidatedColumn:
        return tr("Keys invalidated");
    case ErrorColumn:
        return tr("Error");
    case ColumnCount:
        break;
    }
    return {};
}

void WebhookEventModel::setEvents(const QList<WebhookEventRepository::Event> &events)
{
    bool sameRows = events.size() == m_events.size();
    for (qsizetype i = 0; sameRows && i < events.size(); ++i)
        sameRows = events.at(i).idempotencyKey == m_events.at(i).idempotencyKey;
    if (!sameRows) {
        beginResetModel();
        m_events = events;
        endResetModel();
        return;
    }
    m_events = events;
    if (!m_events.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_events.size()) - 1, ColumnCount - 1));
}

int WebhookEventModel::rowOfEvent(const QString &idempotencyKey) const
{
    for (qsizetype i = 0; i < m_events.size(); ++i) {
        if (m_events.at(i).idempotencyKey == idempotencyKey)
            return int(i);
    }
    return -1;
}

}  // namespace tiersync
