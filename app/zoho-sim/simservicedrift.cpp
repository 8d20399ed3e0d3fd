// SimService's drift fault (simdrift.h) and the orders a Books list can be asked for.
#include "simservice.h"

#include <algorithm>
#include <numeric>

namespace tiersync::sim {

void SimService::driftAfterPage(SimEntity entity, const std::string &path, long long cursorEnd)
{
    const auto step = m_drift.take(path);
    if (!step)
        return;
    SimDrift::Changes changes;
    {
        std::unique_lock lock(m_dataMutex);
        changes = SimDrift::apply(m_data, entity, *step, cursorEnd, nowSeconds());
    }
    m_drift.record(entity, changes);
}

// Indices of `records` (kept in name order) in the asked order; ties keep the name order.
std::vector<int> SimService::booksOrder(const std::vector<SimRecord> &records, const QString &column,
                                        bool descending)
{
    std::vector<int> order(records.size());
    std::iota(order.begin(), order.end(), 0);
    if (column == QLatin1String("last_modified_time") || column == QLatin1String("created_time")) {
        const bool modified = column == QLatin1String("last_modified_time");
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
            const SimRecord &left = records[size_t(a)];
            const SimRecord &right = records[size_t(b)];
            const qint64 l = modified ? left.modifiedS : left.createdS;
            const qint64 r = modified ? right.modifiedS : right.createdS;
            return descending ? l > r : l < r;
        });
    } else if (descending) {
        std::reverse(order.begin(), order.end());
    }
    return order;
}

}  // namespace tiersync::sim
