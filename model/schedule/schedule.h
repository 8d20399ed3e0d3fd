#pragma once

#include "core/result.h"
#include "sync/syncoptions.h"

#include <QDateTime>
#include <QMetaType>
#include <QString>

#include <optional>

namespace tiersync {

// How a scheduled run ended (tiersync.schedules.last_status). Skipped: another instance
// was running a sync of the same type (its advisory lock refused this one).
enum class ScheduleRunStatus { Running, Succeeded, Failed, Cancelled, Skipped };

[[nodiscard]] QString scheduleRunStatusName(ScheduleRunStatus status);  // "running", "succeeded"…
[[nodiscard]] std::optional<ScheduleRunStatus> scheduleRunStatusFromName(const QString &name);

// One row of tiersync.schedules: when one entity type syncs in one mode. Exactly one of
// intervalSeconds and cron is set. Slots of an interval schedule keep their phase
// (next_run_at + k × interval); a cron schedule's slots are its expression's minutes.
struct Schedule final {
    static constexpr int kMinIntervalSeconds = 60;
    static constexpr int kMaxIntervalSeconds = 366 * 24 * 3600;

    QString name;  // "<entity type>:<mode>", e.g. "grades:incremental"
    QString entityType;
    SyncMode mode = SyncMode::Incremental;
    std::optional<int> intervalSeconds;
    QString cron;  // a CronExpression's text when set
    // An incremental feed's interval while its module's notification channel is healthy
    // (FeedCadence): the notifications keep the replica fresh and the feed is a safety
    // net. nullopt: the row always runs at its own cadence.
    std::optional<int> safetyNetIntervalSeconds;
    // An admin asked for a run now (ScheduleRepository::setNextRun): the claimed slot runs
    // even on the safety net.
    bool runRequested = false;
    bool enabled = true;
    QDateTime nextRunAt;

    qint64 lastRunId = 0;  // 0: none (never ran, or the run was refused before it started)
    std::optional<ScheduleRunStatus> lastStatus;
    QDateTime lastStartedAt;
    QDateTime lastFinishedAt;
    QString lastError;
    QString claimedBy;  // the instance that claimed the last slot
    QDateTime updatedAt;
    QString updatedBy;

    [[nodiscard]] static QString nameFor(const QString &entityType, SyncMode mode);
    // "every 5m", "cron 0 3 * * *"; with a safety net "every 5m (2h with a healthy channel)".
    [[nodiscard]] QString cadence() const;
    // Name, type, mode and cadence agree and are in range; the error names the field.
    [[nodiscard]] Status validate() const;
    // The first slot strictly after afterMs: an interval keeps the phase of nextRunAt
    // (or starts at afterMs + interval without one); a cron expression its next minute.
    // An error when the cadence is invalid or a cron expression never fires again.
    [[nodiscard]] Result<qint64> nextSlotAfter(qint64 afterMs) const;
};

// "300", "300s", "5m", "1h", "1d" → seconds; an error says what is accepted.
[[nodiscard]] Result<int> parseScheduleInterval(const QString &text);
// 300 → "5m", 3600 → "1h", 90 → "90s".
[[nodiscard]] QString formatScheduleInterval(int seconds);

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::ScheduleRunStatus)
