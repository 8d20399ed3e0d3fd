#pragma once

#include <QDateTime>
#include <QList>
#include <QString>

namespace tiersync {

// One record of CRM's deleted-records list (GET /crm/{v}/{Module}/deleted): proof that
// the record is gone, and when.
struct CrmDeletedRecord final {
    QString id;             // digits
    QDateTime deletedTime;  // UTC
    QString type;           // "recycle" or "permanent" (informational; empty when absent)
};

// One page of the deleted-records list. A 204 or 304 is an empty last page.
struct CrmDeletedPage final {
    QList<CrmDeletedRecord> records;
    int page = 0;
    int perPage = 0;
    bool moreRecords = false;
    QString nextPageToken;
};

}  // namespace tiersync
