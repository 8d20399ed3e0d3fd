#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>

namespace tiersync {

// One page of CRM records (list or search). A 204 is an empty last page.
struct CrmPage final {
    QList<QJsonObject> records;
    int page = 0;
    int perPage = 0;
    int count = 0;
    bool moreRecords = false;
    QString nextPageToken;
};

}  // namespace tiersync
