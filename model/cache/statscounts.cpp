#include "cache/statscounts.h"

namespace tiersync {

namespace {

constexpr std::array<const char *, kStatsCounterCount> kCounterFields = {
    "requests", "redis", "postgres", "zoho", "stale", "misses", "zoho_calls", "errors",
    "coalesced", "early_refreshes", "redis_failures", "pg_failures", "corrupt"};

constexpr char kLatencySumField[] = "lat_sum_us";

}  // namespace

QByteArray statsCounterField(StatsCounter counter)
{
    return QByteArray(kCounterFields[size_t(counter)]);
}

QByteArray latencyBucketField(int bucket)
{
    if (bucket >= int(kLatencyBoundsUs.size()))
        return QByteArrayLiteral("lat_le_inf");
    return "lat_le_" + QByteArray::number(kLatencyBoundsUs[size_t(bucket)]) + "us";
}

double StatsCounts::hitRate() const
{
    const quint64 requests = value(StatsCounter::Requests);
    if (requests == 0)
        return 0.0;
    return double(value(StatsCounter::Redis) + value(StatsCounter::Postgres)) / double(requests);
}

qint64 StatsCounts::latencyQuantileUs(double q) const
{
    quint64 total = 0;
    for (quint64 count : latencyBuckets)
        total += count;
    if (total == 0)
        return 0;
    const double wanted = q * double(total);
    quint64 seen = 0;
    for (int i = 0; i < kLatencyBucketCount; ++i) {
        seen += latencyBuckets[size_t(i)];
        if (double(seen) >= wanted && seen > 0)
            return i < int(kLatencyBoundsUs.size()) ? kLatencyBoundsUs[size_t(i)] : -1;
    }
    return -1;
}

StatsCounts &StatsCounts::operator+=(const StatsCounts &other)
{
    for (size_t i = 0; i < counters.size(); ++i)
        counters[i] += other.counters[i];
    for (size_t i = 0; i < latencyBuckets.size(); ++i)
        latencyBuckets[i] += other.latencyBuckets[i];
    latencySumUs += other.latencySumUs;
    return *this;
}

StatsCounts StatsCounts::since(const StatsCounts &older) const
{
    StatsCounts delta;
    for (size_t i = 0; i < counters.size(); ++i)
        delta.counters[i] = counters[i] - older.counters[i];
    for (size_t i = 0; i < latencyBuckets.size(); ++i)
        delta.latencyBuckets[i] = latencyBuckets[i] - older.latencyBuckets[i];
    delta.latencySumUs = latencySumUs - older.latencySumUs;
    return delta;
}

bool StatsCounts::isZero() const
{
    for (quint64 count : counters) {
        if (count != 0)
            return false;
    }
    for (quint64 count : latencyBuckets) {
        if (count != 0)
            return false;
    }
    return latencySumUs == 0;
}

QHash<QByteArray, quint64> StatsCounts::toFields() const
{
    QHash<QByteArray, quint64> fields;
    for (int i = 0; i < kStatsCounterCount; ++i) {
        if (counters[size_t(i)] != 0)
            fields.insert(statsCounterField(StatsCounter(i)), counters[size_t(i)]);
    }
    for (int i = 0; i < kLatencyBucketCount; ++i) {
        if (latencyBuckets[size_t(i)] != 0)
            fields.insert(latencyBucketField(i), latencyBuckets[size_t(i)]);
    }
    if (latencySumUs != 0)
        fields.insert(QByteArray(kLatencySumField), latencySumUs);
    return fields;
}

StatsCounts StatsCounts::fromFields(const QHash<QByteArray, QByteArray> &fields)
{
    StatsCounts counts;
    const auto read = [&](const QByteArray &field, quint64 *out) {
        const auto it = fields.constFind(field);
        if (it == fields.constEnd())
            return;
        bool ok = false;
        const qint64 number = it.value().toLongLong(&ok);
        if (ok && number > 0)
            *out = quint64(number);
    };
    for (int i = 0; i < kStatsCounterCount; ++i)
        read(statsCounterField(StatsCounter(i)), &counts.counters[size_t(i)]);
    for (int i = 0; i < kLatencyBucketCount; ++i)
        read(latencyBucketField(i), &counts.latencyBuckets[size_t(i)]);
    read(QByteArray(kLatencySumField), &counts.latencySumUs);
    return counts;
}

}  // namespace tiersync
