#include "cache/endpointpayload.h"

#include "core/canonicaljson.h"

#include <QCryptographicHash>
#include <QJsonArray>

#include <algorithm>

namespace tiersync::endpointpayload {

namespace {

bool allDigits(const QString &text)
{
    return !text.isEmpty() && std::all_of(text.cbegin(), text.cend(), [](QChar c) { return c.isDigit() && c.unicode() < 0x80; });
}

}  // namespace

bool idLess(const QString &a, const QString &b)
{
    if (a.isEmpty() || b.isEmpty())
        return !a.isEmpty() && b.isEmpty();
    const bool aDigits = allDigits(a);
    const bool bDigits = allDigits(b);
    if (aDigits != bDigits)
        return aDigits;
    if (aDigits && a.size() != b.size())
        return a.size() < b.size();
    return a < b;
}

QString idOf(const QJsonObject &record, const QString &idField)
{
    const QJsonValue value = record.value(idField);
    if (value.isString())
        return value.toString();
    if (value.isDouble() && value.toDouble() == double(value.toInteger()))
        return QString::number(value.toInteger());
    return {};
}

QJsonValue shape(EndpointDefinition::Shape shape, QList<QJsonObject> records, const QString &idField)
{
    QList<std::pair<QString, qsizetype>> order;
    order.reserve(records.size());
    for (qsizetype i = 0; i < records.size(); ++i)
        order.append({idOf(records.at(i), idField), i});
    std::stable_sort(order.begin(), order.end(),
                     [](const auto &a, const auto &b) { return idLess(a.first, b.first); });
    if (shape == EndpointDefinition::Shape::Object)
        return order.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(records.at(order.first().second));
    QJsonArray array;
    for (const auto &[id, index] : std::as_const(order))
        array.append(records.at(index));
    return array;
}

QByteArray toJson(const QJsonValue &data)
{
    if (!data.isObject() && !data.isArray())
        return QByteArrayLiteral("null");
    return canonicaljson::serialize(data);
}

QString contentHash(const QByteArray &dataJson)
{
    return QString::fromLatin1(QCryptographicHash::hash(dataJson, QCryptographicHash::Sha256).toHex());
}

Payload build(EndpointDefinition::Shape endpointShape, QList<QJsonObject> records, const QString &idField)
{
    Payload payload;
    payload.dataJson = toJson(shape(endpointShape, std::move(records), idField));
    payload.contentHash = contentHash(payload.dataJson);
    return payload;
}

}  // namespace tiersync::endpointpayload
