#pragma once

#include "core/result.h"
#include "redis/redisreply.h"

#include <QByteArray>
#include <QList>

namespace tiersync {

class RedisConnection;

// A Lua script run by its SHA-1 (EVALSHA), so the source crosses the wire only when the
// server does not know it yet: after a restart, a failover or SCRIPT FLUSH it answers
// NOSCRIPT and run() sends EVAL once, which caches it again.
//
// A script is never sent again after its connection broke mid-flight (RedisConnection
// never retries EVAL/EVALSHA): it may have run, so the caller gets an Error
// (Unavailable, Timeout or Protocol, "outcome unknown") and decides what an unknown
// outcome means for it. Error replies map as RedisConnection::errorFromReply() does
// (code = first word: ERR, WRONGTYPE, or whatever redis.error_reply() gave).
class RedisScript final {
public:
    explicit RedisScript(QByteArray source);

    [[nodiscard]] const QByteArray &source() const { return m_source; }
    // Lower-case hex SHA-1 of the source, as SCRIPT LOAD returns it.
    [[nodiscard]] const QByteArray &sha1() const { return m_sha1; }

    [[nodiscard]] Result<RedisReply> run(RedisConnection &connection, const QList<QByteArray> &keys,
                                         const QList<QByteArray> &args) const;

    // EVALSHA sha numkeys keys… args…, for a pipeline (whose caller handles NOSCRIPT).
    [[nodiscard]] QList<QByteArray> evalShaCommand(const QList<QByteArray> &keys,
                                                   const QList<QByteArray> &args) const;
    [[nodiscard]] QList<QByteArray> evalCommand(const QList<QByteArray> &keys,
                                                const QList<QByteArray> &args) const;

private:
    QByteArray m_source;
    QByteArray m_sha1;
};

}  // namespace tiersync
