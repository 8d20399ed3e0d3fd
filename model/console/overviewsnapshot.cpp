#include "console/overviewsnapshot.h"

#include <algorithm>

namespace tiersync {

StatsCounts OverviewSnapshot::total() const
{
    StatsCounts sum;
    for (const Endpoint &endpoint : endpoints)
        sum += endpoint.total;
    return sum;
}

ZohoCallCounts OverviewSnapshot::zohoCallsAt(int minute) const
{
    ZohoCallCounts counts = minute >= 0 && minute < zohoCalls.size() ? zohoCalls.at(minute) : ZohoCallCounts{};
    quint64 reads = 0;
    for (const Endpoint &endpoint : endpoints) {
        if (minute >= 0 && minute < endpoint.perMinute.size())
            reads += endpoint.perMinute.at(minute).value(StatsCounter::ZohoCalls);
    }
    quint64 &read = counts.calls[size_t(ZohoCallPurpose::Read)];
    read = std::max(read, reads);
    return counts;
}

QList<quint64> OverviewSnapshot::zohoCallsPerMinute() const
{
    QList<quint64> calls(minutes, 0);
    for (int i = 0; i < minutes; ++i)
        calls[i] = zohoCallsAt(i).total();
    return calls;
}

QList<quint64> OverviewSnapshot::zohoCallsPerMinute(ZohoCallPurpose purpose) const
{
    QList<quint64> calls(minutes, 0);
    for (int i = 0; i < minutes; ++i)
        calls[i] = zohoCallsAt(i).value(purpose);
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
