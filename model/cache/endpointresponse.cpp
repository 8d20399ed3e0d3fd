#include "cache/endpointresponse.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace tiersync {

QString readSourceName(ReadSource source)
{
    switch (source) {
    case ReadSource::Redis: return QStringLiteral("redis");
    case ReadSource::Postgres: return QStringLiteral("postgres");
    case ReadSource::Zoho: return QStringLiteral("zoho");
    case ReadSource::Stale: return QStringLiteral("stale");
    }
    return {};
}

QByteArray EndpointResponse::toJson() const
{
    const QJsonObject meta{{QStringLiteral("source"), readSourceName(source)},
                           {QStringLiteral("cache_age_seconds"), double(cacheAgeSeconds)},
                           {QStringLiteral("endpoint"), endpoint},
                           {QStringLiteral("moodle_user_id"), double(moodleUserId)}};
    return QJsonDocument(QJsonObject{{QStringLiteral("data"), data}, {QStringLiteral("meta"), meta}})
        .toJson(QJsonDocument::Compact);
}

}  // namespace tiersync
