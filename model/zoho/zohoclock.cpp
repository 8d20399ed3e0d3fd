#include "zoho/zohoclock.h"

#include <chrono>

namespace tiersync {

SteadyClock systemSteadyClock()
{
    return [] {
        return qint64(std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count());
    };
}

WallClock systemWallClock()
{
    return [] { return QDateTime::currentDateTimeUtc(); };
}

}  // namespace tiersync
