#pragma once

#include "console/channelsnapshot.h"
#include "console/scheduleedit.h"
#include "console/schedulesnapshot.h"
#include "console/serviceerror.h"
#include "core/connectionprofile.h"

#include <QMetaType>
#include <QObject>
#include <QString>

namespace tiersync {

// What keeps the dashboard replica fresh, as the console sees it: the schedules of
// tiersync.schedules (with each feed's lag) and the CRM notification channels. Methods
// return at once; each answer arrives as one signal, on the thread that called. Pages
// call methods and connect to results; they never see a thread or a worker.
// EngineReplicaService is the engine's implementation; page tests use a fake.
class ReplicaService : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ReplicaService)

public:
    // Which call an answer or error belongs to.
    enum class Request { LoadSchedules, LoadChannels, RunNow, Pause, Resume, Edit };
    Q_ENUM(Request)

    explicit ReplicaService(QObject *parent = nullptr);
    ~ReplicaService() override;

    virtual void setProfile(const tiersync::ConnectionProfile &profile) = 0;
    // schedulesLoaded or failed(LoadSchedules). The default schedules are seeded first,
    // as `tiersync serve` and `tiersync schedule` do.
    virtual void loadSchedules() = 0;
    // channelsLoaded or failed(LoadChannels).
    virtual void loadChannels() = 0;
    // Makes the schedule due now, as `tiersync schedule run NAME` does: the next tick of a
    // running `tiersync serve` claims and runs it. scheduleChanged(RunNow) or failed.
    virtual void runNow(const QString &name) = 0;
    virtual void pause(const QString &name) = 0;
    virtual void resume(const QString &name) = 0;
    // The cadence is validated (an unreadable cron expression or an interval out of range
    // is an InvalidArgument naming the field; nothing is stored).
    virtual void edit(const tiersync::ScheduleEdit &edit) = 0;

Q_SIGNALS:
    void schedulesLoaded(const tiersync::ScheduleSnapshot &snapshot);
    void channelsLoaded(const tiersync::ChannelSnapshot &snapshot);
    // The row as stored after the change.
    void scheduleChanged(tiersync::ReplicaService::Request request, const tiersync::Schedule &schedule);
    // name: the schedule a change was for; empty for the loads.
    void failed(tiersync::ReplicaService::Request request, const QString &name, const tiersync::ServiceError &error);
};

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::Schedule)
