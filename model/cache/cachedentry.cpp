#include "cache/cachedentry.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace tiersync {

namespace {

Error corrupt(const QString &why)
{
    return makeError(ErrorKind::Protocol, QStringLiteral("cached value is corrupt: %1").arg(why));
}

}  // namespace

QByteArray CachedEntry::encode() const
{
    const QJsonObject object{{QStringLiteral("data"), data},
                             {QStringLiteral("fetched_at_ms"), double(fetchedAtMs)},
                             {QStringLiteral("stored_at_ms"), double(storedAtMs)},
                             {QStringLiteral("ttl_s"), double(ttlSeconds)},
                             {QStringLiteral("cost_ms"), double(costMs)}};
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

Result<CachedEntry> CachedEntry::decode(const QByteArray &bytes)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(bytes, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject())
        return corrupt(QStringLiteral("not a JSON object"));
    const QJsonObject object = document.object();
    if (!object.contains(QStringLiteral("data")))
        return corrupt(QStringLiteral("no \"data\""));
    CachedEntry entry;
    entry.data = object.value(QStringLiteral("data"));
    if (!entry.data.isObject() && !entry.data.isArray() && !entry.data.isNull())
        return corrupt(QStringLiteral("\"data\" is neither object, array nor null"));
    const auto number = [&](const char *key, qint64 *out) {
        const QJsonValue value = object.value(QLatin1String(key));
        if (!value.isDouble() || value.toDouble() < 0)
            return false;
        *out = qint64(value.toDouble());
        return true;
    };
    if (!number("fetched_at_ms", &entry.fetchedAtMs) || !number("stored_at_ms", &entry.storedAtMs)
        || !number("ttl_s", &entry.ttlSeconds) || !number("cost_ms", &entry.costMs))
        return corrupt(QStringLiteral("missing or bad timestamps"));
    return entry;
}

QByteArray CachedEntry::dataToJson(const QJsonValue &data)
{
    if (data.isObject())
        return QJsonDocument(data.toObject()).toJson(QJsonDocument::Compact);
    if (data.isArray())
        return QJsonDocument(data.toArray()).toJson(QJsonDocument::Compact);
    return QByteArrayLiteral("null");
}

Result<QJsonValue> CachedEntry::dataFromJson(const QByteArray &json)
{
    if (json.trimmed() == "null")
        return QJsonValue(QJsonValue::Null);
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return makeError(ErrorKind::Protocol,
                         QStringLiteral("snapshot payload is not JSON: %1").arg(parseError.errorString()));
    if (document.isObject())
        return QJsonValue(document.object());
    return QJsonValue(document.array());
}

}  // namespace tiersync
