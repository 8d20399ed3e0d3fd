#pragma once

#include "core/result.h"
#include "schedule/schedule.h"

#include <QList>
#include <QString>

#include <optional>

namespace tiersync {

class EntityRegistry;
class PgConnection;

// tiersync.schedules (migration 0005). Times come in as epoch milliseconds of the
// caller's clock, so a scheduler on a manual clock sees its own "now". Every change an
// admin makes (upsert, setEnabled, setNextRun) commits together with NOTIFY
// tiersync_settings, 'schedules', so a listener never hears of a change it cannot read.
class ScheduleRepository final {
public:
    static constexpr char kNotifyKey[] = "schedules";
    static constexpr int kDefaultFeedIntervalSeconds = 300;
    // A fed module's incremental feed while its notification channel is healthy: 2 hours.
    // A run costs the deleted-records list plus the listing's pages of what changed since
    // the last one (200 a page), so the day's cost is about (changed records / 200) + 2 ×
    // runs: 252 calls in bench_dashboard_day (5,000 students, 2 % of every module an hour;
    // 5 × 12 runs), 0.017 a view and 0.05 a student a day, against 2,906 at 5 minutes. A
    // longer net saves little (the pages stay) while a channel that silently stops
    // delivering goes unnoticed until the next run: stale answers for at most ~2 hours.
    static constexpr int kDefaultSafetyNetIntervalSeconds = 7200;
    static constexpr int kDefaultBooksIntervalSeconds = 3600;
    // The full reconcile of a fed module (it proves deletions and repairs drift): monthly,
    // the 1st at 03:00 UTC. A full listing costs a page per 200 records of the module: 360
    // calls for bench_dashboard_day's five modules, 12 a day amortised monthly (0.0008 a
    // view) against 51 weekly, which took the day past 0.02 calls a view. Between two
    // reconciles the feeds' catch-up, CRM's deleted list (kept 60 days, so a month never
    // outruns it) and the channels' self-check keep the replica exact.
    static constexpr char kDefaultFullCron[] = "0 3 1 * *";
    // A row whose cadence cannot give a next slot (a cron edited by hand into nonsense)
    // is marked failed and looked at again after this long, never claimed.
    static constexpr int kBrokenRetrySeconds = 3600;

    explicit ScheduleRepository(PgConnection &connection);

    // Every schedule, by name.
    [[nodiscard]] Result<QList<Schedule>> list();
    [[nodiscard]] Result<std::optional<Schedule>> get(const QString &name);

    // Validates first (InvalidArgument naming the field; nothing stored). Inserts or
    // updates the cadence, mode and enabled flag; next_run_at becomes schedule.nextRunAt
    // when valid, else the first slot after nowMs (an interval: nowMs + interval).
    // The run history is kept.
    [[nodiscard]] Status upsert(const Schedule &schedule, const QString &updatedBy, qint64 nowMs);
    // NotFound for an unknown name.
    [[nodiscard]] Status setEnabled(const QString &name, bool enabled, const QString &updatedBy);
    // Also marks the slot requested (Schedule::runRequested): it runs even on a safety net.
    [[nodiscard]] Status setNextRun(const QString &name, qint64 atMs, const QString &updatedBy);

    // Claims the enabled rows due at nowMs (next_run_at <= now), at most limit of them
    // (< 0: all), oldest first: in one transaction each is locked (FOR UPDATE SKIP
    // LOCKED: a row another instance is claiming is left to it), its next_run_at moved to
    // its first slot after nowMs (a slot missed while nobody ran runs once, no catch-up)
    // and claimed_by set to instanceId, run_requested cleared. Returns the claimed rows as
    // they are now (runRequested as it was: whether this slot was asked for). Two
    // instances claiming at once never both get a row.
    [[nodiscard]] Result<QList<Schedule>> claimDue(qint64 nowMs, const QString &instanceId, int limit = -1);

    // last_status running, last_started_at; last_error cleared.
    [[nodiscard]] Status recordStart(const QString &name, qint64 startedAtMs);
    // The outcome; runId 0 keeps the previous last_run_id (no run was recorded).
    [[nodiscard]] Status recordFinish(const QString &name, ScheduleRunStatus status, qint64 runId,
                                      qint64 finishedAtMs, const QString &error = {});

    // The schedules every installation starts with: each CRM entity type whose records
    // name a student (it feeds dashboard endpoints) incremental every 300 s (7200 s while
    // its notification channel is healthy) and full monthly, the 1st at 03:00 UTC; every other
    // type (Books: products, customers) incremental hourly.
    [[nodiscard]] static QList<Schedule> defaultSchedules(const EntityRegistry &entities);
    // Inserts defaultSchedules() that are missing (ON CONFLICT DO NOTHING: an admin's
    // edits stay). Incremental rows are due at once (nowMs), full ones at their next slot.
    // Returns how many rows were inserted.
    [[nodiscard]] Result<int> seedDefaults(const EntityRegistry &entities, qint64 nowMs);

private:
    PgConnection &m_connection;
};

}  // namespace tiersync
