#pragma once

#include "core/epochclock.h"

#include <QtGlobal>

#include <atomic>
#include <memory>

namespace tiersync::test {

// A wall clock that reads the same until the test moves it, from any thread. It starts
// at a fixed instant in the middle of a minute, so what a test writes into "this minute"
// (statistics, Zoho calls, retries) is read back from that minute however long the test
// takes and whatever the real clock does meanwhile.
class ManualEpochClock final {
public:
    // 2024-06-11 14:45:30 UTC.
    static constexpr qint64 kStartMs = 1718117130000;

    explicit ManualEpochClock(qint64 startMs = kStartMs);

    // Copies share this clock's time.
    [[nodiscard]] EpochClock clock() const;
    [[nodiscard]] qint64 nowMs() const;
    [[nodiscard]] qint64 minute() const;  // StatsStore::epochMinute(nowMs())
    void advance(qint64 ms) const;

private:
    std::shared_ptr<std::atomic<qint64>> m_nowMs;
};

}  // namespace tiersync::test
