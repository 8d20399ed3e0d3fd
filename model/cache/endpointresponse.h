#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QString>

namespace tiersync {

// Which tier answered a read (DESIGN.md "The read path").
enum class ReadSource { Redis, Postgres, Zoho, Stale };

[[nodiscard]] QString readSourceName(ReadSource source);  // "redis", "postgres", "zoho", "stale"

// One dashboard answer: {"data": …, "meta": {"source", "cache_age_seconds", "endpoint",
// "moodle_user_id"}}.
struct EndpointResponse final {
    QJsonValue data;
    ReadSource source = ReadSource::Zoho;
    qint64 cacheAgeSeconds = 0;
    QString endpoint;
    qint64 moodleUserId = 0;

    [[nodiscard]] QByteArray toJson() const;
};

}  // namespace tiersync
