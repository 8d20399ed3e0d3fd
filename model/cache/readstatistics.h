#pragma once

#include "cache/statscounts.h"

#include <QHash>
#include <QString>
#include <QStringList>

#include <array>
#include <atomic>
#include <memory>
#include <vector>

namespace tiersync {

// The in-process counters of the read path, one set per endpoint. Counting is a
// relaxed atomic increment (many server threads count at once; no lock); the set of
// endpoints is fixed at construction, so lookups need no lock either.
class ReadStatistics final {
public:
    explicit ReadStatistics(const QStringList &endpoints);
    ~ReadStatistics();
    Q_DISABLE_COPY_MOVE(ReadStatistics)

    // Unknown endpoints are ignored (a bad request never reaches here anyway).
    void add(const QString &endpoint, StatsCounter counter, quint64 amount = 1);
    void addLatency(const QString &endpoint, qint64 latencyUs);

    [[nodiscard]] const QStringList &endpoints() const { return m_names; }
    // Totals since this process started.
    [[nodiscard]] StatsCounts counts(const QString &endpoint) const;

private:
    struct Counters {
        std::array<std::atomic<quint64>, kStatsCounterCount> counters{};
        std::array<std::atomic<quint64>, kLatencyBucketCount> latencyBuckets{};
        std::atomic<quint64> latencySumUs{0};
    };

    [[nodiscard]] Counters *find(const QString &endpoint) const;

    QStringList m_names;
    std::vector<std::unique_ptr<Counters>> m_counters;
    QHash<QString, Counters *> m_byName;
};

}  // namespace tiersync
