#include "sync/channelmodel.h"

#include "sync/timetext.h"

#include <QBrush>
#include <QColor>

#include <algorithm>

namespace tiersync::ui {

namespace {

QString statusText(ChannelStatus status)
{
    switch (status) {
    case ChannelStatus::Active: return ChannelModel::tr("active");
    case ChannelStatus::Expired: return ChannelModel::tr("expired");
    case ChannelStatus::Dropped: return ChannelModel::tr("dropped by Zoho");
    case ChannelStatus::Failed: return ChannelModel::tr("failed");
    case ChannelStatus::Disabled: return ChannelModel::tr("disabled");
    }
    return {};
}

QString healthText(const std::optional<ChannelHealth> &health)
{
    if (!health)
        return QStringLiteral("—");
    switch (*health) {
    case ChannelHealth::Healthy: return ChannelModel::tr("healthy: feed on its safety net");
    case ChannelHealth::Degraded: return ChannelModel::tr("degraded: missed changes");
    case ChannelHealth::Failing: return ChannelModel::tr("failing to renew");
    case ChannelHealth::Expired: return ChannelModel::tr("expired");
    case ChannelHealth::Unconfirmed: return ChannelModel::tr("not confirmed lately");
    case ChannelHealth::Inactive: return ChannelModel::tr("inactive");
    }
    return {};
}

}  // namespace

ChannelModel::ChannelModel(QObject *parent) : QAbstractTableModel(parent) {}

ChannelModel::~ChannelModel() = default;

void ChannelModel::setSnapshot(const ChannelSnapshot &snapshot)
{
    const bool sameRows = snapshot.channels.size() == m_snapshot.channels.size()
        && std::equal(snapshot.channels.cbegin(), snapshot.channels.cend(), m_snapshot.channels.cbegin(),
                      [](const NotificationChannel &a, const NotificationChannel &b) { return a.channelId == b.channelId; });
    if (sameRows) {
        m_snapshot = snapshot;
        if (!m_snapshot.channels.isEmpty())
            Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_snapshot = snapshot;
    endResetModel();
}

const NotificationChannel &ChannelModel::channelAt(int row) const
{
    return m_snapshot.channels.at(row);
}

int ChannelModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_snapshot.channels.size());
}

int ChannelModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ChannelModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const NotificationChannel &channel = m_snapshot.channels.at(index.row());
    if (role == Qt::DisplayRole)
        return text(channel, index.column());
    if (role == Qt::ToolTipRole && index.column() == HealthColumn && !channel.degradedReason.isEmpty())
        return channel.degradedReason;
    if (role == Qt::ToolTipRole && !channel.lastError.isEmpty())
        return channel.lastError;
    if (role == Qt::ForegroundRole && index.column() == StatusColumn && channel.status != ChannelStatus::Active
        && channel.status != ChannelStatus::Disabled)
        return QBrush(QColor(0xb0, 0x20, 0x20));
    if (role == Qt::ForegroundRole && index.column() == HealthColumn && channel.status == ChannelStatus::Active
        && healthOf(channel) != ChannelHealth::Healthy)
        return QBrush(QColor(0xb0, 0x20, 0x20));
    return {};
}

QVariant ChannelModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case ModuleColumn: return tr("Module");
    case StatusColumn: return tr("Status");
    case HealthColumn: return tr("Health");
    case ExpiresColumn: return tr("Expires");
    case LastNotificationColumn: return tr("Last notification");
    case NotificationsColumn: return tr("Notifications");
    case ChannelIdColumn: return tr("Channel id");
    default: return {};
    }
}

std::optional<ChannelHealth> ChannelModel::healthOf(const NotificationChannel &channel) const
{
    const auto found = m_snapshot.health.constFind(channel.channelId);
    if (found == m_snapshot.health.cend())
        return std::nullopt;
    return *found;
}

QString ChannelModel::text(const NotificationChannel &channel, int column) const
{
    switch (column) {
    case ModuleColumn: return channel.module;
    case StatusColumn: return statusText(channel.status);
    case HealthColumn: return healthText(healthOf(channel));
    case ExpiresColumn: return timeAndSpanText(channel.expiresAt, m_snapshot.asOf);
    case LastNotificationColumn:
        return channel.lastNotificationAt.isValid() ? timeAndSpanText(channel.lastNotificationAt, m_snapshot.asOf)
                                                    : tr("none yet");
    case NotificationsColumn: return QString::number(channel.notifications);
    case ChannelIdColumn: return channel.channelId;
    default: return {};
    }
}

}  // namespace tiersync::ui
