#pragma once

#include "cache/statscounts.h"
#include "core/result.h"

#include <QList>
#include <QMap>
#include <QPair>
#include <QString>
#include <QStringList>

namespace tiersync {

class RedisConnection;

// The shared statistics in Redis: tiersync:v1:stats:{endpoint}:{epoch_minute} hashes
// that every instance adds its counts to (HINCRBY, so instances never overwrite each
// other) and that the CLI and console sum. Each hash lives 48 h.
class StatsStore final {
public:
    static constexpr qint64 kTtlSeconds = 48 * 3600;

    explicit StatsStore(RedisConnection &connection);

    // Adds the counts to the endpoints' hashes for that minute, and their zoho_calls
    // summed to the minute's "read" field of tiersync:v1:zoho_calls:{epoch_minute}
    // (ZohoCallStore): one pipelined round trip.
    [[nodiscard]] Status add(qint64 epochMinute, const QList<QPair<QString, StatsCounts>> &counts);

    // The sum over the `minutes` minutes up to and including nowMs's minute, per
    // endpoint (every endpoint named, zero when nothing was counted): one round trip.
    [[nodiscard]] Result<QMap<QString, StatsCounts>> sumRecent(const QStringList &endpoints, qint64 nowMs,
                                                               int minutes = 60);
    // Per endpoint, the counts of each of the `minutes` minutes up to and including
    // nowMs's minute, oldest first (always `minutes` entries, zero where nothing was
    // counted): what the console charts. One pipelined round trip.
    [[nodiscard]] Result<QMap<QString, QList<StatsCounts>>> series(const QStringList &endpoints, qint64 nowMs,
                                                                   int minutes = 60);

    [[nodiscard]] static qint64 epochMinute(qint64 epochMs) { return epochMs / 60000; }

private:
    RedisConnection &m_connection;
};

}  // namespace tiersync
