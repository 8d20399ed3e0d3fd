#include "simtenants.h"

#include <QJsonObject>

#include <algorithm>
#include <mutex>

namespace tiersync::sim {
namespace {

constexpr qsizetype maxFieldLength = 512;

Error bad(const QString &message)
{
    return makeError(ErrorKind::InvalidArgument, message);
}

}  // namespace

SimTenants::SimTenants(SimTenant first)
{
    m_tenants.push_back(std::move(first));
}

Result<SimTenants::Added> SimTenants::add(const SimTenant &tenant)
{
    const std::pair<const char *, const QString *> fields[] = {{"org_id", &tenant.orgId},
                                                               {"client_id", &tenant.clientId},
                                                               {"client_secret", &tenant.clientSecret},
                                                               {"refresh_token", &tenant.refreshToken}};
    for (const auto &[name, value] : fields) {
        if (value->isEmpty() || value->size() > maxFieldLength)
            return bad(QStringLiteral("%1: expected a non-empty string of at most %2 characters")
                           .arg(QLatin1String(name)).arg(maxFieldLength));
    }
    if (!std::all_of(tenant.orgId.begin(), tenant.orgId.end(), [](QChar c) { return c.isDigit() && c.unicode() < 128; }))
        return bad(QStringLiteral("org_id: expected digits (Zoho organisation ids are numbers)"));

    std::unique_lock lock(m_mutex);
    for (std::size_t i = 0; i < m_tenants.size(); ++i) {
        const SimTenant &known = m_tenants[i];
        const bool sameOrg = known.orgId == tenant.orgId;
        const bool sameClient = known.clientId == tenant.clientId;
        if (sameOrg && sameClient && known.clientSecret == tenant.clientSecret
            && known.refreshToken == tenant.refreshToken)
            return Added{static_cast<int>(i), false};
        if (sameOrg)
            return bad(QStringLiteral("org_id %1 belongs to another tenant").arg(tenant.orgId));
        if (sameClient)
            return bad(QStringLiteral("client_id %1 belongs to another tenant").arg(tenant.clientId));
    }
    if (static_cast<int>(m_tenants.size()) >= maxTenants)
        return bad(QStringLiteral("too many tenants (at most %1)").arg(maxTenants));
    m_tenants.push_back(tenant);
    return Added{static_cast<int>(m_tenants.size() - 1), true};
}

std::optional<int> SimTenants::byOrgId(const QString &orgId) const
{
    std::shared_lock lock(m_mutex);
    for (std::size_t i = 0; i < m_tenants.size(); ++i) {
        if (m_tenants[i].orgId == orgId)
            return static_cast<int>(i);
    }
    return std::nullopt;
}

std::optional<int> SimTenants::byClientId(const QString &clientId) const
{
    std::shared_lock lock(m_mutex);
    for (std::size_t i = 0; i < m_tenants.size(); ++i) {
        if (m_tenants[i].clientId == clientId)
            return static_cast<int>(i);
    }
    return std::nullopt;
}

SimTenant SimTenants::at(int index) const
{
    std::shared_lock lock(m_mutex);
    return m_tenants.at(static_cast<std::size_t>(index));
}

int SimTenants::size() const
{
    std::shared_lock lock(m_mutex);
    return static_cast<int>(m_tenants.size());
}

QJsonArray SimTenants::toJson() const
{
    std::shared_lock lock(m_mutex);
    QJsonArray list;
    for (const SimTenant &tenant : m_tenants)
        list.append(QJsonObject{{QStringLiteral("org_id"), tenant.orgId},
                                {QStringLiteral("client_id"), tenant.clientId}});
    return list;
}

}  // namespace tiersync::sim
