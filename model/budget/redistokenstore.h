#pragma once

#include "core/epochclock.h"
#include "core/redissettings.h"
#include "core/zohosettings.h"
#include "zoho/inmemorytokenstore.h"
#include "zoho/tokenstore.h"

#include <QDeadlineTimer>

#include <memory>

namespace tiersync {

class RedisConnection;
class RedisReply;
class TokenCipher;

// One OAuth access token for every process that reads the same Zoho client, kept in
// Redis (DESIGN.md key table; all keys under tiersync:v1:oauth:{client_id}):
//   (key)        string  v1.<expires_at_ms>.<refreshed_at_ms>.<b64url(host:pid)>.<b64url(iv‖ct‖tag)>,
//                        PX = until expires_at (the token sealed by TokenCipher; never in clear)
//   :lock        string  owner value ("host:pid:<random>:<seq>"), SET NX PX lockMs: who refreshes now
//   :refreshes   zset    member owner, score refresh time; the last window (600 s) kept,
//                        at most refreshLimit (10) refreshes begin per window
//   :throttled   string  "<until_ms>|<host:pid>" PX until the window ends: Zoho said
//                        "Access Denied", nobody asks until then
// The refresh token never goes to Redis. Scripts: lua/token_begin, token_finish,
// token_abandon, cad (compiled in, run by EVALSHA).
//
// Zoho-thread only: it talks to Redis through RedisConnection::forCurrentThread() with
// connect and command timeouts of at most timeoutMs (300 ms). When Redis cannot be
// reached (or answers nonsense) the store falls back to an InMemoryTokenStore for
// fallbackRetryMs (1 s) at a time, so a dead Redis costs the Zoho thread at most one
// timeout per second: the token stays in memory, this process refreshes on its own,
// but at most refreshLimit / fallbackInstances (2) times per window, counting the
// refreshes it made through Redis within that window. A token refreshed while Redis was
// away is published (SET NX) once Redis answers again. A record that does not open with
// this client secret is treated as absent and deleted (compare-and-delete).
class RedisTokenStore final : public TokenStore {
public:
    struct Options {
        EpochClock clock;               // null: the system clock (now_ms of every script)
        QString owner;                  // "who refreshed"; empty: this host:pid
        int timeoutMs = 300;            // connect and command timeouts (lower ones kept)
        qint64 fallbackRetryMs = 1000;  // Redis is not tried again for this long after a failure
        int refreshLimit = 10;          // Zoho: 10 access tokens per 10 minutes
        qint64 refreshWindowMs = 600000;
        int fallbackInstances = 4;      // processes assumed to share the limit without Redis
    };

    RedisTokenStore(RedisSettings redis, ZohoSettings zoho);
    RedisTokenStore(RedisSettings redis, ZohoSettings zoho, Options options);
    ~RedisTokenStore() override;
    Q_DISABLE_COPY_MOVE(RedisTokenStore)

    [[nodiscard]] Result<std::optional<StoredToken>> load() override;
    [[nodiscard]] Result<RefreshTicket> beginRefresh(qint64 lockMs) override;
    [[nodiscard]] Result<StoredToken> finishRefresh(const RefreshTicket &ticket, const OAuthToken &token) override;
    void abandonRefresh(const RefreshTicket &ticket, const Error &why, qint64 throttledUntilMs) override;
    void drop(const StoredToken &failed) override;

    // False while falling back to memory (Redis failed less than fallbackRetryMs ago).
    [[nodiscard]] bool usingRedis() const;
    [[nodiscard]] const QByteArray &key() const { return m_key; }
    [[nodiscard]] static QByteArray keyFor(const QString &clientId);

private:
    [[nodiscard]] RedisConnection *connection();
    void fallBack(const Error &error);
    [[nodiscard]] Result<RedisReply> run(int script, const QList<QByteArray> &keys, const QList<QByteArray> &args);
    // A record from Redis as a token, or nullopt (and deleted) if it does not open.
    [[nodiscard]] std::optional<StoredToken> open(const QByteArray &record);
    [[nodiscard]] Result<RefreshTicket> beginOnRedis(qint64 lockMs, bool retryAfterBadRecord);
    void publishLocalToken();

    RedisSettings m_redis;
    QByteArray m_key;
    QByteArray m_lockKey;
    QByteArray m_refreshesKey;
    QByteArray m_throttledKey;
    std::unique_ptr<TokenCipher> m_cipher;
    Options m_options;
    EpochClock m_clock;
    InMemoryTokenStore m_local;
    QDeadlineTimer m_redisRetry;  // expired: Redis may be tried
    QByteArray m_lockPrefix;  // "host:pid:<random>:" then a sequence number
    bool m_unpublished = false;
    quint64 m_sequence = 0;
};

// The composition root's way to share one token between the processes of an
// organisation: a RedisTokenStore on redis for zoho's client (clock: now_ms of the
// scripts and token expiry; null = system clock). One per ZohoService.
[[nodiscard]] std::shared_ptr<TokenStore> makeRedisTokenStore(const RedisSettings &redis, const ZohoSettings &zoho,
                                                              EpochClock clock = {});

}  // namespace tiersync
