#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QString>

namespace tiersync {

// Which tier answered a read (DESIGN.md "The read path").
enum class ReadSource { Redis, Postgres, Zoho, Stale };

[[nodiscard]] QString readSourceName(ReadSource source);  // "redis", "postgres", "zoho", "stale"

// One dashboard answer: {"data": …, "meta": {"source", "cache_age_seconds", "endpoint",
// "moodle_user_id"}}. The data is kept as JSON text, as the tiers store it, so serving a
// hit splices bytes instead of parsing and re-serialising them; data() parses on demand.
struct EndpointResponse final {
    QByteArray dataJson = QByteArrayLiteral("null");  // object, array or null, as JSON text
    ReadSource source = ReadSource::Zoho;
    qint64 cacheAgeSeconds = 0;
    QString endpoint;  // a registry name ([a-z0-9_-]+): needs no escaping
    qint64 moodleUserId = 0;

    // The data parsed (Undefined if dataJson is not JSON, which the tiers rule out).
    [[nodiscard]] QJsonValue data() const;
    void setData(const QJsonValue &data);

    [[nodiscard]] QByteArray toJson() const;
};

}  // namespace tiersync
