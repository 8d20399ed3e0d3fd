#pragma once

#include "console/workerprofile.h"
#include "console/cacheactionresult.h"
#include "console/cachingstate.h"
#include "core/connectionprofile.h"
#include "store/webhookeventrepository.h"

#include <QList>
#include <QMutex>
#include <QObject>
#include <QString>

namespace tiersync {

class CacheWarmer;

// The Cache page's engine side, on a worker thread (WorkerThreads). Warming and
// invalidating block this thread until they end, so the console gives the quick
// loads (switch state, webhook events) a CacheAdminWorker of their own on another
// thread: a refresh never waits behind a warm. Reuses CacheWarmer, CacheInvalidator
// and SettingsRepository; results leave by queued signals; cancel() is thread-safe.
class CacheAdminWorker final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CacheAdminWorker)

public:
    // The console's one pool of services (before the worker moves to its thread).
    void setServicesPool(std::shared_ptr<tiersync::EngineServicesPool> pool);
    explicit CacheAdminWorker(QObject *parent = nullptr);
    ~CacheAdminWorker() override;

    // Thread-safe: a warm of this request stops after its current chunk (or does not
    // begin). Invalidations run to the end once started. A cancel of a request that
    // already ended does nothing.
    void cancel(quint64 requestId);

public Q_SLOTS:
    void setProfile(const tiersync::ConnectionProfile &profile);
    // Entity states of one entity type, or of every registered type when empty.
    void warmEntities(quint64 requestId, const QString &entityType);
    // Endpoint keys from the snapshots of one endpoint, or of all when empty.
    void warmEndpoints(quint64 requestId, const QString &endpoint);
    // Every key of the endpoint / entity type; a dry run only counts them.
    void invalidateEndpoint(quint64 requestId, const QString &endpoint, bool dryRun);
    void invalidateEntityType(quint64 requestId, const QString &entityType, bool dryRun);
    void loadCaching();
    // Commits settings.caching_enabled and NOTIFYs every engine (they apply it within
    // a second); answers with cachingLoaded (the stored row) or cachingFailed.
    void setCachingEnabled(bool enabled);
    void loadWebhookEvents(int limit);

Q_SIGNALS:
    // total -1 when unknown (an invalidation: keys so far).
    void actionProgress(quint64 requestId, qint64 done, qint64 total);
    void actionFinished(const tiersync::CacheActionResult &result);
    void cachingLoaded(const tiersync::CachingState &state);
    void cachingFailed(const QString &message);
    void webhookEventsLoaded(const QList<tiersync::WebhookEventRepository::Event> &events);
    void webhookEventsFailed(const QString &message);

private:
    void warm(quint64 requestId, CacheActionResult::Kind kind, const QString &target);
    void invalidate(quint64 requestId, CacheActionResult::Kind kind, const QString &target, bool dryRun);
    // Migrates the database once per profile; false (and an error) when it cannot.
    [[nodiscard]] bool ensureMigrated(QString *error);

    WorkerProfile m_profile;
    QMutex m_mutex;  // guards the three below, shared with cancel()
    CacheWarmer *m_running = nullptr;
    quint64 m_runningRequest = 0;
    quint64 m_cancelRequest = 0;
};

}  // namespace tiersync
