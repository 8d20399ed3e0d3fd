#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QPair>

namespace tiersync {

// A successful answer from Zoho (2xx or 304). 204 and 304 have no body: `json` is
// empty and hasBody is false.
struct ZohoResponse final {
    int httpStatus = 0;
    QJsonObject json;
    bool hasBody = false;
    QByteArray contentType;
    QList<QPair<QByteArray, QByteArray>> headers;
    qint64 bodyBytes = 0;
    int attempts = 0;   // how many HTTP attempts it took

    // Case-insensitive lookup; empty when absent.
    [[nodiscard]] QByteArray header(const QByteArray &name) const;
};

}  // namespace tiersync
