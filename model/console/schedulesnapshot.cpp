#include "console/schedulesnapshot.h"

#include <algorithm>

namespace tiersync {

std::optional<qint64> ScheduleSnapshot::lagSeconds(const ScheduleState &state) const
{
    if (!state.feed || !state.dataAsOf.isValid() || !asOf.isValid())
        return std::nullopt;
    // A feed run recorded by a clock ahead of ours is not behind at all.
    return std::max<qint64>(0, state.dataAsOf.secsTo(asOf));
}

}  // namespace tiersync
