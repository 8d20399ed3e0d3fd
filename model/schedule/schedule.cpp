#include "schedule/schedule.h"

#include "schedule/cronexpression.h"

#include <QRegularExpression>

namespace tiersync {

namespace {

constexpr struct {
    ScheduleRunStatus status;
    const char *name;
} kStatusNames[] = {
    {ScheduleRunStatus::Running, "running"},     {ScheduleRunStatus::Succeeded, "succeeded"},
    {ScheduleRunStatus::Failed, "failed"},       {ScheduleRunStatus::Cancelled, "cancelled"},
    {ScheduleRunStatus::Skipped, "skipped"},
};

}  // namespace

QString scheduleRunStatusName(ScheduleRunStatus status)
{
    for (const auto &entry : kStatusNames)
        if (entry.status == status)
            return QLatin1String(entry.name);
    return {};
}

std::optional<ScheduleRunStatus> scheduleRunStatusFromName(const QString &name)
{
    for (const auto &entry : kStatusNames)
        if (name == QLatin1String(entry.name))
            return entry.status;
    return std::nullopt;
}

QString Schedule::nameFor(const QString &entityType, SyncMode mode)
{
    return entityType + QLatin1Char(':') + syncModeName(mode);
}

QString Schedule::cadence() const
{
    QString text = intervalSeconds ? QStringLiteral("every ") + formatScheduleInterval(*intervalSeconds)
                                   : QStringLiteral("cron ") + cron;
    if (safetyNetIntervalSeconds)
        text += QStringLiteral(" (%1 with a healthy channel)").arg(formatScheduleInterval(*safetyNetIntervalSeconds));
    return text;
}

Status Schedule::validate() const
{
    static const QRegularExpression typePattern(QStringLiteral("^[a-z0-9_-]+\\z"));
    if (!typePattern.match(entityType).hasMatch())
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("entity type '%1' is not [a-z0-9_-]+").arg(entityType));
    if (name != nameFor(entityType, mode))
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("schedule name '%1' should be '%2'")
                                                         .arg(name, nameFor(entityType, mode)));
    if (intervalSeconds.has_value() == !cron.isEmpty())
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("schedule %1: give either an interval or a cron expression").arg(name));
    if (intervalSeconds && (*intervalSeconds < kMinIntervalSeconds || *intervalSeconds > kMaxIntervalSeconds))
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("schedule %1: the interval is from %2 to %3")
                                                         .arg(name, formatScheduleInterval(kMinIntervalSeconds),
                                                              formatScheduleInterval(kMaxIntervalSeconds)));
    if (!cron.isEmpty()) {
        if (auto parsed = CronExpression::parse(cron); !parsed)
            return parsed.error();
    }
    if (safetyNetIntervalSeconds) {
        if (mode != SyncMode::Incremental || !intervalSeconds)
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("schedule %1: a safety net is for incremental schedules with an interval")
                                 .arg(name));
        if (*safetyNetIntervalSeconds < kMinIntervalSeconds || *safetyNetIntervalSeconds > kMaxIntervalSeconds)
            return makeError(ErrorKind::InvalidArgument, QStringLiteral("schedule %1: the safety net is from %2 to %3")
                                                             .arg(name, formatScheduleInterval(kMinIntervalSeconds),
                                                                  formatScheduleInterval(kMaxIntervalSeconds)));
    }
    return {};
}

Result<qint64> Schedule::nextSlotAfter(qint64 afterMs) const
{
    if (intervalSeconds) {
        if (*intervalSeconds < 1)
            return makeError(ErrorKind::InvalidArgument, QStringLiteral("schedule %1: interval %2 s")
                                                             .arg(name)
                                                             .arg(*intervalSeconds));
        const qint64 intervalMs = qint64(*intervalSeconds) * 1000;
        if (!nextRunAt.isValid())
            return afterMs + intervalMs;
        const qint64 phaseMs = nextRunAt.toMSecsSinceEpoch();
        if (phaseMs > afterMs)
            return phaseMs;
        return phaseMs + ((afterMs - phaseMs) / intervalMs + 1) * intervalMs;
    }
    auto parsed = CronExpression::parse(cron);
    if (!parsed)
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("schedule %1: %2").arg(name, parsed.error().message));
    const std::optional<qint64> next = parsed->nextMs(afterMs);
    if (!next)
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("schedule %1: cron '%2' never fires again").arg(name, cron));
    return *next;
}

Result<int> parseScheduleInterval(const QString &text)
{
    static const QRegularExpression pattern(QStringLiteral("^(\\d{1,9})([smhd]?)$"));
    const QRegularExpressionMatch match = pattern.match(text.trimmed().toLower());
    if (!match.hasMatch())
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("interval '%1': expected a number with s, m, h or d (e.g. 300s, 5m, 1h)")
                             .arg(text));
    const qint64 number = match.captured(1).toLongLong();
    const QString unit = match.captured(2);
    const qint64 factor = unit == QLatin1String("m") ? 60 : unit == QLatin1String("h") ? 3600
                                                      : unit == QLatin1String("d") ? 86400
                                                                                   : 1;
    const qint64 seconds = number * factor;
    if (seconds < Schedule::kMinIntervalSeconds || seconds > Schedule::kMaxIntervalSeconds)
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("interval '%1': from %2 to %3")
                                                         .arg(text, formatScheduleInterval(Schedule::kMinIntervalSeconds),
                                                              formatScheduleInterval(Schedule::kMaxIntervalSeconds)));
    return int(seconds);
}

QString formatScheduleInterval(int seconds)
{
    if (seconds > 0 && seconds % 86400 == 0)
        return QStringLiteral("%1d").arg(seconds / 86400);
    if (seconds > 0 && seconds % 3600 == 0)
        return QStringLiteral("%1h").arg(seconds / 3600);
    if (seconds > 0 && seconds % 60 == 0)
        return QStringLiteral("%1m").arg(seconds / 60);
    return QStringLiteral("%1s").arg(seconds);
}

}  // namespace tiersync
