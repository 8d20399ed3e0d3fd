#include "shiftedsteadyclock.h"

namespace tiersync::test {

SteadyClock ShiftedSteadyClock::clock() const
{
    return [system = systemSteadyClock(), offsetMs = m_offsetMs] { return system() + offsetMs->load(); };
}

void ShiftedSteadyClock::advance(qint64 ms) const
{
    m_offsetMs->fetch_add(ms);
}

}  // namespace tiersync::test
