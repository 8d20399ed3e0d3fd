#pragma once

#include "core/result.h"
#include "redis/redishashwrite.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QtGlobal>

#include <optional>

namespace tiersync {

class RedisConnection;

// Multi-key work as pipelined round trips: thousands of keys per flush instead of one
// round trip each (DESIGN: checking 1,000 entity states is one round trip). Input is
// sent in chunks of chunkSize commands so client and server buffers stay bounded,
// however long the list. Any failure (connection break, or an error reply such as
// WRONGTYPE on one key) fails the whole call: there are no partial results.
//
// Borrows the connection; same thread rule as RedisConnection.
class RedisBatch final {
public:
    // Keys per MGET command inside a chunk: one MGET of 1,000 keys stays well under a
    // millisecond on the server, so other clients are not held up.
    static constexpr int kKeysPerMget = 1000;

    explicit RedisBatch(RedisConnection &connection, int chunkSize = 10000);
    Q_DISABLE_COPY_MOVE(RedisBatch)

    // Values of the keys, in order; nullopt for a missing key (or one that is not a string).
    [[nodiscard]] Result<QList<std::optional<QByteArray>>> getMany(const QList<QByteArray> &keys);
    // SET each key (EX ttlSeconds when > 0).
    [[nodiscard]] Status setMany(const QList<QPair<QByteArray, QByteArray>> &entries, qint64 ttlSeconds = 0);
    // HMGET the same fields from every hash: result[i][j] is field j of keys[i], nullopt
    // when the hash or the field is missing. The entity-state lookup of the sync path.
    [[nodiscard]] Result<QList<QList<std::optional<QByteArray>>>> hmgetMany(const QList<QByteArray> &keys,
                                                                          const QList<QByteArray> &fields);
    // HSET the fields of each hash, then EXPIRE it (when ttlSeconds > 0). Both are
    // idempotent, so a chunk whose connection broke is retried once as a whole.
    [[nodiscard]] Status hsetExpireMany(const QList<RedisHashWrite> &writes, qint64 ttlSeconds);
    // The same, with best-effort counting commands (HINCRBY …) riding in the last
    // chunk's round trip instead of one of their own. Their error replies never fail
    // the call; true when they were applied. They are not idempotent, so when that
    // chunk's connection breaks it is sent once more without them (the states keep
    // their retry) and the answer is false: the caller counts them again later.
    [[nodiscard]] Result<bool> hsetExpireManyCounting(const QList<RedisHashWrite> &writes, qint64 ttlSeconds,
                                                      const QList<QList<QByteArray>> &counting);
    // UNLINK the keys (batches of kKeysPerMget per command); returns how many existed.
    [[nodiscard]] Result<qint64> unlinkMany(const QList<QByteArray> &keys);

private:
    RedisConnection &m_connection;
    int m_chunkSize;
};

}  // namespace tiersync
