#include "core/zohosettings.h"

namespace tiersync {

QList<ZohoDataCentre> zohoDataCentres()
{
    // ZOHO-API.md: accounts.zoho.{tld}; Canada's accounts server is zohocloud.ca.
    static const QList<ZohoDataCentre> centres = [] {
        QList<ZohoDataCentre> list;
        for (const char *tld : {"com", "eu", "in", "com.au", "jp", "sa", "com.cn"}) {
            const QString t = QString::fromLatin1(tld);
            list.append({t, QStringLiteral("https://accounts.zoho.") + t,
                         QStringLiteral("https://www.zohoapis.") + t});
        }
        list.append({QStringLiteral("ca"), QStringLiteral("https://accounts.zohocloud.ca"),
                     QStringLiteral("https://www.zohoapis.ca")});
        return list;
    }();
    return centres;
}

Result<ZohoDataCentre> zohoDataCentre(const QString &id)
{
    for (const ZohoDataCentre &centre : zohoDataCentres()) {
        if (centre.id == id)
            return centre;
    }
    return makeError(ErrorKind::InvalidArgument,
                     QStringLiteral("unknown Zoho data centre '%1'").arg(id));
}

}  // namespace tiersync
