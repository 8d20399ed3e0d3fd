#pragma once

#include "console/servicethread.h"
#include "console/workerprofile.h"
#include "console/zoholimitsservice.h"
#include "core/result.h"

#include <functional>
#include <memory>

namespace tiersync {

class EngineServicesPool;
class PgConnection;

// ZohoLimitsService on the engine: ZohoLimitsRepository on the active profile's
// PostgreSQL, through the console's one EngineServicesPool (the database is migrated
// once per process). A load or a save is quick, so both run in turn on the console's
// loading thread (a ServiceLane of it); answers hop back to the service's own thread.
// stop() (and the destructor) drop the calls not begun and wait for the one in progress.
class EngineZohoLimitsService final : public ZohoLimitsService {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EngineZohoLimitsService)

public:
    // loads: the thread the calls run on; null: one of the service's own.
    explicit EngineZohoLimitsService(std::shared_ptr<EngineServicesPool> pool,
                                     std::shared_ptr<ServiceThread> loads = {}, QObject *parent = nullptr);
    ~EngineZohoLimitsService() override;

    // Calls after this do nothing.
    void stop();

    void setProfile(const tiersync::ConnectionProfile &profile) override;
    void load() override;
    void save(const tiersync::ZohoLimitsRepository::Row &row) override;

private:
    // Emits on the service's own thread.
    void answer(std::function<void()> emitter);
    void answerFailure(Request request, ZohoApiFamily family, const Error &error);
    // On the loading thread: the active profile's database, migrated.
    [[nodiscard]] Result<PgConnection *> openDatabase();

    WorkerProfile m_profile;  // the loading thread only
    ServiceLane m_loads;
};

}  // namespace tiersync
