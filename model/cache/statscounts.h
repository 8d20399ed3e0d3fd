#pragma once

#include <QByteArray>
#include <QHash>

#include <array>

namespace tiersync {

// What is counted per endpoint (DESIGN.md "Redis key schema", stats hashes). The field
// names are the hash fields in tiersync:v1:stats:{endpoint}:{epoch_minute}; renaming one
// breaks every reader, so add new ones instead.
enum class StatsCounter {
    Requests,        // reads answered (errors included)
    Redis,           // served from Redis
    Postgres,        // served from a fresh PostgreSQL snapshot
    Zoho,            // served from a Zoho fetch (own or shared)
    Stale,           // served from an old snapshot because Zoho failed
    Misses,          // Redis did not answer (absent, corrupt, down, disabled, forced)
    ZohoCalls,       // Zoho fetches made (early refreshes included)
    Errors,          // reads that ended in an error
    Coalesced,       // reads that waited for another caller's fetch
    EarlyRefreshes,  // background refreshes started before expiry (XFetch)
    RedisFailures,   // Redis commands that failed or were skipped while it was down
    PgFailures,      // PostgreSQL calls that failed or were skipped while it was down
    Corrupt,         // Redis values that did not decode
    Count
};

inline constexpr int kStatsCounterCount = int(StatsCounter::Count);

// Latency buckets: upper bounds in microseconds; the last bucket is +Inf.
inline constexpr std::array<qint64, 15> kLatencyBoundsUs = {
    250, 500, 1000, 2000, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
    1000000, 2500000, 5000000, 10000000};
inline constexpr int kLatencyBucketCount = int(kLatencyBoundsUs.size()) + 1;

// A plain copy of the counts (one endpoint, one instance or a sum): for flushing,
// reading back from Redis, the CLI and /metrics.
struct StatsCounts final {
    std::array<quint64, kStatsCounterCount> counters{};
    std::array<quint64, kLatencyBucketCount> latencyBuckets{};  // not cumulative
    quint64 latencySumUs = 0;

    [[nodiscard]] quint64 value(StatsCounter counter) const { return counters[size_t(counter)]; }
    // (redis + postgres) / requests; 0 without requests. Stale answers are not hits:
    // they are what is left when the source is down.
    [[nodiscard]] double hitRate() const;
    // The latency (µs) at quantile q (0..1) from the buckets: the bucket's upper bound.
    [[nodiscard]] qint64 latencyQuantileUs(double q) const;

    StatsCounts &operator+=(const StatsCounts &other);
    // this - older, field by field (the counts since `older` was taken).
    [[nodiscard]] StatsCounts since(const StatsCounts &older) const;
    [[nodiscard]] bool isZero() const;

    // Hash fields and values; zero fields are left out.
    [[nodiscard]] QHash<QByteArray, quint64> toFields() const;
    // Unknown fields are ignored (a newer instance may count more), bad numbers too.
    [[nodiscard]] static StatsCounts fromFields(const QHash<QByteArray, QByteArray> &fields);
};

[[nodiscard]] QByteArray statsCounterField(StatsCounter counter);  // "requests", "redis", …
[[nodiscard]] QByteArray latencyBucketField(int bucket);           // "lat_le_250us" … "lat_le_inf"

}  // namespace tiersync
