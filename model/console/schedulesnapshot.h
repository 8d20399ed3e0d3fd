#pragma once

#include "schedule/feedcadence.h"
#include "schedule/schedule.h"
#include "store/syncrunrepository.h"

#include <QDateTime>
#include <QList>
#include <QMetaType>

#include <optional>

namespace tiersync {

// One schedule as the console shows it: the row of tiersync.schedules and, when its
// entity type feeds dashboard endpoints, how old the feed's data is.
struct ScheduleState final {
    Schedule schedule;
    bool feed = false;   // some endpoint names the entity type as its feed
    // The smallest feed max lag of the endpoints it feeds: past it, their reads go to Zoho again.
    qint64 maxLagSeconds = 0;
    QDateTime dataAsOf;  // the feed's data_as_of (tiersync.feed_state); invalid: no feed run succeeded yet
    // The counters of the schedule's last run (sync_runs); nullopt: none recorded.
    std::optional<SyncRunRepository::Counters> lastRunCounters;
    // The cadence in force at asOf (FeedCadence): the safety net while a notification
    // channel of the type is healthy, else the schedule's own; and the next run it makes.
    FeedCadence::Cadence cadence = FeedCadence::Cadence::Own;
    QDateTime nextRunInForce;
};

// Every schedule, read at asOf (the service's clock): "now" for the lag and "next run in".
struct ScheduleSnapshot final {
    QDateTime asOf;
    QList<ScheduleState> schedules;

    // asOf − the feed's data_as_of, in seconds; nullopt when the type is no feed or has no data yet.
    [[nodiscard]] std::optional<qint64> lagSeconds(const ScheduleState &state) const;
};

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::ScheduleSnapshot)
