#include "zoho/zohowatchparser.h"

#include "zoho/zohoparser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTimeZone>

#include <algorithm>

namespace tiersync::zohowatchparser {

namespace {

Error protocol(QString message)
{
    return makeError(ErrorKind::Protocol, QStringLiteral("actions/watch: ") + message);
}

// A channel id as Zoho writes it: a JSON number or a digit string; empty when neither.
QString channelIdText(const QJsonValue &value)
{
    if (value.isDouble()) {
        const double number = value.toDouble();
        if (number < 1 || number > 9007199254740991.0 || number != double(qint64(number)))
            return {};
        return QString::number(qint64(number));
    }
    const QString text = value.toString();
    if (text.isEmpty() || text.size() > 19 || text.startsWith(QLatin1Char('0'))
        || !std::all_of(text.cbegin(), text.cend(), [](QChar c) { return c.isDigit() && c.unicode() < 128; }))
        return {};
    return text;
}

QJsonValue channelIdJson(const QString &channelId)
{
    bool ok = false;
    const qint64 number = channelId.toLongLong(&ok);
    // A number while a double holds it exactly (Zoho's examples use numbers); digits beyond.
    if (ok && number > 0 && number <= 9007199254740991LL)
        return double(number);
    return channelId;
}

Result<WatchItemResult> parseItem(const QJsonValue &value, qsizetype index)
{
    if (!value.isObject())
        return protocol(QStringLiteral("watch[%1] is not an object").arg(index));
    const QJsonObject item = value.toObject();
    WatchItemResult result;
    const QString status = item.value(QLatin1String("status")).toString();
    result.code = item.value(QLatin1String("code")).toString();
    result.message = item.value(QLatin1String("message")).toString();
    if (status != QLatin1String("success") && status != QLatin1String("error"))
        return protocol(QStringLiteral("watch[%1] has no status success|error").arg(index));
    if (result.code.isEmpty())
        return protocol(QStringLiteral("watch[%1] has no code").arg(index));
    result.success = status == QLatin1String("success");
    const QJsonValue detailsValue = item.value(QLatin1String("details"));
    if (!detailsValue.isObject() && !detailsValue.isUndefined() && !detailsValue.isNull())
        return protocol(QStringLiteral("watch[%1].details is not an object").arg(index));
    const QJsonObject details = detailsValue.toObject();
    if (!result.success) {
        result.field = details.value(QLatin1String("api_name")).toString();
        return result;
    }
    if (details.contains(QLatin1String("events"))) {
        // enable / update: one entry per module subscribed.
        const QJsonValue events = details.value(QLatin1String("events"));
        if (!events.isArray() || events.toArray().isEmpty())
            return protocol(QStringLiteral("watch[%1].details.events is not a non-empty array").arg(index));
        const QJsonArray array = events.toArray();
        for (qsizetype e = 0; e < array.size(); ++e) {
            const QJsonObject event = array.at(e).toObject();
            const QString id = channelIdText(event.value(QLatin1String("channel_id")));
            const QDateTime expiry = parseTime(event.value(QLatin1String("channel_expiry")).toString());
            if (id.isEmpty() || !expiry.isValid())
                return protocol(QStringLiteral("watch[%1].details.events[%2] has no valid channel_id and "
                                               "channel_expiry")
                                    .arg(index)
                                    .arg(e));
            if (!result.channelId.isEmpty() && result.channelId != id)
                return protocol(QStringLiteral("watch[%1] names two channels").arg(index));
            result.channelId = id;
            if (!result.expiry.isValid() || expiry < result.expiry)
                result.expiry = expiry;
            result.modules.append(event.value(QLatin1String("resource_name")).toString());
        }
    } else {
        // disable: the channel (and module) it removed.
        result.channelId = channelIdText(details.value(QLatin1String("channel_id")));
        if (result.channelId.isEmpty())
            return protocol(QStringLiteral("watch[%1].details has neither events nor a channel_id").arg(index));
    }
    return result;
}

}  // namespace

QJsonObject subscribeBody(const QList<WatchSubscription> &subscriptions)
{
    QJsonArray watch;
    for (const WatchSubscription &subscription : subscriptions) {
        QJsonObject item{{QStringLiteral("channel_id"), channelIdJson(subscription.channelId)},
                         {QStringLiteral("events"), QJsonArray::fromStringList(subscription.events)},
                         {QStringLiteral("notify_url"), subscription.notifyUrl}};
        if (subscription.expiry.isValid())
            item.insert(QStringLiteral("channel_expiry"), formatTime(subscription.expiry));
        if (!subscription.token.isEmpty())
            item.insert(QStringLiteral("token"), subscription.token);
        if (subscription.returnAffectedFieldValues)
            item.insert(QStringLiteral("return_affected_field_values"), true);
        watch.append(item);
    }
    return QJsonObject{{QStringLiteral("watch"), watch}};
}

Result<QList<WatchItemResult>> parseItemResults(int httpStatus, const QJsonObject &json, qsizetype expectedItems)
{
    if (httpStatus != 200 && httpStatus != 207 && httpStatus != 400)
        return protocol(QStringLiteral("unexpected HTTP %1").arg(httpStatus));
    const QJsonValue watch = json.value(QLatin1String("watch"));
    if (!watch.isArray()) {
        if (httpStatus == 400)
            return zohoparser::httpError(httpStatus, QJsonDocument(json).toJson(QJsonDocument::Compact),
                                         "application/json");
        return protocol(QStringLiteral("answer has no 'watch' array"));
    }
    const QJsonArray array = watch.toArray();
    if (array.size() != expectedItems)
        return protocol(QStringLiteral("%1 results for %2 items").arg(array.size()).arg(expectedItems));
    QList<WatchItemResult> results;
    results.reserve(array.size());
    int succeeded = 0;
    for (qsizetype i = 0; i < array.size(); ++i) {
        auto item = parseItem(array.at(i), i);
        if (!item)
            return item.error();
        succeeded += item->success ? 1 : 0;
        results.append(*item);
    }
    if ((httpStatus == 200 && succeeded != array.size()) || (httpStatus == 400 && succeeded != 0))
        return protocol(QStringLiteral("HTTP %1 with %2 of %3 items succeeded")
                            .arg(httpStatus)
                            .arg(succeeded)
                            .arg(array.size()));
    return results;
}

Result<WatchListPage> parseList(int httpStatus, const QJsonObject &json)
{
    WatchListPage page;
    if (httpStatus == 204)
        return page;
    if (httpStatus != 200)
        return protocol(QStringLiteral("unexpected HTTP %1 for the channel list").arg(httpStatus));
    const QJsonValue watch = json.value(QLatin1String("watch"));
    if (!watch.isArray())
        return protocol(QStringLiteral("channel list has no 'watch' array"));
    const QJsonArray array = watch.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        if (!array.at(i).isObject())
            return protocol(QStringLiteral("watch[%1] is not an object").arg(i));
        const QJsonObject entry = array.at(i).toObject();
        WatchChannelInfo channel;
        channel.channelId = channelIdText(entry.value(QLatin1String("channel_id")));
        channel.module = entry.value(QLatin1String("resource_name")).toString();
        channel.notifyUrl = entry.value(QLatin1String("notify_url")).toString();
        channel.expiry = parseTime(entry.value(QLatin1String("channel_expiry")).toString());
        if (const QJsonValue affected = entry.value(QLatin1String("return_affected_field_values")); affected.isBool())
            channel.returnAffectedFieldValues = affected.toBool();
        const QJsonValue events = entry.value(QLatin1String("events"));
        if (channel.channelId.isEmpty() || !channel.expiry.isValid() || !events.isArray())
            return protocol(QStringLiteral("watch[%1] has no valid channel_id, channel_expiry and events").arg(i));
        for (const QJsonValue &event : events.toArray()) {
            if (!event.isString())
                return protocol(QStringLiteral("watch[%1].events holds a non-string").arg(i));
            channel.events.append(event.toString());
        }
        page.channels.append(channel);
    }
    const QJsonValue info = json.value(QLatin1String("info"));
    if (!info.isUndefined() && !info.isObject())
        return protocol(QStringLiteral("channel list 'info' is not an object"));
    const QJsonValue more = info.toObject().value(QLatin1String("more_records"));
    if (!more.isUndefined() && !more.isBool())
        return protocol(QStringLiteral("channel list info.more_records is not a boolean"));
    page.moreRecords = more.toBool(false);
    return page;
}

QDateTime parseTime(const QString &text)
{
    // Zoho always writes an offset; a time without one would be local time, so refuse it.
    if (text.size() < 20 || !(text.endsWith(QLatin1Char('Z')) || text.at(text.size() - 3) == QLatin1Char(':')))
        return {};
    QDateTime time = QDateTime::fromString(text, Qt::ISODate);
    if (!time.isValid() || time.timeSpec() == Qt::LocalTime)
        return {};
    return time.toUTC();
}

QString formatTime(const QDateTime &time)
{
    return time.toUTC().toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss")) + QStringLiteral("+00:00");
}

}  // namespace tiersync::zohowatchparser
