#pragma once

#include "core/result.h"
#include "simlimitconfig.h"

#include <QJsonObject>
#include <QtGlobal>

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace tiersync::sim {

class SimTenants;

// Zoho's limits per tenant, and what each tenant did against them (GET /_sim/stats
// "limits"). Books and Inventory count per organisation: any rolling 60 s (code 44), the
// UTC calendar day (45) and requests in flight (1070). CRM counts per client: requests in
// flight and credits over a rolling 24 h (TOO_MANY_REQUESTS). OAuth: tokens issued (the
// throttle itself is SimTokenStore's). Counting and peaks run whether or not the limits
// are enabled; only rejecting depends on it.
//
// What is counted: a request the sim could attribute to a tenant (valid token, and for
// Books its tenant's organization_id) and admitted. A rejected request counts against no
// window, day or credit budget (Zoho does not count rejected calls toward the day; the
// sim does the same for the minute, so a client retrying into a 44 gets through as soon
// as the window slides), only in "rejections". Thread-safe: one mutex, O(1) amortised per
// request.
class SimLimits final {
public:
    enum class Family { Books, Inventory, Crm, OAuth };
    enum class Verdict { Admitted, PerMinute, PerDay, Concurrency, Credits };
    using Headers = std::vector<std::pair<std::string, std::string>>;
    struct Admission {
        Verdict verdict = Verdict::Admitted;
        // Sent with the answer while limits are enabled: X-Rate-Limit-Limit/-Remaining/
        // -Reset (Books, Inventory; the per-minute window) or X-API-CREDITS-REMAINING (CRM,
        // once half the credits are spent).
        Headers headers;
    };

    explicit SimLimits(SimLimitConfig config);
    Q_DISABLE_COPY_MOVE(SimLimits)
    ~SimLimits();

    [[nodiscard]] SimLimitConfig config() const;
    // Applies a POST /_sim/limits body (SimLimitConfig::merged) and, with
    // "reset_budgets": true, forgets every tenant's windows, day and credits (not stats).
    [[nodiscard]] Result<SimLimitConfig> configure(const QJsonObject &changes);

    // A Books, Inventory or CRM request of `tenant` arriving at nowMs. Admitted, it takes
    // an in-flight slot that release() must give back on every path.
    [[nodiscard]] Admission admit(int tenant, Family family, qint64 nowMs);
    void release(int tenant, Family family);
    // A token request of `tenant`: issued, or refused by the throttle.
    void recordToken(int tenant, qint64 nowMs, bool issued);

    // Zeroes totals, peaks and rejections; budgets (windows, day, credits, in flight) stay.
    void resetStats();
    // {"enabled","now_ms","tenants":{"<org_id>":{"client_id","books":{…},"inventory":{…},
    //  "crm":{…},"oauth":{…}}}}; see README.md for each family's keys.
    [[nodiscard]] QJsonObject statsJson(const SimTenants &tenants, qint64 nowMs) const;

private:
    struct Usage;
    Usage &usage(int tenant, Family family);

    mutable std::mutex m_mutex;
    SimLimitConfig m_config;
    std::vector<std::array<std::unique_ptr<Usage>, 4>> m_usage;  // [tenant][family]
};

}  // namespace tiersync::sim
