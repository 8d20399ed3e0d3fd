#pragma once

#include "console/cacheactionresult.h"
#include "console/cachingstate.h"
#include "console/serviceerror.h"
#include "core/connectionprofile.h"
#include "store/webhookeventrepository.h"

#include <QList>
#include <QObject>
#include <QString>

namespace tiersync {

// Cache administration as the console sees it: warming (PostgreSQL → Redis),
// invalidation, the caching switch and the webhook deliveries. Methods return at once;
// each answer arrives as a signal, on the thread that called. Pages call methods and
// connect to results; they never see a thread or a worker. EngineCacheAdminService is
// the engine's implementation; page tests use a fake.
class CacheAdminService : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CacheAdminService)

public:
    // Which call an error belongs to.
    enum class Request { Warm, Invalidate, LoadCaching, SetCaching, LoadWebhookEvents };
    Q_ENUM(Request)

    explicit CacheAdminService(QObject *parent = nullptr);
    ~CacheAdminService() override;

    virtual void setProfile(const tiersync::ConnectionProfile &profile) = 0;

    // Actions. Each returns its request's number (never 0; 0 once the service has
    // stopped), which every answer about it carries: actionProgress while it goes, then
    // exactly one of actionFinished (done, or cancelled) or failed(Warm / Invalidate,
    // request, …).
    // Entity states of one entity type, or of every registered type when empty.
    virtual quint64 warmEntities(const QString &entityType) = 0;
    // Endpoint keys from the snapshots of one endpoint, or of all when empty.
    virtual quint64 warmEndpoints(const QString &endpoint) = 0;
    // Every key of the endpoint / entity type; a dry run only counts them.
    virtual quint64 invalidateEndpoint(const QString &endpoint, bool dryRun) = 0;
    virtual quint64 invalidateEntityType(const QString &entityType, bool dryRun) = 0;
    // A warm stops after its current chunk (the keys written stay); an action that has
    // not begun never begins; an invalidation under way runs to its end. It ends with
    // actionFinished, cancelled. A cancel for a request that already ended does nothing.
    virtual void cancel(quint64 request) = 0;

    // Quick loads, answered in the order asked.
    // settings.caching_enabled: cachingLoaded or failed(LoadCaching, 0, …).
    virtual void loadCaching() = 0;
    // Commits settings.caching_enabled and NOTIFYs every engine (they apply it within a
    // second): cachingLoaded (the stored row), failed(SetCaching, 0, …) when it was not
    // changed, or failed(LoadCaching, 0, …) when it was but could not be read back.
    virtual void setCachingEnabled(bool enabled) = 0;
    // The newest `limit` deliveries: webhookEventsLoaded or failed(LoadWebhookEvents, 0, …).
    virtual void loadWebhookEvents(int limit) = 0;

Q_SIGNALS:
    // After each chunk; total -1 when unknown (an invalidation: keys so far).
    void actionProgress(quint64 request, qint64 done, qint64 total);
    void actionFinished(const tiersync::CacheActionResult &result);
    void cachingLoaded(const tiersync::CachingState &state);
    void webhookEventsLoaded(const QList<tiersync::WebhookEventRepository::Event> &events);
    // action: the request number of a Warm / Invalidate; 0 for the loads.
    void failed(tiersync::CacheAdminService::Request request, quint64 action, const tiersync::ServiceError &error);
};

}  // namespace tiersync
