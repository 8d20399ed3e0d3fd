#pragma once

#include "core/redissettings.h"
#include "core/result.h"
#include "redis/redisreply.h"
#include "redis/redisscanpage.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QMap>
#include <QPair>
#include <QString>
#include <QtGlobal>

#include <memory>
#include <optional>

struct redisContext;

namespace tiersync {

// One synchronous connection to Redis (hiredis, RESP2).
//
// Thread rule: a RedisConnection is NOT thread-safe. Use it from one thread at a time,
// and in practice from the thread that created it: each worker thread gets its own with
// forCurrentThread(), and the reference it returns must never be handed to another
// thread. The thread that owns a worker calls dropForCurrentThread() before it ends
// (thread exit also frees them, as they are thread_local).
//
// Connecting is lazy: the first command connects (redisConnectWithTimeout with
// connectTimeoutMs, then the socket timeout commandTimeoutMs, AUTH if a password is
// set, SELECT if db != 0). A dead or hung server therefore costs at most
// connectTimeoutMs + commandTimeoutMs per call and then returns an Error
// (ErrorKind::Unavailable or ErrorKind::Timeout); nothing blocks forever.
//
// Reconnect: when the connection breaks (server restarted, CLIENT KILL, reset, timeout)
// the context is dropped and the next call connects afresh. Before sending, an idle
// connection the server has already closed is noticed (poll) and replaced, so nothing
// was sent on it and any command may go out on the new one. A command whose
// connection broke while it was in flight may or may not have run; it is retried ONCE
// on a fresh connection only if isRetrySafe() says so: reads (GET, MGET, HMGET, HGETALL,
// EXISTS, TTL, TYPE, SCAN, INFO, MEMORY USAGE, PING, DBSIZE, CLIENT ID …) and writes
// that set a state rather than change it (SET without NX/XX/GET, MSET, HSET/HMSET,
// HDEL, EXPIRE/PEXPIRE/EXPIREAT/PERSIST, DEL/UNLINK, SADD/SREM). After such a retry
// the final state is right, but counts in the reply can be low (UNLINK may report 0
// for keys the lost first attempt already removed). Never retried: INCR-like, list,
// stream, script, MULTI/EXEC, admin commands, and anything after a timeout (the server
// may just be slow; retrying would double the wait).
//
// A Redis error reply (-ERR …, -WRONGTYPE …) becomes an Error carrying the server's
// message (code = its first word); it does not drop the connection.
//
// hiredis 0.14 writes with write(2), which raises SIGPIPE on a socket the server
// closed; the first connection therefore sets SIGPIPE to ignored unless the process
// already installed a handler.
//
// Logs (lcRedis) name the server and the command name, never values or the password.
class RedisConnection final {
public:
    // Commands per pipeline flush: enough to amortise the round trip, small enough to
    // keep the client and server buffers bounded.
    static constexpr int kDefaultPipelineChunk = 10000;

    explicit RedisConnection(RedisSettings settings);
    ~RedisConnection();
    Q_DISABLE_COPY_MOVE(RedisConnection)

    // This thread's connection for these settings (created on first use, one per
    // distinct settings value). See the thread rule above.
    [[nodiscard]] static RedisConnection &forCurrentThread(const RedisSettings &settings);
    // Frees every connection forCurrentThread() made on the calling thread.
    static void dropForCurrentThread();

    [[nodiscard]] const RedisSettings &settings() const { return m_settings; }
    [[nodiscard]] bool isConnected() const;
    // How many times a connection was established (the first one included).
    [[nodiscard]] int connectCount() const { return m_connectCount; }

    // Connects now if not connected (otherwise the first command does).
    [[nodiscard]] Status connect();
    void disconnect();

    // One command, binary-safe arguments (any bytes, NULs included).
    [[nodiscard]] Result<RedisReply> command(const QList<QByteArray> &argv);

    // Many commands, one round trip per chunk of chunkSize commands (or about 16 MiB of
    // arguments, whichever comes first). Replies come back in order, error replies
    // included as RedisReply::isError() items. A connection break is an Error for the
    // whole batch (after one retry of the broken chunk when every command in it
    // isRetrySafe()), never a partial list.
    [[nodiscard]] Result<QList<RedisReply>> pipeline(const QList<QList<QByteArray>> &commands,
                                                     int chunkSize = kDefaultPipelineChunk);

