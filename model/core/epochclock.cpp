#include "core/epochclock.h"

#include <QDateTime>

namespace tiersync {

EpochClock systemEpochClock()
{
    return [] { return QDateTime::currentMSecsSinceEpoch(); };
}

EpochClock orSystemEpochClock(EpochClock clock)
{
    return clock ? std::move(clock) : systemEpochClock();
}

}  // namespace tiersync
