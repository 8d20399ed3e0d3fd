#pragma once

#include "console/channelsnapshot.h"

#include <QAbstractTableModel>

#include <optional>

namespace tiersync::ui {

// The CRM notification channels of one ChannelSnapshot, one row each.
class ChannelModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChannelModel)

public:
    // Health: whether the channel keeps its module's feed on the safety net (healthy) or
    // why not (degraded, expired, …), from the snapshot.
    enum Column { ModuleColumn, StatusColumn, HealthColumn, ExpiresColumn, LastNotificationColumn,
                  NotificationsColumn, ChannelIdColumn, ColumnCount };

    explicit ChannelModel(QObject *parent = nullptr);
    ~ChannelModel() override;

    void setSnapshot(const tiersync::ChannelSnapshot &snapshot);
    [[nodiscard]] const NotificationChannel &channelAt(int row) const;

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] int columnCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    [[nodiscard]] QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    [[nodiscard]] QString text(const NotificationChannel &channel, int column) const;
    // The snapshot's health of the channel; nullopt when it has none (an older service).
    [[nodiscard]] std::optional<ChannelHealth> healthOf(const NotificationChannel &channel) const;

    ChannelSnapshot m_snapshot;
};

}  // namespace tiersync::ui
