#pragma once

#include "core/epochclock.h"

#include <QtGlobal>

#include <atomic>

namespace tiersync::sim {

// The simulator's "now" in epoch milliseconds: an injected source (the system clock by
// default; unit tests pin a ManualEpochClock) plus an offset that POST /_sim/clock moves
// forward, so tests reach the end of a rate window, a day or a token's life without
// waiting. Freezing holds the source at its current reading (a test against the real
// process then sees no real time pass inside a window). Thread-safe.
class SimClock final {
public:
    explicit SimClock(EpochClock source = {});
    Q_DISABLE_COPY_MOVE(SimClock)

    [[nodiscard]] qint64 nowMs() const;
    // Moves "now" forward by ms (>= 0).
    void advance(qint64 ms);
    // true: "now" stops at its current reading (advance still moves it); false: it runs again
    // from where it stands.
    void setFrozen(bool frozen);
    [[nodiscard]] bool frozen() const;
    [[nodiscard]] qint64 offsetMs() const;

private:
    const EpochClock m_source;
    std::atomic<qint64> m_offsetMs{0};
    std::atomic<qint64> m_frozenSourceMs{-1};  // the source's reading when frozen, or -1
};

}  // namespace tiersync::sim
