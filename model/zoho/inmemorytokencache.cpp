#include "zoho/inmemorytokencache.h"

#include <QMutexLocker>

namespace tiersync {

std::optional<CachedToken> InMemoryTokenCache::get(const QString &clientId)
{
    const QMutexLocker locker(&m_mutex);
    const auto it = m_tokens.constFind(clientId);
    if (it == m_tokens.constEnd())
        return std::nullopt;
    return *it;
}

void InMemoryTokenCache::put(const QString &clientId, const CachedToken &token)
{
    const QMutexLocker locker(&m_mutex);
    m_tokens.insert(clientId, token);
}

void InMemoryTokenCache::remove(const QString &clientId, const QString &accessToken)
{
    const QMutexLocker locker(&m_mutex);
    const auto it = m_tokens.find(clientId);
    if (it != m_tokens.end() && it->accessToken.reveal() == accessToken)
        m_tokens.erase(it);
}

}  // namespace tiersync
