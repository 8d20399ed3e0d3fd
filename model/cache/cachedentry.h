#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QJsonValue>
#include <QtGlobal>

namespace tiersync {

// The value stored under tiersync:v1:ep:{endpoint}:{moodle_user_id}, with "data" parsed
// (the stored layout is RawCachedEntry's, which the read path's hits use unparsed):
//   {"v":2,"fetched_at_ms":…,"stored_at_ms":…,"ttl_s":…,"cost_ms":…,"data_fnv":…,"data":…}
// fetched_at is when Zoho produced the data (the response's age), stored_at when this
// value was written and ttl_s the expiry it was given (together: when it expires, for
// early refresh), cost_ms what fetching it from Zoho took (XFetch's recompute cost).
// Anything that does not decode (another writer, truncation, a bad deploy) is a miss.
struct CachedEntry final {
    QJsonValue data;
    qint64 fetchedAtMs = 0;  // epoch ms
    qint64 storedAtMs = 0;   // epoch ms
    qint64 ttlSeconds = 0;
    qint64 costMs = 0;

    [[nodiscard]] qint64 expiresAtMs() const { return storedAtMs + ttlSeconds * 1000; }

    [[nodiscard]] QByteArray encode() const;
    [[nodiscard]] static Result<CachedEntry> decode(const QByteArray &bytes);

    // "data" as the JSON text stored in endpoint_snapshots.payload ("null" included).
    [[nodiscard]] static QByteArray dataToJson(const QJsonValue &data);
    [[nodiscard]] static Result<QJsonValue> dataFromJson(const QByteArray &json);
};

}  // namespace tiersync
