#pragma once

#include "cache/zohocallcounts.h"
#include "core/result.h"

#include <QByteArray>
#include <QList>

namespace tiersync {

class RedisConnection;

// The organisation's Zoho calls per minute in Redis: one hash per minute,
// tiersync:v1:zoho_calls:{epoch_minute}, a field per purpose that every instance adds
// to (HINCRBY), kept 48 h like the statistics. Writers put addCommands() into a
// pipeline they send anyway (the stats flush, a sync's state writes, a webhook's), so
// counting costs no round trip of its own; add() is for when there is none.
class ZohoCallStore final {
public:
    static constexpr qint64 kTtlSeconds = 48 * 3600;

    explicit ZohoCallStore(RedisConnection &connection);

    // HINCRBY + EXPIRE for that minute; empty when calls is 0.
    [[nodiscard]] static QList<QList<QByteArray>> addCommands(qint64 epochMinute, ZohoCallPurpose purpose,
                                                              quint64 calls);
    [[nodiscard]] Status add(qint64 epochMinute, ZohoCallPurpose purpose, quint64 calls);

    // The counts of each of the `minutes` minutes up to and including nowMs's minute,
    // oldest first (always `minutes` entries, zero where nothing was counted): one
    // pipelined round trip.
    [[nodiscard]] Result<QList<ZohoCallCounts>> series(qint64 nowMs, int minutes = 60);
    // Their sum.
    [[nodiscard]] Result<ZohoCallCounts> sumRecent(qint64 nowMs, int minutes = 60);

private:
    RedisConnection &m_connection;
};

}  // namespace tiersync
