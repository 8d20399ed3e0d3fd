#include "simtokenstore.h"

#include <random>

namespace tiersync::sim {
namespace {

constexpr qint64 throttleWindowMs = 10 * 60 * 1000;

}  // namespace

SimTokenStore::SimTokenStore(int ttlS) : m_ttlS(ttlS) {}

std::optional<std::string> SimTokenStore::issue(int tenant, qint64 nowMs, std::optional<int> limit)
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
    std::deque<qint64> &log = m_issuedAtMs[tenant];
    while (!log.empty() && log.front() <= nowMs - throttleWindowMs)
        log.pop_front();
    if (!limit && m_throttle)
        limit = m_throttleLimit;
    if (limit && static_cast<int>(log.size()) >= *limit)
        return std::nullopt;
    // Forget expired tokens now and then, so long runs do not grow without bound.
    if (m_issued.size() > 4096) {
        for (auto it = m_issued.begin(); it != m_issued.end();)
            it = it->second.expiryMs <= nowMs ? m_issued.erase(it) : std::next(it);
    }
    m_issued[token] = Issued{nowMs + static_cast<qint64>(m_ttlS) * 1000, tenant};
    log.push_back(nowMs);
    ++m_refreshes;
    return token;
}

std::optional<int> SimTokenStore::tenantOf(std::string_view token, qint64 nowMs) const
{
    std::lock_guard lock(m_mutex);
    const auto it = m_issued.find(std::string(token));
    if (it == m_issued.end() || it->second.expiryMs <= nowMs)
        return std::nullopt;
    return it->second.tenant;
}

void SimTokenStore::clearIssueLog()
{
    std::lock_guard lock(m_mutex);
    m_issuedAtMs.clear();
}

int SimTokenStore::throttleStatus() const
{
    std::lock_guard lock(m_mutex);
    return m_throttleStatus;
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
        } else if (key == QLatin1String("throttle_status")) {
            const int status = it.value().toInt(0);
            if (status != 200 && status != 400 && status != 429)
                return QStringLiteral("throttle_status: expected 200, 400 or 429");
        } else {
            return QStringLiteral("unknown oauth control '%1'").arg(key);
        }
    }
    m_legacyExpiry = changes.value(QLatin1String("legacy_expiry")).toBool(m_legacyExpiry);
    m_throttle = changes.value(QLatin1String("throttle")).toBool(m_throttle);
    m_throttleLimit = changes.value(QLatin1String("throttle_limit")).toInt(m_throttleLimit);
    m_throttleStatus = changes.value(QLatin1String("throttle_status")).toInt(m_throttleStatus);
    m_ttlS = changes.value(QLatin1String("token_ttl_s")).toInt(m_ttlS);
    if (changes.value(QLatin1String("revoke_all")).toBool(false)) {
        m_issued.clear();
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
    for (const auto &[token, issued] : m_issued)
        active += issued.expiryMs > nowMs ? 1 : 0;
    return QJsonObject{
        {QStringLiteral("legacy_expiry"), m_legacyExpiry},
        {QStringLiteral("throttle"), m_throttle},
        {QStringLiteral("throttle_limit"), m_throttleLimit},
        {QStringLiteral("throttle_status"), m_throttleStatus},
        {QStringLiteral("token_ttl_s"), m_ttlS},
        {QStringLiteral("refreshes"), static_cast<qint64>(m_refreshes)},
        {QStringLiteral("revocations"), static_cast<qint64>(m_revocations)},
        {QStringLiteral("active_tokens"), active},
    };
}

}  // namespace tiersync::sim
