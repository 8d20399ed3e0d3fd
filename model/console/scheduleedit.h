#pragma once

#include <QString>

#include <optional>

namespace tiersync {

// An admin's change to one schedule's cadence: exactly one of intervalSeconds and cron.
// The mode is part of the schedule's name (`grades:full`), so it is not edited here:
// each entity type has one row per mode.
struct ScheduleEdit final {
    QString name;
    std::optional<int> intervalSeconds;
    QString cron;  // 5 fields, UTC
    bool enabled = true;
};

}  // namespace tiersync
