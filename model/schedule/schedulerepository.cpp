#include "schedule/schedulerepository.h"

#include "core/logging.h"
#include "store/pgconnection.h"
#include "store/pgvalues.h"
#include "store/settingsrepository.h"
#include "sync/entityregistry.h"

#include <pqxx/pqxx>

namespace tiersync {

namespace {

using Idempotency = PgConnection::Idempotency;

std::string columns()
{
    return "name, entity_type, mode, interval_seconds, cron, enabled, " + pgEpochMs("next_run_at")
        + ", last_run_id, last_status, " + pgEpochMs("last_started_at") + ", " + pgEpochMs("last_finished_at")
        + ", last_error, claimed_by, " + pgEpochMs("updated_at") + ", updated_by, safety_net_interval_seconds, run_requested";
}

Schedule toSchedule(const pqxx::row &r)
{
    Schedule s;
    s.name = fromPgText(r[0]);
    s.entityType = fromPgText(r[1]);
    s.mode = syncModeFromName(fromPgText(r[2])).value_or(SyncMode::Incremental);
    if (!r[3].is_null())
        s.intervalSeconds = r[3].as<int>();
    s.cron = fromPgText(r[4]);
    s.enabled = r[5].as<bool>();
    s.nextRunAt = fromPgEpochMs(r[6]);
    s.lastRunId = r[7].is_null() ? 0 : r[7].as<qint64>();
    if (!r[8].is_null())
        s.lastStatus = scheduleRunStatusFromName(fromPgText(r[8]));
    s.lastStartedAt = fromPgEpochMs(r[9]);
    s.lastFinishedAt = fromPgEpochMs(r[10]);
    s.lastError = fromPgText(r[11]);
    s.claimedBy = fromPgText(r[12]);
    s.updatedAt = fromPgEpochMs(r[13]);
    s.updatedBy = fromPgText(r[14]);
    if (!r[15].is_null())
        s.safetyNetIntervalSeconds = r[15].as<int>();
    s.runRequested = r[16].as<bool>();
    return s;
}

std::optional<std::string> timestamp(qint64 epochMs)
{
    return toPgTimestamp(QDateTime::fromMSecsSinceEpoch(epochMs, Qt::UTC));
}

std::optional<std::string> optionalText(const QString &text)
{
    if (text.isEmpty())
        return std::nullopt;
    return text.toStdString();
}

std::string who(const QString &updatedBy)
{
    return updatedBy.isEmpty() ? std::string("unknown") : updatedBy.toStdString();
}

void notifyChanged(pqxx::transaction_base &txn)
{
    txn.exec_params("SELECT pg_notify($1, $2)", std::string(SettingsRepository::kChannel),
                    std::string(ScheduleRepository::kNotifyKey));
}

Error notFound(const QString &name)
{
    return makeError(ErrorKind::NotFound, QStringLiteral("no schedule named '%1'").arg(name));
}

}  // namespace

ScheduleRepository::ScheduleRepository(PgConnection &connection) : m_connection(connection) {}

Result<QList<Schedule>> ScheduleRepository::list()
{
    QList<Schedule> schedules;
    Status status = m_connection.transaction(
        QStringLiteral("reading the schedules"),
        [&](pqxx::transaction_base &txn) -> Status {
            schedules.clear();
            for (const auto &row : txn.exec("SELECT " + columns() + " FROM tiersync.schedules ORDER BY name"))
                schedules.append(toSchedule(row));
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return schedules;
}

Result<std::optional<Schedule>> ScheduleRepository::get(const QString &name)
{
    std::optional<Schedule> found;
    Status status = m_connection.transaction(
        QStringLiteral("reading schedule %1").arg(name),
        [&](pqxx::transaction_base &txn) -> Status {
            const auto result =
                txn.exec_params("SELECT " + columns() + " FROM tiersync.schedules WHERE name = $1", name.toStdString());
            found.reset();
            if (!result.empty())
                found = toSchedule(result[0]);
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return found;
}

Status ScheduleRepository::upsert(const Schedule &schedule, const QString &updatedBy, qint64 nowMs)
{
    if (Status valid = schedule.validate(); !valid)
        return valid;
    qint64 nextMs = 0;
    if (schedule.nextRunAt.isValid()) {
        nextMs = schedule.nextRunAt.toMSecsSinceEpoch();
    } else {
        Schedule fresh = schedule;  // no phase yet: the first slot after now
        auto next = fresh.nextSlotAfter(nowMs);
        if (!next)
            return next.error();
        nextMs = *next;
    }
    std::optional<int> interval = schedule.intervalSeconds;
    std::optional<int> safetyNet = schedule.safetyNetIntervalSeconds;
    return m_connection.transaction(
        QStringLiteral("storing schedule %1").arg(schedule.name),
        [&](pqxx::transaction_base &txn) -> Status {
            txn.exec_params(
                "INSERT INTO tiersync.schedules (name, entity_type, mode, interval_seconds, cron, enabled,"
                " next_run_at, updated_at, updated_by, safety_net_interval_seconds)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, now(), $8, $9)"
                " ON CONFLICT (name) DO UPDATE SET interval_seconds = EXCLUDED.interval_seconds,"
                " cron = EXCLUDED.cron, enabled = EXCLUDED.enabled, next_run_at = EXCLUDED.next_run_at,"
                " updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by,"
                " safety_net_interval_seconds = EXCLUDED.safety_net_interval_seconds",
                schedule.name.toStdString(), schedule.entityType.toStdString(),
                syncModeName(schedule.mode).toStdString(), interval, optionalText(schedule.cron), schedule.enabled,
                timestamp(nextMs), who(updatedBy), safetyNet);
            notifyChanged(txn);
            return {};
        },
        Idempotency::Idempotent);
}

Status ScheduleRepository::setEnabled(const QString &name, bool enabled, const QString &updatedBy)
{
    return m_connection.transaction(
        QStringLiteral("%1 schedule %2").arg(enabled ? QStringLiteral("resuming") : QStringLiteral("pausing"), name),
        [&](pqxx::transaction_base &txn) -> Status {
            const auto result = txn.exec_params(
                "UPDATE tiersync.schedules SET enabled = $2, updated_at = now(), updated_by = $3 WHERE name = $1",
                name.toStdString(), enabled, who(updatedBy));
            if (result.affected_rows() == 0)
                return notFound(name);
            notifyChanged(txn);
            return {};
        },
        Idempotency::Idempotent);
}

Status ScheduleRepository::setNextRun(const QString &name, qint64 atMs, const QString &updatedBy)
{
    return m_connection.transaction(
        QStringLiteral("moving the next run of schedule %1").arg(name),
        [&](pqxx::transaction_base &txn) -> Status {
            const auto result = txn.exec_params("UPDATE tiersync.schedules SET next_run_at = $2::timestamptz,"
                                                " run_requested = true, updated_at = now(), updated_by = $3"
                                                " WHERE name = $1",
                                                name.toStdString(), timestamp(atMs), who(updatedBy));
            if (result.affected_rows() == 0)
                return notFound(name);
            notifyChanged(txn);
            return {};
        },
        Idempotency::Idempotent);
}

Result<QList<Schedule>> ScheduleRepository::claimDue(qint64 nowMs, const QString &instanceId, int limit)
{
    QList<Schedule> claimed;
    QStringList broken;
    // Not replayed after a lost connection: the first attempt may have committed, and a
    // replay would then find the rows no longer due (harmless) or claim a later slot.
    Status status = m_connection.transaction(
        QStringLiteral("claiming the due schedules"),
        [&](pqxx::transaction_base &txn) -> Status {
            claimed.clear();
            broken.clear();
            const auto due = txn.exec_params(
                "SELECT " + columns()
                    + " FROM tiersync.schedules WHERE enabled AND next_run_at <= $1::timestamptz"
                      " ORDER BY next_run_at, name LIMIT $2 FOR UPDATE SKIP LOCKED",
                timestamp(nowMs), limit < 0 ? std::optional<int>() : std::optional<int>(limit));
            for (const auto &row : due) {
                Schedule schedule = toSchedule(row);
                auto next = schedule.nextSlotAfter(nowMs);
                if (!next) {
                    txn.exec_params("UPDATE tiersync.schedules SET next_run_at = $2::timestamptz,"
                                    " last_status = 'failed', last_error = $3 WHERE name = $1",
                                    schedule.name.toStdString(), timestamp(nowMs + kBrokenRetrySeconds * 1000LL),
                                    next.error().message.toStdString());
                    broken.append(next.error().message);
                    continue;
                }
                txn.exec_params("UPDATE tiersync.schedules SET next_run_at = $2::timestamptz, claimed_by = $3,"
                                " run_requested = false WHERE name = $1",
                                schedule.name.toStdString(), timestamp(*next), instanceId.toStdString());
                schedule.nextRunAt = QDateTime::fromMSecsSinceEpoch(*next, Qt::UTC);
                schedule.claimedBy = instanceId;
                claimed.append(schedule);
            }
            return {};
        });
    if (!status)
        return status.error();
    for (const QString &message : std::as_const(broken))
        qCWarning(lcSync).noquote() << "schedule not run:" << message;
    return claimed;
}

Status ScheduleRepository::recordStart(const QString &name, qint64 startedAtMs)
{
    return m_connection.transaction(
        QStringLiteral("recording the start of schedule %1").arg(name),
        [&](pqxx::transaction_base &txn) -> Status {
            const auto result = txn.exec_params(
                "UPDATE tiersync.schedules SET last_status = 'running', last_started_at = $2::timestamptz,"
                " last_error = NULL WHERE name = $1",
                name.toStdString(), timestamp(startedAtMs));
            if (result.affected_rows() == 0)
                return notFound(name);
            return {};
        },
        Idempotency::Idempotent);
}

Status ScheduleRepository::recordFinish(const QString &name, ScheduleRunStatus status, qint64 runId,
                                        qint64 finishedAtMs, const QString &error)
{
    return m_connection.transaction(
        QStringLiteral("recording the outcome of schedule %1").arg(name),
        [&](pqxx::transaction_base &txn) -> Status {
            const auto result = txn.exec_params(
                "UPDATE tiersync.schedules SET last_status = $2, last_finished_at = $3::timestamptz,"
                " last_error = $4, last_run_id = COALESCE($5, last_run_id) WHERE name = $1",
                name.toStdString(), scheduleRunStatusName(status).toStdString(), timestamp(finishedAtMs),
                optionalText(error), runId > 0 ? std::optional<qint64>(runId) : std::optional<qint64>());
            if (result.affected_rows() == 0)
                return notFound(name);
            return {};
        },
        Idempotency::Idempotent);
}

QList<Schedule> ScheduleRepository::defaultSchedules(const EntityRegistry &entities)
{
    QList<Schedule> schedules;
    for (const EntityDefinition &entity : entities.entities()) {
        // Until endpoints name their feeds (EndpointDefinition::feedEntity), a CRM type whose
        // records name a Moodle user is what feeds the dashboard.
        const bool feedsEndpoints =
            entity.source == EntityDefinition::Source::Crm && !entity.moodleUserIdField.isEmpty();
        Schedule incremental;
        incremental.entityType = entity.name;
        incremental.mode = SyncMode::Incremental;
        incremental.name = Schedule::nameFor(entity.name, incremental.mode);
        incremental.intervalSeconds = feedsEndpoints ? kDefaultFeedIntervalSeconds : kDefaultBooksIntervalSeconds;
        if (feedsEndpoints)
            incremental.safetyNetIntervalSeconds = kDefaultSafetyNetIntervalSeconds;
        schedules.append(incremental);
        if (feedsEndpoints) {
            Schedule full;
            full.entityType = entity.name;
            full.mode = SyncMode::Full;
            full.name = Schedule::nameFor(entity.name, full.mode);
            full.cron = QLatin1String(kDefaultFullCron);
            schedules.append(full);
        }
    }
    return schedules;
}

Result<int> ScheduleRepository::seedDefaults(const EntityRegistry &entities, qint64 nowMs)
{
    struct Seed {
        Schedule schedule;
        qint64 nextMs = 0;
    };
    QList<Seed> seeds;
    for (const Schedule &schedule : defaultSchedules(entities)) {
        qint64 nextMs = nowMs;
        if (schedule.mode == SyncMode::Full) {
            auto next = schedule.nextSlotAfter(nowMs);
            if (!next)
                return next.error();
            nextMs = *next;
        }
        seeds.append({schedule, nextMs});
    }
    int inserted = 0;
    Status status = m_connection.transaction(
        QStringLiteral("seeding the default schedules"),
        [&](pqxx::transaction_base &txn) -> Status {
            inserted = 0;
            for (const Seed &seed : std::as_const(seeds)) {
                const Schedule &s = seed.schedule;
                const auto result = txn.exec_params(
                    "INSERT INTO tiersync.schedules (name, entity_type, mode, interval_seconds, cron, next_run_at,"
                    " updated_by, safety_net_interval_seconds) VALUES ($1, $2, $3, $4, $5, $6::timestamptz, 'default',"
                    " $7) ON CONFLICT DO NOTHING",
                    s.name.toStdString(), s.entityType.toStdString(), syncModeName(s.mode).toStdString(),
                    s.intervalSeconds, optionalText(s.cron), timestamp(seed.nextMs), s.safetyNetIntervalSeconds);
                inserted += int(result.affected_rows());
            }
            if (inserted > 0)
                notifyChanged(txn);
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return inserted;
}

}  // namespace tiersync
