#pragma once

#include <QJsonObject>
#include <QtGlobal>

#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tiersync::sim {

// Access tokens the simulated accounts server issued, each with its expiry and the tenant
// (SimTenants index) it was issued to, plus the knobs tests turn through POST /_sim/oauth.
// Thread-safe.
class SimTokenStore final {
public:
    explicit SimTokenStore(int ttlS);

    // Zoho's token endpoint allows ten tokens per refresh token per rolling ten minutes.
    // A new token for `tenant`, valid for ttlS from nowMs and counted as a refresh, unless
    // `limit` (or, when limit is empty, the "throttle"/"throttle_limit" knobs) tokens were
    // already issued to that tenant within the ten minutes ending at nowMs: then nothing
    // (the caller answers "Access Denied", which is not counted). Check and issue are one
    // step, so concurrent refreshes never pass the limit together.
    [[nodiscard]] std::optional<std::string> issue(int tenant, qint64 nowMs, std::optional<int> limit = {});
    // The tenant a token was issued to while it is valid at nowMs.
    [[nodiscard]] std::optional<int> tenantOf(std::string_view token, qint64 nowMs) const;
    [[nodiscard]] int ttlS() const;
    [[nodiscard]] bool legacyExpiry() const;
    // HTTP status of the throttle's "Access Denied": 200 as Zoho sends it (the default),
    // or 400/429 as some proxies and older tests do.
    [[nodiscard]] int throttleStatus() const;
    // Forgets every tenant's issue log (the throttle windows); tokens stay valid.
    void clearIssueLog();

    // Applies {"legacy_expiry", "revoke_all", "throttle", "throttle_limit",
    // "throttle_status", "token_ttl_s", "reset_count"}; returns an error message or an
    // empty string.
    [[nodiscard]] QString configure(const QJsonObject &changes);
    [[nodiscard]] QJsonObject toJson(qint64 nowMs) const;

private:
    mutable std::mutex m_mutex;
    struct Issued {
        qint64 expiryMs = 0;
        int tenant = 0;
    };
    std::unordered_map<std::string, Issued> m_issued;                // token → expiry, tenant
    std::unordered_map<int, std::deque<qint64>> m_issuedAtMs;        // per tenant, within the window
    int m_ttlS;
    bool m_legacyExpiry = false;
    bool m_throttle = false;
    int m_throttleLimit = 10;
    int m_throttleStatus = 200;
    quint64 m_refreshes = 0;
    quint64 m_revocations = 0;
};

}  // namespace tiersync::sim
