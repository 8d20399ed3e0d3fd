#pragma once

#include "console/channelsnapshot.h"

#include <QAbstractTableModel>

namespace tiersync::ui {

// The CRM notification channels of one ChannelSnapshot, one row each.
class ChannelModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChannelModel)

public:
    enum Column { ModuleColumn, StatusColumn, ExpiresColumn, LastNotificationColumn, NotificationsColumn,
                  ChannelIdColumn, ColumnCount };

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

    ChannelSnapshot m_snapshot;
};

}  // namespace tiersync::ui
