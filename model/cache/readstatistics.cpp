#include "cache/readstatistics.h"

#include <algorithm>

namespace tiersync {

ReadStatistics::ReadStatistics(const QStringList &endpoints)
    : m_names(endpoints)
{
    for (const QString &name : endpoints) {
        m_counters.push_back(std::make_unique<Counters>());
        m_byName.insert(name, m_counters.back().get());
    }
}

ReadStatistics::~ReadStatistics() = default;

ReadStatistics::Counters *ReadStatistics::find(const QString &endpoint) const
{
    return m_byName.value(endpoint, nullptr);
}

void ReadStatistics::add(const QString &endpoint, StatsCounter counter, quint64 amount)
{
    if (Counters *counters = find(endpoint))
        counters->counters[size_t(counter)].fetch_add(amount, std::memory_order_relaxed);
}

void ReadStatistics::addLatency(const QString &endpoint, qint64 latencyUs)
{
    Counters *counters = find(endpoint);
    if (!counters)
        return;
    latencyUs = qMax<qint64>(latencyUs, 0);
    const auto bound = std::lower_bound(kLatencyBoundsUs.begin(), kLatencyBoundsUs.end(), latencyUs);
    const auto bucket = size_t(bound - kLatencyBoundsUs.begin());
    counters->latencyBuckets[bucket].fetch_add(1, std::memory_order_relaxed);
    counters->latencySumUs.fetch_add(quint64(latencyUs), std::memory_order_relaxed);
}

StatsCounts ReadStatistics::counts(const QString &endpoint) const
{
    StatsCounts out;
    const Counters *counters = find(endpoint);
    if (!counters)
        return out;
    for (size_t i = 0; i < out.counters.size(); ++i)
        out.counters[i] = counters->counters[i].load(std::memory_order_relaxed);
    for (size_t i = 0; i < out.latencyBuckets.size(); ++i)
        out.latencyBuckets[i] = counters->latencyBuckets[i].load(std::memory_order_relaxed);
    out.latencySumUs = counters->latencySumUs.load(std::memory_order_relaxed);
    return out;
}

}  // namespace tiersync
