#pragma once

#include "cache/instanceheartbeat.h"
#include "core/result.h"

#include <QList>

namespace tiersync {

class RedisConnection;

// The instance heartbeats in Redis (tiersync:v1:instance:{host}:{pid} hashes). Each
// engine rewrites its own every second or so with a TTL of kTtlSeconds, so the live
// hashes are the live instances. Their keys are also listed in one sorted set
// (kRegistryKey, scored by last_seen), so a reader finds them with one ZRANGE instead of
// a SCAN of the whole keyspace — the Overview and Retries pages read them every 1–2 s,
// and a production Redis holds millions of keys. A reader drops the listings whose hash
// has expired; the set itself expires once no instance has published for an hour.
class InstanceStore final {
public:
    static constexpr qint64 kTtlSeconds = 10;
    static constexpr char kRegistryKey[] = "tiersync:v1:instances";
    static constexpr qint64 kRegistryTtlSeconds = 3600;

    explicit InstanceStore(RedisConnection &connection);

    // HSET of every field and EXPIRE, plus the registry entry, one round trip.
    [[nodiscard]] Status publish(const InstanceHeartbeat &heartbeat, qint64 ttlSeconds = kTtlSeconds);
    // Removes this instance's heartbeat (clean shutdown: it disappears at once).
    [[nodiscard]] Status remove(const InstanceHeartbeat &heartbeat);
    // Every live instance, ordered by host then pid: the registry, then one pipelined
    // HGETALL round trip. An instance whose hash has expired is left out.
    [[nodiscard]] Result<QList<InstanceHeartbeat>> readAll();

private:
    RedisConnection &m_connection;
};

}  // namespace tiersync
