#pragma once

#include "core/epochclock.h"
#include "core/pgsettings.h"
#include "core/result.h"
#include "core/secret.h"
#include "server/apikey.h"

#include <QByteArrayView>
#include <QString>

#include <memory>

namespace tiersync {

// Checks `Authorization: Bearer <key>` for HttpServer against tiersync.api_keys.
//
// A key's row is cached per server for cacheTtlMs (30 s): a hit costs a SHA-256 of the
// presented key, a constant-time compare and a per-key lock, never a PostgreSQL round
// trip, and a revoke reaches every server within that time. Unknown prefixes are cached
// too, so a stream of made-up keys costs one lookup per prefix and TTL, one lookup at a
// time. While PostgreSQL cannot be reached a key seen lately keeps its last answer for
// staleGraceMs (reads keep answering from Redis meanwhile), tried again every 5 s; a key
// never seen is refused with 503. Each key has a token bucket (rateLimitPerSecond, rateLimitBurst): an empty
// bucket answers 429 with the seconds until a token is back. last_used_at is written at
// most once per usageWriteIntervalMs per key, never by a request. Lookups and writes run
// on one thread of the authenticator's with one PostgreSQL connection.
//
// Nothing here logs a key: only its prefix, which is its public id.
class ApiKeyAuthenticator final {
public:
    struct Options {
        EpochClock clock;                   // null: the system clock (cache ages, buckets, last_used_at)
        int cacheTtlMs = 30000;
        int staleGraceMs = 600000;
        int rateLimitPerSecond = 200;       // per key, sustained; 0: no limit
        int rateLimitBurst = 400;           // per key, at once (at least 1)
        int usageWriteIntervalMs = 60000;
        int usageFlushTickMs = 5000;        // 0: no periodic write (call flushUsage())
        int maxCachedKeys = 10000;
    };

    enum class Outcome {
        Allowed,
        Missing,      // no Authorization header, or not a Bearer one → 401
        Invalid,      // not a key, unknown, or the secret does not match → 401
        Revoked,      // → 401
        WrongScope,   // a good key without the route's scope → 403
        RateLimited,  // → 429, retryAfterSeconds
        Unavailable,  // the key could not be looked up (PostgreSQL down) → 503
    };
    struct Decision {
        Outcome outcome = Outcome::Invalid;
        int retryAfterSeconds = 0;
        QString prefix;  // the presented key's public prefix, when it had a key's shape
    };

    ApiKeyAuthenticator(PgSettings pg, Options options);
    // Stops its thread after a last write of pending uses.
    ~ApiKeyAuthenticator();
    Q_DISABLE_COPY_MOVE(ApiKeyAuthenticator)

    // A key this authenticator alone accepts: held in memory, never stored, never
    // expiring, no last_used_at (the console's embedded server and its traffic
    // generator). Before serving. InvalidArgument if key does not have a key's shape.
    [[nodiscard]] Status addLocalKey(const Secret &key, ApiScopes scopes);

    // From any HTTP worker thread; may block on a PostgreSQL lookup on a cache miss.
    // authorization: the Authorization header's value (empty when there was none).
    [[nodiscard]] Decision authorize(QByteArrayView authorization, ApiScope needed);

    // Writes the uses of keys due for a last_used_at (its thread does every
    // usageFlushTickMs); from any thread, waits for the write.
    [[nodiscard]] Status flushUsage();

    [[nodiscard]] const Options &options() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

}  // namespace tiersync
