#include "webhook/crmnotification.h"

#include "core/jsonfile.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

#include <algorithm>

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

// See the header: only well-formed entries for a named record, each record at most once.
void parseAffectedValues(const QJsonValue &value, CrmNotification &notification)
{
    if (value.isUndefined() || value.isNull())
        return;
    if (!value.isArray()) {
        notification.ignoredAffectedValues = 1;
        return;
    }
    const QSet<QString> named(notification.ids.cbegin(), notification.ids.cend());
    QSet<QString> repeated;
    for (const QJsonValue &entry : value.toArray()) {
        const QJsonValue id = entry.toObject().value(QLatin1String("record_id"));
        const QJsonValue values = entry.toObject().value(QLatin1String("values"));
        if (!entry.isObject() || !id.isString() || id.toString().isEmpty() || !named.contains(id.toString())
            || !values.isObject()) {
            ++notification.ignoredAffectedValues;
            continue;
        }
        if (notification.affectedValues.contains(id.toString()) || repeated.contains(id.toString())) {
            // Two deltas of one record: neither is trusted.
            notification.ignoredAffectedValues += notification.affectedValues.remove(id.toString()) + 1;
            repeated.insert(id.toString());
            continue;
        }
        notification.affectedValues.insert(id.toString(), values.toObject());
    }
}

}  // namespace

qint64 CrmNotification::serverTimeMs() const
{
    if (serverTime.isEmpty() || serverTime.size() > 18
        || !std::all_of(serverTime.cbegin(), serverTime.cend(), [](QChar c) { return c >= u'0' && c <= u'9'; }))
        return -1;
    return serverTime.toLongLong();
}

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
    parseAffectedValues(object.value(QLatin1String("affected_values")), notification);
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
