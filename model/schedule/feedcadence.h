#pragma once

#include "cache/channelhealthfacts.h"
#include "core/result.h"
#include "schedule/schedule.h"
#include "webhook/channelrepository.h"

#include <QList>

#include <optional>

namespace tiersync {

class PgConnection;

// A feed's cadence follows its notification channel's health (issue 10). A schedule with
// a safety net (Schedule::safetyNetIntervalSeconds: the fed modules' incremental feeds)
// runs at it while a notification channel of its entity type is Healthy
// (ChannelHealthFacts): the notifications keep the replica fresh and the feed only
// catches what they missed. Otherwise — no channel, or one expired, failing, unconfirmed
// or degraded — it runs at its own interval, as without channels.
//
// The schedule's slots stay on its own interval's grid (claimDue moves next_run_at as
// always); on the safety net a claimed slot is deferred (not run, nothing recorded) until
// the safety net has passed since the last run started. So a channel that turns
// unhealthy puts the feed back on its own interval at the next slot, with nothing to undo.
//
// Self-check: after each succeeded incremental run of such a schedule, the channels of
// its entity type are checked (ChannelRepository::recordCheck): changes the run had to
// write although they are older than kGraceMs degrade the channel; clean runs for
// kProbationMs, with notifications delivered meanwhile, make it healthy again.
class FeedCadence final {
public:
    // A notification is delivered within seconds of the change; a change younger than
    // this when the run starts may still be on its way and is not held against the channel.
    static constexpr qint64 kGraceMs = 120LL * 1000;
    // A degraded channel proves itself by an hour of clean runs (12 at 5 minutes).
    static constexpr qint64 kProbationMs = 3600LL * 1000;

    enum class Cadence {
        Own,        // the schedule's interval or cron
        SafetyNet,  // its safety net: a healthy channel keeps the replica fresh
    };

    // The channels as they are: ChannelHealthFacts::load.
    explicit FeedCadence(QList<ChannelHealthFacts> channels = {});
    [[nodiscard]] static Result<FeedCadence> load(PgConnection &connection);

    [[nodiscard]] Cadence cadenceOf(const Schedule &schedule, qint64 nowMs) const;
    // A claimed slot of schedule is not run: it is on the safety net, its last run started
    // less than the safety net ago, and nobody asked for this slot (Run now always runs).
    [[nodiscard]] bool defers(const Schedule &schedule, qint64 nowMs) const;
    // When schedule runs next at this cadence: its next_run_at, or on the safety net the
    // first slot of its grid at least the safety net after its last start. Invalid when
    // next_run_at is.
    [[nodiscard]] static QDateTime nextRunInForce(const Schedule &schedule, Cadence cadence);
    // Whether runs of schedule check the channels of its type: incremental with a safety net.
    [[nodiscard]] static bool checksChannels(const Schedule &schedule);
    // The self-check after a succeeded run runId of schedule that started at startedAtMs.
    [[nodiscard]] static Result<QList<ChannelRepository::CheckResult>>
    check(PgConnection &connection, const Schedule &schedule, qint64 runId, qint64 startedAtMs);

private:
    [[nodiscard]] static qint64 safetyNetMs(const Schedule &schedule);

    QList<ChannelHealthFacts> m_channels;
};

[[nodiscard]] QString feedCadenceName(FeedCadence::Cadence cadence);  // "own", "safety net"

}  // namespace tiersync
