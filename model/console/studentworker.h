#pragma once

#include "console/consoleclocks.h"
#include "console/studentlookup.h"
#include "console/workerprofile.h"
#include "core/connectionprofile.h"

#include <QMutex>
#include <QObject>
#include <QString>

#include <memory>

namespace tiersync {

class CacheEngine;

// The Students page's engine side, on a worker thread (WorkerThreads). It embeds the
// read path: a CacheEngine of its own (created on this thread at the first request
// after setProfile, so the GUI never waits for its migration or switch read) on the
// process's one Zoho service answers exactly as `tiersync serve` would, from Redis,
// PostgreSQL or Zoho. Results leave by
// queued signals, one per request; cancel() is thread-safe.
class StudentWorker final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StudentWorker)

public:
    explicit StudentWorker(QObject *parent = nullptr);
    ~StudentWorker() override;

    // Thread-safe: a lookup of this request stops before its next endpoint (a read
    // under way finishes: the engine's reads are not interruptible). A cancel of a
    // request that already ended does nothing.
    void cancel(quint64 requestId);
    // Before it moves to its thread: the clocks its engine reads.
    void setClocks(ConsoleClocks clocks);
    // The console's one pool of services (before the worker moves to its thread).
    void setServicesPool(std::shared_ptr<tiersync::EngineServicesPool> pool);

public Q_SLOTS:
    void setProfile(const tiersync::ConnectionProfile &profile);
    // Reads one endpoint of the student, or every registered endpoint when endpoint is
    // empty. forceRefresh skips Redis and PostgreSQL, as ?force_refresh=true does.
    void lookup(quint64 requestId, qint64 moodleUserId, const QString &endpoint, bool forceRefresh);
    // The student's endpoint keys in Redis (CacheInvalidator::student); a dry run
    // only counts them.
    void invalidate(quint64 requestId, qint64 moodleUserId, bool dryRun);

Q_SIGNALS:
    void lookupFinished(const tiersync::StudentLookup &lookup);
    // Nothing was read: a bad id or endpoint, no profile, or the engine could not start.
    void lookupFailed(quint64 requestId, const QString &message);
    void studentInvalidated(quint64 requestId, qint64 moodleUserId, bool dryRun, qint64 keys);
    void invalidationFailed(quint64 requestId, const QString &message);

private:
    // The engine for the active profile, created on first use on this thread.
    [[nodiscard]] CacheEngine *engine(QString *error);

    WorkerProfile m_profile;
    ConsoleClocks m_clocks;
    std::unique_ptr<CacheEngine> m_engine;
    QMutex m_mutex;  // guards m_cancelRequest, shared with cancel()
    quint64 m_cancelRequest = 0;
};

}  // namespace tiersync
