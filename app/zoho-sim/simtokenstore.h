#pragma once

#include <QJsonObject>
#include <QtGlobal>

#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tiersync::sim {

// Access tokens the simulated accounts server issued, with their expiry, plus the
// knobs tests turn through POST /_sim/oauth. Thread-safe.
class SimTokenStore final {
public:
    explicit SimTokenStore(int ttlS);

    // A new token valid for ttlS from nowMs; counts as a refresh.
    [[nodiscard]] std::string issue(qint64 nowMs);
    [[nodiscard]] bool isValid(std::string_view token, qint64 nowMs) const;
    // Zoho's token endpoint allows about ten tokens per ten minutes; with the throttle
    // on, true when that many were issued within the window ending at nowMs.
    [[nodiscard]] bool throttled(qint64 nowMs);
    [[nodiscard]] int ttlS() const;
    [[nodiscard]] bool legacyExpiry() const;

    // Applies {"legacy_expiry", "revoke_all", "throttle", "throttle_limit",
    // "token_ttl_s", "reset_count"}; returns an error message or an empty string.
    [[nodiscard]] QString configure(const QJsonObject &changes);
    [[nodiscard]] QJsonObject toJson(qint64 nowMs) const;

private:
    mutable std::mutex m_mutex;
    std::unordered_map<std::string, qint64> m_expiryMs;  // token → expiry
    std::deque<qint64> m_issuedAtMs;                      // within the throttle window
    int m_ttlS;
    bool m_legacyExpiry = false;
    bool m_throttle = false;
    int m_throttleLimit = 10;
    quint64 m_refreshes = 0;
    quint64 m_revocations = 0;
};

}  // namespace tiersync::sim
