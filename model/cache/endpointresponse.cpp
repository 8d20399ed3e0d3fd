#include "cache/endpointresponse.h"

#include "cache/cachedentry.h"

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

QJsonValue EndpointResponse::data() const
{
    auto parsed = CachedEntry::dataFromJson(dataJson);
    return parsed ? *parsed : QJsonValue(QJsonValue::Undefined);
}

void EndpointResponse::setData(const QJsonValue &data)
{
    dataJson = CachedEntry::dataToJson(data);
}

QByteArray EndpointResponse::toJson() const
{
    // Written by hand (same keys and order as QJsonDocument would give) so the data bytes
    // are copied once, not parsed: this is the whole cost of a hit's body.
    const char *sourceName = "zoho";
    switch (source) {
    case ReadSource::Redis: sourceName = "redis"; break;
    case ReadSource::Postgres: sourceName = "postgres"; break;
    case ReadSource::Zoho: sourceName = "zoho"; break;
    case ReadSource::Stale: sourceName = "stale"; break;
    }
    QByteArray out;
    out.reserve(dataJson.size() + 128);
    out += "{\"data\":";
    out += dataJson;
    out += ",\"meta\":{\"cache_age_seconds\":";
    out += QByteArray::number(cacheAgeSeconds);
    out += ",\"endpoint\":\"";
    out += endpoint.toLatin1();
    out += "\",\"moodle_user_id\":";
    out += QByteArray::number(moodleUserId);
    out += ",\"source\":\"";
    out += sourceName;
    out += "\"}}";
    return out;
}

}  // namespace tiersync