    // Conveniences. Keys and values are raw bytes.
    [[nodiscard]] Status ping();
    [[nodiscard]] Result<std::optional<QByteArray>> get(const QByteArray &key);
    // ttlSeconds > 0 sets an expiry (SET … EX ttlSeconds).
    [[nodiscard]] Status set(const QByteArray &key, const QByteArray &value, qint64 ttlSeconds = 0);
    // Returns the number of fields that were new.
    [[nodiscard]] Result<qint64> hset(const QByteArray &key,
                                      const QList<QPair<QByteArray, QByteArray>> &fields);
    [[nodiscard]] Result<QHash<QByteArray, QByteArray>> hgetall(const QByteArray &key);
    // Returns the number of keys removed.
    [[nodiscard]] Result<qint64> del(const QList<QByteArray> &keys);
    [[nodiscard]] Result<qint64> unlink(const QList<QByteArray> &keys);
    // Returns how many of the keys exist (a key named twice counts twice).
    [[nodiscard]] Result<qint64> exists(const QList<QByteArray> &keys);
    // true if the key existed and now has the expiry.
    [[nodiscard]] Result<bool> expire(const QByteArray &key, qint64 ttlSeconds);
    // Seconds to live; -1 = no expiry, -2 = no such key (as Redis reports them).
    [[nodiscard]] Result<qint64> ttl(const QByteArray &key);
    // "string", "hash", "list", "set", "zset", "stream", or "none" for a missing key.
    [[nodiscard]] Result<QString> type(const QByteArray &key);
    // Bytes the key and its value take (MEMORY USAGE); nullopt for a missing key.
    [[nodiscard]] Result<std::optional<qint64>> memoryUsage(const QByteArray &key);
    // INFO [section] as field → value ("redis_version" → "7.0.15"); section headers
    // and blank lines dropped.
    [[nodiscard]] Result<QMap<QString, QString>> info(const QByteArray &section = {});
    [[nodiscard]] Result<qint64> dbsize();
    // This connection's CLIENT ID (changes after a reconnect).
    [[nodiscard]] Result<qint64> clientId();
    // One SCAN step. count is a hint (≈1000 keeps each call to a few ms); match and
    // type are optional (empty = all). Never KEYS. Escape user text in match with
    // RedisScanner::escapeGlob().
    [[nodiscard]] Result<RedisScanPage> scan(quint64 cursor, const QByteArray &match = {},
                                             int count = 1000, const QByteArray &type = {});

    // Whether a command may be sent again after its connection broke mid-flight.
    [[nodiscard]] static bool isRetrySafe(const QList<QByteArray> &argv);
    // A Redis error reply as an Error (kind from its code: NOAUTH/WRONGPASS → Auth,
    // LOADING/BUSY/… → Unavailable, ERR/WRONGTYPE → InvalidArgument, else Server).
    [[nodiscard]] static Error errorFromReply(const RedisReply &reply);

private:
    struct ContextDeleter {
        void operator()(redisContext *context) const;
    };
    enum class Failure { None, ConnectFailed, Broken, TimedOut };

    [[nodiscard]] Status ensureConnected();
    [[nodiscard]] Status establish();
    [[nodiscard]] bool idleConnectionLooksAlive() const;
    [[nodiscard]] Error dropWithError(const char *what, Failure *failure);
    [[nodiscard]] Result<QList<RedisReply>> runChunk(const QList<QList<QByteArray>> &commands,
                                                     qsizetype begin, qsizetype end, Failure *failure);
    [[nodiscard]] Result<QList<RedisReply>> runChunkWithRetry(const QList<QList<QByteArray>> &commands,
                                                              qsizetype begin, qsizetype end);
    [[nodiscard]] QString serverName() const;

    RedisSettings m_settings;
    RedisSettings::Endpoint m_address;  // the server connected to (with Sentinel: the primary last named)
    std::unique_ptr<redisContext, ContextDeleter> m_context;
    int m_connectCount = 0;
};

}  // namespace tiersync
