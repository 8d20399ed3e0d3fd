#pragma once

#include "console/schedulesnapshot.h"

#include <QAbstractTableModel>

namespace tiersync::ui {

// The schedules of one ScheduleSnapshot, one row each, in the snapshot's order. A new
// snapshot with the same schedules updates the cells in place (the selection stays);
// another set of schedules resets the model.
class ScheduleModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ScheduleModel)

public:
    enum Column { NameColumn, CadenceColumn, StateColumn, NextRunColumn, LastResultColumn, LagColumn, ColumnCount };

    explicit ScheduleModel(QObject *parent = nullptr);
    ~ScheduleModel() override;

    void setSnapshot(const tiersync::ScheduleSnapshot &snapshot);
    // Replaces one schedule's row with the row as stored after a change; false if unknown.
    bool updateSchedule(const tiersync::Schedule &schedule);
    [[nodiscard]] const ScheduleSnapshot &snapshot() const { return m_snapshot; }
    [[nodiscard]] const ScheduleState &stateAt(int row) const;
    // -1 when unknown.
    [[nodiscard]] int rowOf(const QString &name) const;

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] int columnCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    [[nodiscard]] QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    [[nodiscard]] QString text(const ScheduleState &state, int column) const;
    [[nodiscard]] QString lastResultText(const ScheduleState &state) const;
    // The feed's data is older than its endpoints allow.
    [[nodiscard]] bool isBehind(const ScheduleState &state) const;

    ScheduleSnapshot m_snapshot;
};

}  // namespace tiersync::ui
