#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrlQuery>

namespace tiersync {

// One call to the Zoho API, relative to ZohoSettings::apiBase. The client adds the
// Authorization header, and organization_id for Books/Inventory paths.
struct ZohoRequest final {
    QByteArray method = QByteArrayLiteral("GET");
    QString path;                                   // "/books/v3/items", "/crm/v2/Students/search"
    QUrlQuery query;
    QList<QPair<QByteArray, QByteArray>> headers;   // e.g. If-Modified-Since
    QByteArray body;
    QByteArray contentType;                         // of body, when there is one
    QString label;                                  // target for events; default "METHOD path"

    // "GET /crm/v2/Students/search": never the query string, which may carry ids.
    [[nodiscard]] QString target() const;
    // Books and Inventory need organization_id on every call.
    [[nodiscard]] bool needsOrganization() const;

    [[nodiscard]] static ZohoRequest get(QString path, QUrlQuery query = {});
};

}  // namespace tiersync
