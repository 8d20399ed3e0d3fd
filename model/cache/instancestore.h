#pragma once

#include "cache/instanceheartbeat.h"
#include "core/result.h"

#include <QList>

namespace tiersync {

class RedisConnection;

// The instance heartbeats in Redis (tiersync:v1:instance:{host}:{pid} hashes). Each
// engine rewrites its own every second or so with a TTL of kTtlSeconds, so the set of
// keys is the set of live instances; readers find them with SCAN MATCH, never KEYS.
class InstanceStore final {
public:
    static constexpr qint64 kTtlSeconds = 10;

    explicit InstanceStore(RedisConnection &connection);

    // HSET of every field and EXPIRE, one round trip.
    [[nodiscard]] Status publish(const InstanceHeartbeat &heartbeat, qint64 ttlSeconds = kTtlSeconds);
    // Removes this instance's heartbeat (clean shutdown: it disappears at once).
    [[nodiscard]] Status remove(const InstanceHeartbeat &heartbeat);
    // Every live instance, ordered by host then pid: a SCAN walk, then one pipelined
    // HGETALL round trip. A key that expired in between is left out.
    [[nodiscard]] Result<QList<InstanceHeartbeat>> readAll();

private:
    RedisConnection &m_connection;
};

}  // namespace tiersync
