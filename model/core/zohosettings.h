#pragma once

#include "core/result.h"
#include "core/secret.h"

#include <QString>
#include <QStringList>

namespace tiersync {

// Zoho data centres: the accounts server that issues tokens and the API domain.
struct ZohoDataCentre final {
    QString id;           // "com", "eu", "in", "com.au", "jp", "ca", "sa", "com.cn"
    QString accountsUrl;  // https://accounts.zoho.eu
    QString apiBase;      // https://www.zohoapis.eu
};

[[nodiscard]] QList<ZohoDataCentre> zohoDataCentres();
[[nodiscard]] Result<ZohoDataCentre> zohoDataCentre(const QString &id);

struct ZohoSettings final {
    QString apiBase = QStringLiteral("https://www.zohoapis.com");
    QString accountsUrl = QStringLiteral("https://accounts.zoho.com");
    QString orgId;
    QString clientId;
    Secret clientSecret;
    Secret refreshToken;

    friend bool operator==(const ZohoSettings &, const ZohoSettings &) = default;
};

}  // namespace tiersync
