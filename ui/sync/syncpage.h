#pragma once

#include "console/syncrunservice.h"
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
class QSplitter;
class QTabWidget;
class QTableView;
class QTableWidget;

namespace tiersync {
class ReplicaService;
class SyncRunModel;
}  // namespace tiersync

namespace tiersync::ui {

class PagePoller;
class ReplicaPanel;

// Manual syncs and their history, through a SyncRunService. One row per entity type with
// its last run; "Sync now" starts a run of the selected type and shows progress, rate
// and ETA as the engine reports them; Cancel stops it at the next batch boundary. The
// history (sync_runs, so runs started by the CLI or a server show up too) is reloaded
// every few seconds while the page is visible (PagePoller) and after each run; its table
// shows every counter a run keeps. A null service (tests of other pages): the page stays
// idle. Beside the history, the ReplicaPanel shows the schedules and notification
// channels through a ReplicaService (null: the panel stays empty).
class SyncPage final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SyncPage)

public:
    static constexpr int kHistoryIntervalMs = 3000;
    static constexpr int kHistoryLimit = 200;

    SyncPage(SyncRunService *runs, ReplicaService *replica, QWidget *parent = nullptr);
    ~SyncPage() override;

    void setProfile(const tiersync::ConnectionProfile &profile);
    // Selects the type "Sync now" will run; false for an unknown type.
    bool selectEntityType(const QString &type);
    void refreshHistory();

    [[nodiscard]] SyncRunModel *runModel() const { return m_runModel; }
    [[nodiscard]] ReplicaPanel *replicaPanel() const { return m_replica; }

private:
    void startSync();
    void cancelSync();
    void onSyncStarted(quint64 request, qint64 runId, const QString &entityType, tiersync::SyncMode mode);
    void onProgress(quint64 request, const tiersync::SyncProgress &progress);
    void onSyncFinished(quint64 request, const tiersync::SyncRunRepository::Run &run);
    void onSyncRefused(quint64 request, const QString &entityType, const tiersync::ServiceError &error);
    void onFailed(tiersync::SyncRunService::Request request, quint64 runRequest, const tiersync::ServiceError &error);
    void syncDidNotStart(const QString &reason);
    void onRunsLoaded(const QList<tiersync::SyncRunRepository::Run> &recent,
                      const QList<tiersync::SyncRunRepository::Run> &lastPerType);
    void onRunsFailed(const QString &message);
    void showDetail();
    void setRunning(bool running);
    [[nodiscard]] QString selectedEntityType() const;

    SyncRunService *m_service;
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
    QTabWidget *m_tabs;
    QSplitter *m_historyTab;  // the runs above the selected one's detail
    PagePoller *m_historyPoller;  // while the page is visible
    ReplicaPanel *m_replica;
    QStringList m_entityTypes;
    QString m_runningType;  // the type of the run in progress
    quint64 m_requestId = 0;  // the service's number for it
    bool m_running = false;
    bool m_haveProfile = false;
    bool m_loadingRuns = false;
    bool m_reloadRuns = false;
    qint64 m_detailRunId = 0;
};

}  // namespace tiersync::ui
