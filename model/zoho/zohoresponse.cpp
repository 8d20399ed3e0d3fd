#include "zoho/zohoresponse.h"

namespace tiersync {

QByteArray ZohoResponse::header(const QByteArray &name) const
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

}  // namespace tiersync
