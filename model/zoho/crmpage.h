#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>

namespace tiersync {

// One page of CRM records (list or search). A 204 is an empty last page; a 304 (asked
// with If-Modified-Since) is an empty last page with notModified set: nothing changed
// since then, which is not the same as "there are no records".
struct CrmPage final {
    QList<QJsonObject> records;
    int page = 0;
    int perPage = 0;
    int count = 0;
    bool moreRecords = false;
    QString nextPageToken;
    bool notModified = false;
};

}  // namespace tiersync
