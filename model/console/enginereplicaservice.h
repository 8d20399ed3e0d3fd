#pragma once

#include "cache/endpointregistry.h"
#include "console/replicaservice.h"
#include "console/servicethread.h"
#include "console/workerprofile.h"
#include "core/epochclock.h"
#include "core/result.h"
#include "sync/entityregistry.h"

#include <memory>
#include <optional>

namespace tiersync {

class EngineServicesPool;
class PgConnection;

// ReplicaService on the engine: ScheduleRepository, FeedStateRepository and
// ChannelRepository on PostgreSQL, through the console's one EngineServicesPool (the
// database is migrated once per process). Every call is quick, so all of them run in turn
// on the console's loading thread (a ServiceLane of it); answers hop back to the
// service's own thread. stop() (and the destructor) drop the calls not begun and wait
// for the one in progress.
class EngineReplicaService final : public ReplicaService {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EngineReplicaService)

public:
    // clock: "now" for seeding, Run now and the lag; null: the system clock. loads: the
    // thread the calls run on; null: one of the service's own.
    EngineReplicaService(std::shared_ptr<EngineServicesPool> pool, EpochClock clock,
                         std::shared_ptr<ServiceThread> loads = {}, QObject *parent = nullptr);
    ~EngineReplicaService() override;

    // Calls after this do nothing.
    void stop();

    void setProfile(const tiersync::ConnectionProfile &profile) override;
    void loadSchedules() override;
    void loadChannels() override;
    void runNow(const QString &name) override;
    void pause(const QString &name) override;
    void resume(const QString &name) override;
    void edit(const tiersync::ScheduleEdit &edit) override;

private:
    // Runs work on the loading thread.
    void post(std::function<void()> work);
    // Emits on the service's own thread.
    void answer(std::function<void()> emitter);
    void answerChange(Request request, const QString &name, const Result<Schedule> &changed);
    // Reads on the service's thread, answers with loaded or failed(request).
    template <typename Snapshot>
    void load(Request request, Result<Snapshot> (EngineReplicaService::*read)(),
              void (ReplicaService::*loaded)(const Snapshot &));

    // On the service's thread only.
    [[nodiscard]] Result<PgConnection *> openDatabase();
    [[nodiscard]] Result<ScheduleSnapshot> readSchedules();
    [[nodiscard]] Result<ChannelSnapshot> readChannels();
    [[nodiscard]] Result<Schedule> change(Request request, const QString &name);
    [[nodiscard]] Result<Schedule> applyEdit(const ScheduleEdit &edit);

    // The registries, loaded on the loading thread by the first read (they never change in a process).
    [[nodiscard]] Status loadRegistries();

    EpochClock m_clock;
    WorkerProfile m_profile;  // used on the loading thread only
    std::optional<EntityRegistry> m_entities;     // the loading thread only
    std::optional<EndpointRegistry> m_endpoints;  // the loading thread only
    bool m_seeded = false;  // the profile's default schedules seeded (the loading thread only)
    ServiceLane m_loads;
};

}  // namespace tiersync
