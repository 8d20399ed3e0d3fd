#include "zoho/zohorequest.h"

namespace tiersync {

QString ZohoRequest::target() const
{
    if (!label.isEmpty())
        return label;
    return QString::fromLatin1(method) + QLatin1Char(' ') + path;
}

bool ZohoRequest::needsOrganization() const
{
    return path.startsWith(QLatin1String("/books/")) || path.startsWith(QLatin1String("/inventory/"));
}

ZohoApiFamily ZohoRequest::family() const
{
    return zohoApiFamilyOfPath(path);
}

ZohoRequest ZohoRequest::get(QString path, QUrlQuery query)
{
    ZohoRequest request;
    request.path = std::move(path);
    request.query = std::move(query);
    return request;
}

}  // namespace tiersync
