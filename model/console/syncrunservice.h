#pragma once

#include "console/serviceerror.h"
#include "core/connectionprofile.h"
#include "store/syncrunrepository.h"
#include "sync/syncoptions.h"
#include "sync/syncprogress.h"

#include <QList>
#include <QObject>
#include <QString>

namespace tiersync {

// Manual sync runs and their history (sync_runs), as the console sees them. Methods
// return at once; each answer arrives as one signal, on the thread that called. Pages
// call methods and connect to results; they never see a thread or a worker.
// EngineSyncRunService is the engine's implementation; page tests use a fake.
class SyncRunService : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SyncRunService)

public:
    // Which call an error belongs to.
    enum class Request { LoadRuns, StartRun };
    Q_ENUM(Request)

    explicit SyncRunService(QObject *parent = nullptr);
    ~SyncRunService() override;

    virtual void setProfile(const tiersync::ConnectionProfile &profile) = 0;
    // The newest `limit` runs of every type, and the last run of each registered type:
    // runsLoaded or failed(LoadRuns, 0, …).
    virtual void loadRuns(int limit) = 0;
    // Starts a sync of one entity type (trigger "console"); batchSize: entities per
    // PostgreSQL transaction. Returns the request's number (never 0), which every answer
    // about it carries: runStarted and runProgress while it goes, then exactly one of
    // runFinished (the run as recorded: succeeded, failed or cancelled), runRefused
    // (another instance syncs this type; no run recorded) or failed(StartRun, request, …)
    // (it could not start; no run recorded).
    virtual quint64 startRun(const QString &entityType, tiersync::SyncMode mode, int batchSize) = 0;
    // Stops that request's run at its next batch boundary (it ends as cancelled), or at
    // once if it has not begun. A cancel for a request that already ended does nothing,
    // so it never stops another run.
    virtual void cancel(quint64 request) = 0;

Q_SIGNALS:
    void runsLoaded(const QList<tiersync::SyncRunRepository::Run> &recent,
                    const QList<tiersync::SyncRunRepository::Run> &lastPerType);
    // mode: what the run does, which may differ from what was asked (caching disabled or
    // a feed's first run make it full).
    void runStarted(quint64 request, qint64 runId, const QString &entityType, tiersync::SyncMode mode);
    // About once per page of Zoho records.
    void runProgress(quint64 request, const tiersync::SyncProgress &progress);
    void runFinished(quint64 request, const tiersync::SyncRunRepository::Run &run);
    void runRefused(quint64 request, const QString &entityType, const tiersync::ServiceError &error);
    // runRequest: the startRun number; 0 for LoadRuns.
    void failed(tiersync::SyncRunService::Request request, quint64 runRequest, const tiersync::ServiceError &error);
};

}  // namespace tiersync
