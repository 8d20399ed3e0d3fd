#include "simclock.h"

namespace tiersync::sim {

SimClock::SimClock(EpochClock source) : m_source(orSystemEpochClock(std::move(source))) {}

qint64 SimClock::nowMs() const
{
    const qint64 frozenAt = m_frozenSourceMs.load();
    return (frozenAt >= 0 ? frozenAt : m_source()) + m_offsetMs.load();
}

void SimClock::advance(qint64 ms)
{
    if (ms > 0)
        m_offsetMs += ms;
}

void SimClock::setFrozen(bool frozen)
{
    if (frozen) {
        qint64 expected = -1;
        (void)m_frozenSourceMs.compare_exchange_strong(expected, m_source());
        return;
    }
    // Running again from where it stands: the time it stood still becomes a negative offset.
    const qint64 frozenAt = m_frozenSourceMs.exchange(-1);
    if (frozenAt >= 0)
        m_offsetMs += frozenAt - m_source();
}

bool SimClock::frozen() const
{
    return m_frozenSourceMs.load() >= 0;
}

qint64 SimClock::offsetMs() const
{
    return m_offsetMs.load();
}

}  // namespace tiersync::sim
