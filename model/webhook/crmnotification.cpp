#include "webhook/crmnotification.h"

#include "core/jsonfile.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace tiersync {

namespace {

Error invalid(const QString &what)
{
    return makeError(ErrorKind::InvalidArgument, what);
}

QString scalarText(const QJsonValue &value)
{
    if (value.isString())
        return value.toString();
    if (value.isDouble())
        return QString::number(value.toInteger());
    return {};
}

}  // namespace

Result<CrmNotification> CrmNotification::parse(const QByteArray &body)
{
    auto parsed = parseJsonObject(body);
    if (!parsed)
        return invalid(QStringLiteral("the body is not a JSON object"));
    const QJsonObject object = *parsed;
    CrmNotification notification;
    if (!object.value(QLatin1String("module")).isString())
        return invalid(QStringLiteral("\"module\" is missing or not a string"));
    notification.module = object.value(QLatin1String("module")).toString();
    if (!object.value(QLatin1String("ids")).isArray())
        return invalid(QStringLiteral("\"ids\" is missing or not an array"));
    const QJsonArray ids = object.value(QLatin1String("ids")).toArray();
    notification.ids.reserve(ids.size());
    for (const QJsonValue &id : ids)
        notification.ids.append(id.isString() ? id.toString() : QString());  // non-strings: invalid ids
    notification.operation = scalarText(object.value(QLatin1String("operation")));
    notification.channelId = scalarText(object.value(QLatin1String("channel_id")));
    notification.serverTime = scalarText(object.value(QLatin1String("server_time")));
    const QJsonValue token = object.value(QLatin1String("token"));
    notification.hasToken = token.isString();
    notification.token = token.toString().toUtf8();
    return notification;
}

QString CrmNotification::idempotencyKey(const QStringList &distinctIds) const
{
    QStringList sorted = distinctIds;
    sorted.sort();
    QCryptographicHash hash(QCryptographicHash::Sha256);
    for (const QString &part : {channelId, serverTime, operation, module}) {
        hash.addData(part.toUtf8());
        hash.addData(QByteArrayView("\n", 1));
    }
    hash.addData(sorted.join(QLatin1Char(',')).toUtf8());
    return QStringLiteral("crm:") + QString::fromLatin1(hash.result().toHex());
}

}  // namespace tiersync
