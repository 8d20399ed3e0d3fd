#pragma once

#include "core/connectionprofile.h"
#include "store/syncrunrepository.h"

#include <QList>
#include <QString>
#include <QStringList>
#include <QWidget>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableView;
class QTableWidget;

namespace tiersync {
class ReplicaService;
class SyncRunModel;
class SyncWorker;
struct SyncProgress;
}  // namespace tiersync

namespace tiersync::ui {

class PagePoller;
class ReplicaPanel;

// Manual syncs and their history. One row per entity type with its last run; "Sync
// now" runs the selected type on the runner worker (its own thread, blocked for the
// whole run) and shows progress, rate and ETA as the engine reports them; Cancel stops
// it at the next batch boundary. The history (sync_runs, so runs started by the CLI or
// a server show up too) is reloaded on the history worker every few seconds while the
// page is visible (PagePoller) and after each run. Either worker may be null (tests of other pages): the page then stays idle.
// Beside the history, the ReplicaPanel shows the schedules and notification channels
// through a ReplicaService (null: the panel stays empty).
class SyncPage final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SyncPage)

public:
    static constexpr int kHistoryIntervalMs = 3000;
    static constexpr int kHistoryLimit = 200;

    SyncPage(SyncWorker *runner, SyncWorker *history, ReplicaService *replica, QWidget *parent = nullptr);
    ~SyncPage() override;

    void setProfile(const tiersync::ConnectionProfile &profile);
    // Selects the type "Sync now" will run; false for an unknown type.
    bool selectEntityType(const QString &type);
    void refreshHistory();

    [[nodiscard]] SyncRunModel *runModel() const { return m_runModel; }
    [[nodiscard]] ReplicaPanel *replicaPanel() const { return m_replica; }

Q_SIGNALS:
    void profileChanged(const tiersync::ConnectionProfile &profile);
    void syncRequested(quint64 requestId, const QString &entityType, const QString &mode, int batchSize);
    void runsRequested(int limit);

private:
    void startSync();
    void cancelSync();
    void onSyncStarted(qint64 runId, const QString &entityType, const QString &mode);
    void onProgress(const tiersync::SyncProgress &progress);
    void onSyncFinished(const tiersync::SyncRunRepository::Run &run);
    void onSyncRefused(const QString &entityType, const QString &message);
    void onRunsLoaded(const QList<tiersync::SyncRunRepository::Run> &recent,
                      const QList<tiersync::SyncRunRepository::Run> &lastPerType);
    void onRunsFailed(const QString &message);
    void showDetail();
    void setRunning(bool running);
    [[nodiscard]] QString selectedEntityType() const;

    SyncWorker *m_runner;
    SyncWorker *m_history;
    SyncRunModel *m_runModel;
    QTableWidget *m_types;
    QComboBox *m_mode;
    QSpinBox *m_batchSize;
    QPushButton *m_syncNow;
    QPushButton *m_cancel;
    QProgressBar *m_progress;
    QLabel *m_rate;
    QLabel *m_status;
    QLabel *m_historyStatus;  // the history's own errors, so they never hide a run's outcome
    QTableView *m_runs;
    QPlainTextEdit *m_detail;
    PagePoller *m_historyPoller;  // while the page is visible
    ReplicaPanel *m_replica;
    QStringList m_entityTypes;
    quint64 m_requestId = 0;
    bool m_running = false;
    bool m_haveProfile = false;
    bool m_loadingRuns = false;
    bool m_reloadRuns = false;
    qint64 m_detailRunId = 0;
};

}  // namespace tiersync::ui
