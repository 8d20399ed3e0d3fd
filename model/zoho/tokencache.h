#pragma once

#include "core/secret.h"

#include <QDateTime>
#include <QString>

#include <optional>

namespace tiersync {

// An access token and the moment it stops being usable (already minus the safety
// margin).
struct CachedToken final {
    Secret accessToken;
    QDateTime expiresAtUtc;
};

// Where access tokens are kept between refreshes. Zoho allows about 10 refreshes per
// 10 minutes per refresh token, so instances should share one token: a Redis
// implementation (key tiersync:v1:oauth:{client_id}, TTL = lifetime) plugs in here.
// Called on the Zoho client's thread only.
class TokenCache {
public:
    TokenCache() = default;
    virtual ~TokenCache() = default;
    Q_DISABLE_COPY_MOVE(TokenCache)

    [[nodiscard]] virtual std::optional<CachedToken> get(const QString &clientId) = 0;
    virtual void put(const QString &clientId, const CachedToken &token) = 0;
    // Forget the token for clientId, but only if it is still `accessToken` (another
    // instance may already have stored a fresh one).
    virtual void remove(const QString &clientId, const QString &accessToken) = 0;
};

}  // namespace tiersync
