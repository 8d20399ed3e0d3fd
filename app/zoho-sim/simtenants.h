#pragma once

#include "core/result.h"

#include <QJsonArray>
#include <QString>

#include <deque>
#include <optional>
#include <shared_mutex>

namespace tiersync::sim {

// One Zoho organisation with its OAuth client: what the sim accepts from it and whose
// budget its requests spend.
struct SimTenant final {
    QString orgId;
    QString clientId;
    QString clientSecret;
    QString refreshToken;
};

// The organisations/clients the sim serves (POST /_sim/tenants). All serve the same data
// set; each has its own limit counters and token throttle, so test executables sharing
// one sandbox sim never share a budget. Tenant 0 is the command line's. Tenants are only
// ever added, so an index stays valid. Thread-safe.
class SimTenants final {
public:
    static constexpr int maxTenants = 1000;

    explicit SimTenants(SimTenant first);

    // Registers a tenant and returns its index. Registering the very same tenant again
    // returns the existing index (created false); an org id or client id already taken by
    // a different tenant, empty fields, a non-numeric org id or a full table are errors.
    struct Added {
        int index = 0;
        bool created = false;
    };
    [[nodiscard]] Result<Added> add(const SimTenant &tenant);
    [[nodiscard]] std::optional<int> byOrgId(const QString &orgId) const;
    [[nodiscard]] std::optional<int> byClientId(const QString &clientId) const;
    [[nodiscard]] SimTenant at(int index) const;
    [[nodiscard]] int size() const;
    // [{"org_id","client_id"}] in index order; never the secret or the refresh token.
    [[nodiscard]] QJsonArray toJson() const;

private:
    mutable std::shared_mutex m_mutex;
    std::deque<SimTenant> m_tenants;
};

}  // namespace tiersync::sim
