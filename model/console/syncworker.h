#pragma once

#include "console/consoleclocks.h"
#include "console/workerprofile.h"
#include "core/connectionprofile.h"
#include "store/syncrunrepository.h"
#include "sync/syncprogress.h"

#include <QList>
#include <QObject>
#include <QString>

#include <QMutex>

namespace tiersync {

class SyncOrchestrator;

// The Sync page's engine side, on a worker thread (WorkerThreads). runSync() blocks
// this thread for the whole run, so the console gives history loading its own
// SyncWorker on another thread: a refresh is never stuck behind a running sync.
// Progress and results leave by queued signals; cancel() is thread-safe.
class SyncWorker final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SyncWorker)

public:
    explicit SyncWorker(QObject *parent = nullptr);
    ~SyncWorker() override;

    // Thread-safe: stops the run of this request (see runSync) at its next boundary,
    // or at once if it has not begun. A cancel for a request that already ended does
    // nothing, so it can never stop the next run.
    void cancel(quint64 requestId);
    // Before it moves to its thread: the clocks its runs read.
    void setClocks(ConsoleClocks clocks);
    // The console's one pool of services (before the worker moves to its thread).
    void setServicesPool(std::shared_ptr<tiersync::EngineServicesPool> pool);

public Q_SLOTS:
    void setProfile(const tiersync::ConnectionProfile &profile);
    // mode: "incremental" or "full".
    // requestId: the caller's number for this request, for cancel().
    void runSync(quint64 requestId, const QString &entityType, const QString &mode, int batchSize);
    // The newest runs of every type, and the last run of each registered type.
    void loadRuns(int limit);

Q_SIGNALS:
    void syncStarted(qint64 runId, const QString &entityType, const QString &mode);
    void syncProgress(const tiersync::SyncProgress &progress);
    void syncFinished(const tiersync::SyncRunRepository::Run &run);
    // No run started: refused (another instance runs this type) or could not start.
    void syncRefused(const QString &entityType, const QString &message);
    void runsLoaded(const QList<tiersync::SyncRunRepository::Run> &recent,
                    const QList<tiersync::SyncRunRepository::Run> &lastPerType);
    void runsFailed(const QString &message);

private:
    WorkerProfile m_profile;
    ConsoleClocks m_clocks;
    QMutex m_mutex;  // guards the three below, shared with cancel()
    SyncOrchestrator *m_running = nullptr;
    quint64 m_runningRequest = 0;
    quint64 m_cancelRequest = 0;
};

}  // namespace tiersync
