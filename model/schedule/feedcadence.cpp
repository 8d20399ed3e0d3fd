#include "schedule/feedcadence.h"

#include <algorithm>

namespace tiersync {

QString feedCadenceName(FeedCadence::Cadence cadence)
{
    return cadence == FeedCadence::Cadence::SafetyNet ? QStringLiteral("safety net") : QStringLiteral("own");
}

FeedCadence::FeedCadence(QList<ChannelHealthFacts> channels) : m_channels(std::move(channels)) {}

Result<FeedCadence> FeedCadence::load(PgConnection &connection)
{
    auto channels = ChannelHealthFacts::load(connection);
    if (!channels)
        return channels.error();
    return FeedCadence(std::move(*channels));
}

qint64 FeedCadence::safetyNetMs(const Schedule &schedule)
{
    // Never shorter than the schedule's own interval.
    return qint64(std::max(schedule.safetyNetIntervalSeconds.value_or(0), schedule.intervalSeconds.value_or(0))) * 1000;
}

bool FeedCadence::checksChannels(const Schedule &schedule)
{
    return schedule.mode == SyncMode::Incremental && schedule.safetyNetIntervalSeconds && schedule.intervalSeconds;
}

FeedCadence::Cadence FeedCadence::cadenceOf(const Schedule &schedule, qint64 nowMs) const
{
    if (!checksChannels(schedule) || !ChannelHealthFacts::anyHealthy(m_channels, schedule.entityType, nowMs))
        return Cadence::Own;
    return Cadence::SafetyNet;
}

bool FeedCadence::defers(const Schedule &schedule, qint64 nowMs) const
{
    if (schedule.runRequested || cadenceOf(schedule, nowMs) != Cadence::SafetyNet || !schedule.lastStartedAt.isValid())
        return false;
    return nowMs < schedule.lastStartedAt.toMSecsSinceEpoch() + safetyNetMs(schedule);
}

QDateTime FeedCadence::nextRunInForce(const Schedule &schedule, Cadence cadence)
{
    if (cadence != Cadence::SafetyNet || !schedule.nextRunAt.isValid() || !schedule.lastStartedAt.isValid()
        || !schedule.intervalSeconds || *schedule.intervalSeconds <= 0)
        return schedule.nextRunAt;
    const qint64 nextMs = schedule.nextRunAt.toMSecsSinceEpoch();
    const qint64 targetMs = schedule.lastStartedAt.toMSecsSinceEpoch() + safetyNetMs(schedule);
    if (nextMs >= targetMs)
        return schedule.nextRunAt;
    const qint64 intervalMs = qint64(*schedule.intervalSeconds) * 1000;
    const qint64 steps = (targetMs - nextMs + intervalMs - 1) / intervalMs;
    return QDateTime::fromMSecsSinceEpoch(nextMs + steps * intervalMs, Qt::UTC);
}

Result<QList<ChannelRepository::CheckResult>> FeedCadence::check(PgConnection &connection, const Schedule &schedule,
                                                                  qint64 runId, qint64 startedAtMs)
{
    if (!checksChannels(schedule) || runId <= 0)
        return QList<ChannelRepository::CheckResult>();
    ChannelRepository::Check check;
    check.entityType = schedule.entityType;
    check.runId = runId;
    check.atMs = startedAtMs;
    check.graceMs = kGraceMs;
    check.probationMs = kProbationMs;
    return ChannelRepository(connection).recordCheck(check);
}

}  // namespace tiersync
