#include "zoho/zohoapifamily.h"

namespace tiersync {

QString zohoApiFamilyName(ZohoApiFamily family)
{
    switch (family) {
    case ZohoApiFamily::Books:
        return QStringLiteral("books");
    case ZohoApiFamily::Inventory:
        return QStringLiteral("inventory");
    case ZohoApiFamily::Crm:
        return QStringLiteral("crm");
    }
    return QStringLiteral("books");
}

QString zohoApiFamilyTitle(ZohoApiFamily family)
{
    switch (family) {
    case ZohoApiFamily::Books:
        return QStringLiteral("Zoho Books");
    case ZohoApiFamily::Inventory:
        return QStringLiteral("Zoho Inventory");
    case ZohoApiFamily::Crm:
        return QStringLiteral("Zoho CRM");
    }
    return QStringLiteral("Zoho Books");
}

ZohoApiFamily zohoApiFamilyOfPath(const QString &path)
{
    if (path.startsWith(QLatin1String("/inventory/")))
        return ZohoApiFamily::Inventory;
    if (path.startsWith(QLatin1String("/crm/")))
        return ZohoApiFamily::Crm;
    return ZohoApiFamily::Books;
}

}  // namespace tiersync
