#include "budget/zohobudgetusage.h"

#include <numeric>

namespace tiersync {

int ZohoBudgetInstanceUse::totalWindowUsed() const
{
    return std::accumulate(windowUsed.begin(), windowUsed.end(), 0);
}

int ZohoBudgetInstanceUse::totalInFlight() const
{
    return std::accumulate(inFlight.begin(), inFlight.end(), 0);
}

const ZohoBudgetInstanceUse *ZohoBudgetUsage::instance(const QString &instanceId) const
{
    for (const ZohoBudgetInstanceUse &use : instances) {
        if (use.instanceId == instanceId)
            return &use;
    }
    return nullptr;
}

}  // namespace tiersync
