#pragma once

#include "zoho/tokencache.h"

#include <QHash>
#include <QMutex>

namespace tiersync {

// Process-local TokenCache: shares a token between clients of one process.
class InMemoryTokenCache final : public TokenCache {
public:
    InMemoryTokenCache() = default;

    [[nodiscard]] std::optional<CachedToken> get(const QString &clientId) override;
    void put(const QString &clientId, const CachedToken &token) override;
    void remove(const QString &clientId, const QString &accessToken) override;

private:
    QMutex m_mutex;
    QHash<QString, CachedToken> m_tokens;
};

}  // namespace tiersync
