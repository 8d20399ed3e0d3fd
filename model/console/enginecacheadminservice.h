#pragma once

#include "console/cacheadminservice.h"
#include "console/consoleclocks.h"
#include "console/longjobs.h"
#include "console/servicethread.h"
#include "console/workerprofile.h"

#include <functional>
#include <memory>
#include <optional>

namespace tiersync {

class EngineServicesPool;

// CacheAdminService on the engine: CacheWarmer and CacheInvalidator for the actions,
// SettingsRepository and WebhookEventRepository for the lists, on the console's one
// EngineServicesPool (the database migrates once per process).
// A warm blocks its thread for as long as the tables take, so each action goes to a pool
// thread that exists only while it runs, with a cancel token of its own; the switch and
// the webhook events load on the console's loading thread (a ServiceLane), so a refresh
// never waits behind a warm. Answers hop back to the service's own thread. stop() (and
// the destructor) cancels the actions, waits for them to end, then closes its lane:
// nobody else needs to cancel anything at shutdown.
class EngineCacheAdminService final : public CacheAdminService {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EngineCacheAdminService)

public:
    // clocks: the wall clock a snapshot's age is read on; null: the system's.
    // loads: the thread the switch and the events load on; null: one of the service's own.
    EngineCacheAdminService(std::shared_ptr<EngineServicesPool> pool, ConsoleClocks clocks,
                            std::shared_ptr<ServiceThread> loads = {}, QObject *parent = nullptr);
    ~EngineCacheAdminService() override;

    // Calls after this do nothing (the actions return 0).
    void stop();

    void setProfile(const tiersync::ConnectionProfile &profile) override;
    quint64 warmEntities(const QString &entityType) override;
    quint64 warmEndpoints(const QString &endpoint) override;
    quint64 invalidateEndpoint(const QString &endpoint, bool dryRun) override;
    quint64 invalidateEntityType(const QString &entityType, bool dryRun) override;
    void cancel(quint64 request) override;
    void loadCaching() override;
    void setCachingEnabled(bool enabled) override;
    void loadWebhookEvents(int limit) override;

private:
    // Emits on the service's own thread.
    void answer(std::function<void()> emitter);
    quint64 start(CacheActionResult action);
    // On an action thread: the whole action, answered once.
    void execute(CacheActionResult action, const ConnectionProfile &profile, CancelToken &token);
    // Fill in the action's counts, or say why it failed.
    [[nodiscard]] std::optional<ServiceError> warm(CacheActionResult &action, CancelToken &token);
    [[nodiscard]] std::optional<ServiceError> invalidate(CacheActionResult &action);
    // On the loading thread.
    void readCaching();
    void writeCaching(bool enabled);
    void readWebhookEvents(int limit);
    [[nodiscard]] std::optional<ServiceError> listsReady();

    ConsoleClocks m_clocks;
    ConnectionProfile m_profile;  // the service's thread
    bool m_haveProfile = false;   // the service's thread
    bool m_stopped = false;       // the service's thread
    quint64 m_lastRequest = 0;    // the service's thread
    WorkerProfile m_actionProfile;  // action threads only (one action at a time)
    WorkerProfile m_listsProfile;   // the loading thread only
    LongJobs m_actions;
    ServiceLane m_lists;
};

}  // namespace tiersync
