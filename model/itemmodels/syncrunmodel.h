#pragma once

#include "store/syncrunrepository.h"

#include <QAbstractTableModel>
#include <QList>

namespace tiersync {

// The sync run history (sync_runs, newest first) for the Sync page. The model never
// talks to PostgreSQL: whoever loads the runs hands them to setRuns(). A refresh with
// the same runs only updates their cells, so a view keeps its selection and scroll
// position while a running run's counters move.
class SyncRunModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SyncRunModel)

public:
    // Every counter a run keeps, as sync_runs holds it: what happened to the records,
    // then what it cost Zoho. Each header's tooltip says what its figure counts.
    enum Column { IdColumn, TypeColumn, ModeColumn, TriggerColumn, StatusColumn, StartedColumn,
                  DurationColumn, FetchedColumn, SyncedColumn, SkippedColumn, FailedColumn, DeletedColumn,
                  PagesColumn, RequestsColumn, RetriesColumn, ColumnCount };
    enum Role { RunIdRole = Qt::UserRole + 1, StatusRole };

    explicit SyncRunModel(QObject *parent = nullptr);
    ~SyncRunModel() override;

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] int columnCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    [[nodiscard]] QVariant headerData(int section, Qt::Orientation orientation,
                                      int role = Qt::DisplayRole) const override;

    void setRuns(const QList<SyncRunRepository::Run> &runs);
    [[nodiscard]] const SyncRunRepository::Run &runAt(int row) const { return m_runs.at(row); }
    // -1 when the run is not listed.
    [[nodiscard]] int rowOfRun(qint64 runId) const;

private:
    [[nodiscard]] static QString headerToolTip(int section);

    QList<SyncRunRepository::Run> m_runs;
};

}  // namespace tiersync
