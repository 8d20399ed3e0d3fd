#include "manualepochclock.h"

#include "cache/statsstore.h"

namespace tiersync::test {

ManualEpochClock::ManualEpochClock(qint64 startMs) : m_nowMs(std::make_shared<std::atomic<qint64>>(startMs)) {}

EpochClock ManualEpochClock::clock() const
{
    return [nowMs = m_nowMs] { return nowMs->load(); };
}

qint64 ManualEpochClock::nowMs() const
{
    return m_nowMs->load();
}

qint64 ManualEpochClock::minute() const
{
    return StatsStore::epochMinute(nowMs());
}

void ManualEpochClock::advance(qint64 ms) const
{
    m_nowMs->fetch_add(ms);
}

}  // namespace tiersync::test
