#pragma once

#include "core/error.h"
#include "core/result.h"
#include "core/secret.h"
#include "zoho/oauthtoken.h"

#include <QByteArray>
#include <QString>
#include <QtGlobal>

#include <optional>

namespace tiersync {

// An access token as the store holds it.
struct StoredToken final {
    Secret accessToken;
    qint64 expiresAtMs = 0;    // stop using it then (Zoho's expiry minus the safety margin)
    qint64 refreshedAtMs = 0;
    QString refreshedBy;       // "host:pid" of the process that refreshed it
    // The store's exact record: drop() deletes the token only while it is still this one.
    QByteArray record;
};

// The answer to "may I refresh?".
struct RefreshTicket final {
    enum class Kind {
        Granted,        // this caller holds the refresh lock: ask Zoho, then finishRefresh()
        Present,        // a token is there (another process refreshed): use `present`
        HeldElsewhere,  // another process is refreshing; its lock lasts waitMs more
        Throttled,      // no refresh until untilMs (Zoho said "Access Denied", or the refresh log is full)
    };
    Kind kind = Kind::Granted;
    QByteArray lockValue;      // Granted: the lock's owner value
    qint64 waitMs = 0;         // HeldElsewhere, Throttled: from now
    qint64 untilMs = 0;        // Throttled: epoch ms the window ends, as whoever noticed it wrote it
    std::optional<StoredToken> present;
    // Who: Granted → this process ("host:pid", as the store names it); HeldElsewhere → the
    // lock's owner; Throttled → who noticed ("host:pid") or why ("refresh log full …").
    QString reason;
};

// Where the OAuth access token lives between refreshes, and who may refresh it. Zoho
// allows about ten refreshes per ten minutes per refresh token, so every process of an
// organisation should share one token (RedisTokenStore, model/budget); with nothing
// injected a ZohoAuth keeps its own (InMemoryTokenStore).
//
// Zoho-thread only: a store is used by one ZohoAuth, on its thread. Calls block for at
// most a short Redis timeout; an unreachable backend makes a store fall back to
// process-local behaviour rather than fail the call.
class TokenStore {
public:
    TokenStore() = default;
    virtual ~TokenStore() = default;
    Q_DISABLE_COPY_MOVE(TokenStore)

    // The current token, if any (expired ones are absent).
    [[nodiscard]] virtual Result<std::optional<StoredToken>> load() = 0;
    // Present if a token is there, else Throttled, else Granted (lock taken for lockMs)
    // or HeldElsewhere.
    [[nodiscard]] virtual Result<RefreshTicket> beginRefresh(qint64 lockMs) = 0;
    // Stores the token Zoho issued (expiresInMs already shortened by the safety margin),
    // logs the refresh and releases the lock if the ticket still holds it.
    [[nodiscard]] virtual Result<StoredToken> finishRefresh(const RefreshTicket &ticket, const OAuthToken &token) = 0;
    // The refresh failed (why): release the lock. throttledUntilMs > 0 (epoch ms) makes
    // every caller of beginRefresh() see Throttled until then, with this very instant, so
    // every process names the same end of the window.
    virtual void abandonRefresh(const RefreshTicket &ticket, const Error &why, qint64 throttledUntilMs) = 0;
    // Zoho rejected `failed` (401): forget it, but only while it is still the stored
    // token (compare-and-delete of its record), so a newer one survives.
    virtual void drop(const StoredToken &failed) = 0;
};

}  // namespace tiersync
