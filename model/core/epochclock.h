#pragma once

#include <QtGlobal>

#include <functional>

namespace tiersync {

// Wall-clock time in epoch milliseconds, as the services that key data by it read it:
// statistics and Zoho calls are counted per minute of this clock. Injected so a test
// pins "now" instead of racing the minute, hour or day turning on the real clock.
using EpochClock = std::function<qint64()>;

[[nodiscard]] EpochClock systemEpochClock();
// clock, or the system clock when it is null (the default of every option that takes one).
[[nodiscard]] EpochClock orSystemEpochClock(EpochClock clock);

}  // namespace tiersync
