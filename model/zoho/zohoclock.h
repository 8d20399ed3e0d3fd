#pragma once

#include <QDateTime>

#include <functional>

namespace tiersync {

// Clocks are injected so the rate limiter, circuit breaker and token expiry can be
// tested deterministically with a fake clock.

// Monotonic milliseconds (arbitrary origin): for intervals, never for timestamps.
using SteadyClock = std::function<qint64()>;
// Wall-clock time in UTC: for token expiry, which may be shared between instances.
using WallClock = std::function<QDateTime()>;

[[nodiscard]] SteadyClock systemSteadyClock();
[[nodiscard]] WallClock systemWallClock();

}  // namespace tiersync
