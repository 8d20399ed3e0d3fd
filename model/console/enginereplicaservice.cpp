#include "console/enginereplicaservice.h"

#include "cache/endpointregistry.h"
#include "console/consoleuser.h"
#include "schedule/cronexpression.h"
#include "schedule/feedcadence.h"
#include "schedule/schedulerepository.h"
#include "store/feedstaterepository.h"
#include "store/pgconnection.h"
#include "store/syncrunrepository.h"
#include "sync/entityregistry.h"
#include "webhook/channelrepository.h"

#include <QHash>

namespace tiersync {

namespace {

// Every server this service talks to is PostgreSQL. A refusal of the input (a bad
// cadence, an unknown name; the compiled-in registries answer with these kinds too) is
// the engine's own, no server's fault.
ServiceError toServiceError(const Error &error)
{
    if (error.kind == ErrorKind::InvalidArgument || error.kind == ErrorKind::NotFound)
        return {std::nullopt, error};
    return {ConnectionCheck::Service::Postgres, error};
}

}  // namespace

EngineReplicaService::EngineReplicaService(std::shared_ptr<EngineServicesPool> pool, EpochClock clock,
                                           std::shared_ptr<ServiceThread> loads, QObject *parent)
    : ReplicaService(parent),
      m_clock(orSystemEpochClock(std::move(clock))),
      m_loads(loads ? std::move(loads) : std::make_shared<ServiceThread>(QStringLiteral("console-replica")))
{
    m_profile.setPool(std::move(pool));
}

EngineReplicaService::~EngineReplicaService()
{
    stop();
}

void EngineReplicaService::stop()
{
    m_loads.close();
}

void EngineReplicaService::post(std::function<void()> work)
{
    m_loads.post(std::move(work));
}

void EngineReplicaService::answer(std::function<void()> emitter)
{
    // Dropped by Qt if the service is gone by then.
    QMetaObject::invokeMethod(this, std::move(emitter), Qt::QueuedConnection);
}

void EngineReplicaService::answerChange(Request request, const QString &name, const Result<Schedule> &changed)
{
    if (changed)
        answer([this, request, schedule = *changed] { Q_EMIT scheduleChanged(request, schedule); });
    else
        answer([this, request, name, error = toServiceError(changed.error())] { Q_EMIT failed(request, name, error); });
}

void EngineReplicaService::setProfile(const ConnectionProfile &profile)
{
    post([this, profile] {
        m_profile.set(profile);
        m_seeded = false;
    });
}

template <typename Snapshot>
void EngineReplicaService::load(Request request, Result<Snapshot> (EngineReplicaService::*read)(),
                                void (ReplicaService::*loaded)(const Snapshot &))
{
    post([this, request, read, loaded] {
        auto snapshot = (this->*read)();
        if (snapshot)
            answer([this, loaded, value = *snapshot] { Q_EMIT(this->*loaded)(value); });
        else
            answer([this, request, error = toServiceError(snapshot.error())] { Q_EMIT failed(request, {}, error); });
    });
}

void EngineReplicaService::loadSchedules()
{
    load(Request::LoadSchedules, &EngineReplicaService::readSchedules, &ReplicaService::schedulesLoaded);
}

void EngineReplicaService::loadChannels()
{
    load(Request::LoadChannels, &EngineReplicaService::readChannels, &ReplicaService::channelsLoaded);
}

void EngineReplicaService::runNow(const QString &name)
{
    post([this, name] { answerChange(Request::RunNow, name, change(Request::RunNow, name)); });
}

void EngineReplicaService::pause(const QString &name)
{
    post([this, name] { answerChange(Request::Pause, name, change(Request::Pause, name)); });
}

void EngineReplicaService::resume(const QString &name)
{
    post([this, name] { answerChange(Request::Resume, name, change(Request::Resume, name)); });
}

void EngineReplicaService::edit(const ScheduleEdit &edit)
{
    post([this, edit] { answerChange(Request::Edit, edit.name, applyEdit(edit)); });
}

Result<PgConnection *> EngineReplicaService::openDatabase()
{
    if (!m_profile.isSet())
        return makeError(ErrorKind::Unavailable, QStringLiteral("no connection profile is active yet"));
    PgConnection &connection = PgConnection::forCurrentThread(m_profile.profile().pg);
    if (auto migrated = m_profile.ensureMigrated(connection); !migrated)
        return migrated.error();
    return &connection;
}

Result<ScheduleSnapshot> EngineReplicaService::readSchedules()
{
    auto connection = openDatabase();
    if (!connection)
        return connection.error();
    if (Status loaded = loadRegistries(); !loaded)
        return loaded.error();
    const EndpointRegistry *endpoints = &*m_endpoints;
    const qint64 nowMs = m_clock();
    ScheduleRepository schedules(**connection);
    // As serve and `tiersync schedule` do: the defaults exist before anyone looks (once
    // per profile, not on every poll; an admin's edits are never overwritten anyway).
    if (!m_seeded) {
        if (auto seeded = schedules.seedDefaults(*m_entities, nowMs); !seeded)
            return seeded.error();
        m_seeded = true;
    }
    auto rows = schedules.list();
    if (!rows)
        return rows.error();
    auto feeds = FeedStateRepository(**connection).list();
    if (!feeds)
        return feeds.error();
    QHash<QString, QDateTime> dataAsOf;
    for (const FeedStateRepository::State &state : std::as_const(*feeds))
        dataAsOf.insert(state.entityType, state.dataAsOf);
    auto cadence = FeedCadence::load(**connection);
    if (!cadence)
        return cadence.error();

    SyncRunRepository runs(**connection);
    ScheduleSnapshot snapshot;
    snapshot.asOf = QDateTime::fromMSecsSinceEpoch(nowMs, Qt::UTC);
    for (const Schedule &row : std::as_const(*rows)) {
        ScheduleState state;
        state.schedule = row;
        state.feed = endpoints->isFeed(row.entityType);
        for (const EndpointDefinition *endpoint : endpoints->fedBy(row.entityType)) {
            if (state.maxLagSeconds == 0 || endpoint->feedMaxLagSeconds < state.maxLagSeconds)
                state.maxLagSeconds = endpoint->feedMaxLagSeconds;
        }
        state.dataAsOf = dataAsOf.value(row.entityType);
        state.cadence = cadence->cadenceOf(row, nowMs);
        state.nextRunInForce = FeedCadence::nextRunInForce(row, state.cadence);
        if (row.lastRunId > 0) {
            auto run = runs.get(row.lastRunId);
            if (!run)
                return run.error();
            if (run->has_value())
                state.lastRunCounters = (*run)->counters;
        }
        snapshot.schedules.append(state);
    }
    return snapshot;
}

Status EngineReplicaService::loadRegistries()
{
    if (!m_entities) {
        auto entities = EntityRegistry::builtIn();
        if (!entities)
            return entities.error();
        m_entities = std::move(*entities);
    }
    if (!m_endpoints) {
        auto endpoints = EndpointRegistry::builtIn();
        if (!endpoints)
            return endpoints.error();
        m_endpoints = std::move(*endpoints);
    }
    return {};
}

Result<ChannelSnapshot> EngineReplicaService::readChannels()
{
    auto connection = openDatabase();
    if (!connection)
        return connection.error();
    auto channels = ChannelRepository(**connection).list();
    if (!channels)
        return channels.error();
    const qint64 nowMs = m_clock();
    ChannelSnapshot snapshot{QDateTime::fromMSecsSinceEpoch(nowMs, Qt::UTC), *channels, {}};
    for (const NotificationChannel &channel : std::as_const(snapshot.channels))
        snapshot.health.insert(channel.channelId, ChannelRepository::healthFacts(channel).healthAt(nowMs));
    return snapshot;
}

Result<Schedule> EngineReplicaService::change(Request request, const QString &name)
{
    auto connection = openDatabase();
    if (!connection)
        return connection.error();
    ScheduleRepository schedules(**connection);
    Status changed = request == Request::RunNow
        ? schedules.setNextRun(name, m_clock(), consoleUserName())
        : schedules.setEnabled(name, request == Request::Resume, consoleUserName());
    if (!changed)
        return changed.error();
    auto row = schedules.get(name);
    if (!row)
        return row.error();
    if (!row->has_value())
        return makeError(ErrorKind::NotFound, QStringLiteral("no schedule named '%1'").arg(name));
    return **row;
}

Result<Schedule> EngineReplicaService::applyEdit(const ScheduleEdit &edit)
{
    auto connection = openDatabase();
    if (!connection)
        return connection.error();
    ScheduleRepository schedules(**connection);
    auto existing = schedules.get(edit.name);
    if (!existing)
        return existing.error();
    if (!existing->has_value())
        return makeError(ErrorKind::NotFound, QStringLiteral("no schedule named '%1'").arg(edit.name));
    Schedule schedule = **existing;
    schedule.intervalSeconds = edit.intervalSeconds;
    if (!schedule.intervalSeconds || schedule.mode != SyncMode::Incremental)
        schedule.safetyNetIntervalSeconds.reset();  // a safety net goes with an incremental interval only
    schedule.cron.clear();
    if (!edit.cron.isEmpty()) {
        auto parsed = CronExpression::parse(edit.cron);
        if (!parsed)
            return parsed.error();
        schedule.cron = parsed->text();
    }
    schedule.enabled = edit.enabled;
    // A new cadence starts from now, as `tiersync schedule set` does.
    schedule.nextRunAt = QDateTime();
    if (Status saved = schedules.upsert(schedule, consoleUserName(), m_clock()); !saved)
        return saved.error();
    auto row = schedules.get(edit.name);
    if (!row)
        return row.error();
    return row->value_or(schedule);
}

}  // namespace tiersync
