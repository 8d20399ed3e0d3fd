#pragma once

#include "cache/endpointregistry.h"
#include "console/replicaservice.h"
#include "console/workerprofile.h"
#include "core/epochclock.h"
#include "core/result.h"
#include "sync/entityregistry.h"

#include <memory>
#include <optional>

class QThread;

namespace tiersync {

class EngineServicesPool;
class PgConnection;

// ReplicaService on the engine: ScheduleRepository, FeedStateRepository and
// ChannelRepository on PostgreSQL, through the console's one EngineServicesPool (the
// database is migrated once per process). Every call is quick, so all of them share one
// thread the service owns; answers hop back to the service's own thread. stop() (and the
// destructor) finish the call in progress and join the thread.
class EngineReplicaService final : public ReplicaService {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EngineReplicaService)

public:
    // clock: "now" for seeding, Run now and the lag; null: the system clock.
    EngineReplicaService(std::shared_ptr<EngineServicesPool> pool, EpochClock clock, QObject *parent = nullptr);
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
    // Runs work on the service's thread.
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

    // The registries, loaded on m_thread by the first read (they never change in a process).
    [[nodiscard]] Status loadRegistries();

    EpochClock m_clock;
    WorkerProfile m_profile;  // used on m_thread only
    std::optional<EntityRegistry> m_entities;     // m_thread only
    std::optional<EndpointRegistry> m_endpoints;  // m_thread only
    bool m_seeded = false;  // the profile's default schedules seeded (m_thread only)
    std::unique_ptr<QThread> m_thread;
    QObject *m_context;  // lives on m_thread; deleted when it finishes
};

}  // namespace tiersync
