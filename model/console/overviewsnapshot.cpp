#include "console/overviewsnapshot.h"

namespace tiersync {

StatsCounts OverviewSnapshot::total() const
{
    StatsCounts sum;
    for (const Endpoint &endpoint : endpoints)
        sum += endpoint.total;
    return sum;
}

QList<quint64> OverviewSnapshot::zohoCallsPerMinute() const
{
    QList<quint64> calls(minutes, 0);
    for (const Endpoint &endpoint : endpoints) {
        for (int i = 0; i < minutes && i < endpoint.perMinute.size(); ++i)
            calls[i] += endpoint.perMinute.at(i).value(StatsCounter::ZohoCalls);
    }
    return calls;
}

int OverviewSnapshot::instancesWithCircuit(const QString &state) const
{
    int count = 0;
    for (const InstanceHeartbeat &instance : instances)
        count += instance.circuit == state ? 1 : 0;
    return count;
}

int OverviewSnapshot::instancesForcedOff() const
{
    int count = 0;
    for (const InstanceHeartbeat &instance : instances)
        count += instance.cachingForcedOff ? 1 : 0;
    return count;
}

}  // namespace tiersync
