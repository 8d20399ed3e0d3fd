#pragma once

#include "cache/endpointresponse.h"

#include <QByteArray>
#include <QMetaType>
#include <QString>

namespace tiersync {

// One dashboard endpoint of one student as the Students page shows it: the answer the
// HTTP API would give (data, source, cache age) and how long the engine took, or why
// there is no answer, in words.
struct StudentEndpointRead final {
    QString endpoint;
    bool ok = false;
    QByteArray dataJson;            // the response's "data" as JSON text (ok only)
    ReadSource source = ReadSource::Zoho;
    qint64 cacheAgeSeconds = 0;
    qint64 latencyUs = 0;           // time spent in CacheEngine::read
    int httpStatus = 200;           // what GET /api/v1/extension/students/… would answer
    QString error;                  // for an administrator; empty when ok
};

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::StudentEndpointRead)
