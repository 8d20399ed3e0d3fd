#include "simtokenstore.h"

#include <random>

namespace tiersync::sim {
namespace {

constexpr qint64 throttleWindowMs = 10 * 60 * 1000;

}  // namespace

SimTokenStore::SimTokenStore(int ttlS) : m_ttlS(ttlS) {}

std::string SimTokenStore::issue(qint64 nowMs)
{
    thread_local std::mt19937_64 random{std::random_device{}()};
    static constexpr char hex[] = "0123456789abcdef";
    std::string token = "1000.";
    auto appendHex = [&token](quint64 bits) {
        for (int i = 0; i < 16; ++i)
            token.push_back(hex[(bits >> (i * 4)) & 0xF]);
    };
    appendHex(random());
    token.push_back('.');
    appendHex(random());
    std::lock_guard lock(m_mutex);
    // Forget expired tokens now and then, so long runs do not grow without bound.
    if (m_expiryMs.size() > 4096) {
        for (auto it = m_expiryMs.begin(); it != m_expiryMs.end();)
            it = it->second <= nowMs ? m_expiryMs.erase(it) : std::next(it);
    }
    m_expiryMs[token] = nowMs + static_cast<qint64>(m_ttlS) * 1000;
    m_issuedAtMs.push_back(nowMs);
    ++m_refreshes;
    return token;
}

bool SimTokenStore::isValid(std::string_view token, qint64 nowMs) const
{
    std::lock_guard lock(m_mutex);
    const auto it = m_expiryMs.find(std::string(token));
    return it != m_expiryMs.end() && it->second > nowMs;
}

bool SimTokenStore::throttled(qint64 nowMs)
{
    std::lock_guard lock(m_mutex);
    while (!m_issuedAtMs.empty() && m_issuedAtMs.front() <= nowMs - throttleWindowMs)
        m_issuedAtMs.pop_front();
    return m_throttle && static_cast<int>(m_issuedAtMs.size()) >= m_throttleLimit;
}

int SimTokenStore::ttlS() const
{
    std::lock_guard lock(m_mutex);
    return m_ttlS;
}

bool SimTokenStore::legacyExpiry() const
{
    std::lock_guard lock(m_mutex);
    return m_legacyExpiry;
}

QString SimTokenStore::configure(const QJsonObject &changes)
{
    std::lock_guard lock(m_mutex);
    for (auto it = changes.begin(); it != changes.end(); ++it) {
        const QString &key = it.key();
        if (key == QLatin1String("legacy_expiry") || key == QLatin1String("throttle")
            || key == QLatin1String("revoke_all") || key == QLatin1String("reset_count")) {
            if (!it.value().isBool())
                return QStringLiteral("%1: expected true or false").arg(key);
        } else if (key == QLatin1String("token_ttl_s") || key == QLatin1String("throttle_limit")) {
            if (it.value().toInt(0) < 1)
                return QStringLiteral("%1: expected a positive number").arg(key);
        } else {
            return QStringLiteral("unknown oauth control '%1'").arg(key);
        }
    }
    m_legacyExpiry = changes.value(QLatin1String("legacy_expiry")).toBool(m_legacyExpiry);
    m_throttle = changes.value(QLatin1String("throttle")).toBool(m_throttle);
    m_throttleLimit = changes.value(QLatin1String("throttle_limit")).toInt(m_throttleLimit);
    m_ttlS = changes.value(QLatin1String("token_ttl_s")).toInt(m_ttlS);
    if (changes.value(QLatin1String("revoke_all")).toBool(false)) {
        m_expiryMs.clear();
        ++m_revocations;
    }
    if (changes.value(QLatin1String("reset_count")).toBool(false)) {
        m_refreshes = 0;
        m_issuedAtMs.clear();
    }
    return {};
}

QJsonObject SimTokenStore::toJson(qint64 nowMs) const
{
    std::lock_guard lock(m_mutex);
    int active = 0;
    for (const auto &[token, expiryMs] : m_expiryMs)
        active += expiryMs > nowMs ? 1 : 0;
    return QJsonObject{
        {QStringLiteral("legacy_expiry"), m_legacyExpiry},
        {QStringLiteral("throttle"), m_throttle},
        {QStringLiteral("throttle_limit"), m_throttleLimit},
        {QStringLiteral("token_ttl_s"), m_ttlS},
        {QStringLiteral("refreshes"), static_cast<qint64>(m_refreshes)},
        {QStringLiteral("revocations"), static_cast<qint64>(m_revocations)},
        {QStringLiteral("active_tokens"), active},
    };
}

}  // namespace tiersync::sim
