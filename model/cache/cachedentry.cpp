#include "cache/cachedentry.h"

#include "cache/rawcachedentry.h"

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
    return RawCachedEntry{dataToJson(data), fetchedAtMs, storedAtMs, ttlSeconds, costMs}.encode();
}

Result<CachedEntry> CachedEntry::decode(const QByteArray &bytes)
{
    auto raw = RawCachedEntry::decode(bytes);
    if (!raw)
        return raw.error();
    auto data = dataFromJson(raw->dataJson);
    if (!data)
        return corrupt(QStringLiteral("\"data\" is not JSON"));
    return CachedEntry{std::move(*data), raw->fetchedAtMs, raw->storedAtMs, raw->ttlSeconds, raw->costMs};
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
