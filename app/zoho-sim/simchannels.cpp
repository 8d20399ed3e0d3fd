#include "simchannels.h"

#include "simreplies.h"
#include "simtenants.h"
#include "simtime.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

#include <httplib.h>

#include <algorithm>
#include <charconv>

namespace tiersync::sim {
namespace {

constexpr int maxListPerPage = 200;

struct EventName final {
    const char *name;
    quint8 bits;
};
constexpr EventName eventNames[] = {{"create", 1}, {"edit", 2}, {"delete", 4}, {"all", 7}};

QString resourceUri(const QString &apiDomain, const QString &version, SimEntity entity)
{
    return apiDomain + QStringLiteral("/crm/") + version + QLatin1Char('/') + simEntityName(entity);
}

// A channel id is a Zoho "long": a JSON integer or a string of digits, positive.
std::optional<qint64> channelIdOf(const QJsonValue &value)
{
    if (value.isDouble()) {
        const double number = value.toDouble();
        if (number >= 1 && number <= 9.0e15 && number == static_cast<double>(value.toInteger()))
            return value.toInteger();
        return std::nullopt;
    }
    if (!value.isString())
        return std::nullopt;
    const std::string text = value.toString().toStdString();
    qint64 id = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || id < 1)
        return std::nullopt;
    return id;
}

QJsonArray eventList(SimEntity entity, quint8 bits)
{
    if (bits == 7)
        return QJsonArray{simEntityName(entity) + QStringLiteral(".all")};
    QJsonArray events;
    for (const EventName &event : eventNames) {
        if (event.bits != 7 && (bits & event.bits))
            events.append(simEntityName(entity) + QLatin1Char('.') + QLatin1String(event.name));
    }
    return events;
}

QJsonObject itemError(const QString &code, const QString &message, const QJsonObject &details)
{
    return crmErrorObject(code, message, details);
}

QJsonObject invalid(const QString &apiName, int item, const QString &message = QStringLiteral("invalid data"))
{
    return itemError(QStringLiteral("INVALID_DATA"), message,
                     QJsonObject{{QStringLiteral("api_name"), apiName},
                                 {QStringLiteral("json_path"), QStringLiteral("$.watch[%1].%2").arg(item).arg(apiName)}});
}

QJsonObject missing(const QString &apiName, int item)
{
    return itemError(QStringLiteral("MANDATORY_NOT_FOUND"), QStringLiteral("required field not found"),
                     QJsonObject{{QStringLiteral("api_name"), apiName},
                                 {QStringLiteral("json_path"), QStringLiteral("$.watch[%1].%2").arg(item).arg(apiName)}});
}

// 200 when every item succeeded, 400 when none did, 207 (multi-status) otherwise.
SimReply itemsReply(const QJsonArray &items)
{
    int failed = 0;
    for (const QJsonValue &item : items)
        failed += item.toObject().value(QLatin1String("status")).toString() == QLatin1String("error") ? 1 : 0;
    const int status = failed == 0 ? 200 : failed == items.size() ? 400 : 207;
    return jsonReply(status, QJsonObject{{QStringLiteral("watch"), items}});
}

// The events of a watch item as bits per module, or nothing when any is not
// "{Module}.create|edit|delete|all" of a known module (or the list is empty).
std::optional<std::array<quint8, 7>> parseEvents(const QJsonValue &value)
{
    const QJsonArray list = value.toArray();
    if (!value.isArray() || list.isEmpty())
        return std::nullopt;
    std::array<quint8, 7> events{};
    for (const QJsonValue &event : list) {
        const QString text = event.toString();
        const qsizetype dot = text.lastIndexOf(QLatin1Char('.'));
        const auto entity = dot > 0 ? crmModuleFromName(QStringView(text).left(dot)) : std::nullopt;
        const QStringView operation = dot > 0 ? QStringView(text).mid(dot + 1) : QStringView();
        const auto known = std::find_if(std::begin(eventNames), std::end(eventNames),
                                        [&](const EventName &name) { return operation == QLatin1String(name.name); });
        if (!event.isString() || !entity || known == std::end(eventNames))
            return std::nullopt;
        events[static_cast<std::size_t>(simEntityIndex(*entity))] |= known->bits;
    }
    return events;
}

}  // namespace

// token, notify_url, channel_expiry and return_affected_field_values of watch item i into
// `channel`; the item's error, if any.
std::optional<QJsonObject> SimChannels::applySettings(const QJsonObject &item, int i, bool partial, qint64 nowMs,
                                                      Channel &channel)
{
    const QJsonValue token = item.value(QLatin1String("token"));
    if (!token.isUndefined() && !token.isNull()) {
        if (!token.isString() || token.toString().size() > maxTokenLength)
            return invalid(QStringLiteral("token"), i,
                           QStringLiteral("token must be a string of at most %1 characters").arg(maxTokenLength));
        channel.token = token.toString().toStdString();
    } else if (!partial) {
        channel.token.clear();
    }

    const QJsonValue url = item.value(QLatin1String("notify_url"));
    if (url.isUndefined() && !partial)
        return missing(QStringLiteral("notify_url"), i);
    if (!url.isUndefined()) {
        const QUrl parsed(url.toString(), QUrl::StrictMode);
        if (!url.isString() || !parsed.isValid() || parsed.host().isEmpty()
            || (parsed.scheme() != QLatin1String("http") && parsed.scheme() != QLatin1String("https")))
            return invalid(QStringLiteral("notify_url"), i);
        channel.notifyUrl = url.toString();
    }

    // return_affected_field_values: a boolean; PUT/POST without it → false, PATCH keeps it.
    const QJsonValue affected = item.value(QLatin1String("return_affected_field_values"));
    if (!affected.isUndefined() && !affected.isBool())
        return invalid(QStringLiteral("return_affected_field_values"), i);
    if (affected.isBool())
        channel.returnAffectedFieldValues = affected.toBool();
    else if (!partial)
        channel.returnAffectedFieldValues = false;

    // channel_expiry: in the past is an error; more than a week ahead, or none → one hour from now.
    const QJsonValue expiry = item.value(QLatin1String("channel_expiry"));
    channel.expiryMs = nowMs + defaultExpiryAheadMs;
    if (!expiry.isUndefined() && !expiry.isNull()) {
        const auto seconds = expiry.isString() ? parseHttpOrIsoTime(expiry.toString()) : std::nullopt;
        if (!seconds || *seconds * 1000 <= nowMs)
            return invalid(QStringLiteral("channel_expiry"), i);
        if (*seconds * 1000 <= nowMs + maxExpiryAheadMs)
            channel.expiryMs = *seconds * 1000;
    }
    return std::nullopt;
}

QString SimChannels::moduleResourceId(SimEntity entity)
{
    return QStringLiteral("365239700000000%1").arg(2170 + simEntityIndex(entity));
}

SimReply SimChannels::handle(const httplib::Request &request, int tenant, qint64 nowMs, const QString &apiDomain,
                             const QString &version)
{
    {
        std::lock_guard lock(m_mutex);
        purge(nowMs);
    }
    if (request.method == "GET")
        return list(request, tenant, apiDomain, version);
    if (request.method == "POST")
        return subscribe(request, tenant, nowMs, Mode::Enable, apiDomain, version);
    if (request.method == "PUT")
        return subscribe(request, tenant, nowMs, Mode::Replace, apiDomain, version);
    if (request.method == "PATCH")
        return subscribe(request, tenant, nowMs, Mode::Patch, apiDomain, version);
    if (request.method == "DELETE")
        return unsubscribe(request, tenant, apiDomain, version);
    return crmError(400, QStringLiteral("INVALID_REQUEST_METHOD"),
                    QStringLiteral("The http request method type is not a valid one"));
}

SimReply SimChannels::subscribe(const httplib::Request &request, int tenant, qint64 nowMs, Mode mode,
                                const QString &apiDomain, const QString &version)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(QByteArray::fromStdString(request.body), &parseError);
    if (!document.isObject())
        return crmError(400, QStringLiteral("INVALID_DATA"), QStringLiteral("body is not a valid JSON object"),
                        QJsonObject{{QStringLiteral("reason"), parseError.errorString()}});
    const QJsonValue watchValue = document.object().value(QLatin1String("watch"));
    if (!watchValue.isArray() || watchValue.toArray().isEmpty())
        return crmError(400, QStringLiteral("REQUIRED_PARAM_MISSING"), QStringLiteral("One of the expected parameter is missing"),
                        QJsonObject{{QStringLiteral("param"), QStringLiteral("watch")}});
    const QJsonArray watch = watchValue.toArray();
    if (watch.size() > maxPerRequest)
        return crmError(400, QStringLiteral("LIMIT_EXCEEDED"),
                        QStringLiteral("at most %1 channels can be given in one request").arg(maxPerRequest),
                        QJsonObject{{QStringLiteral("limit"), maxPerRequest}});

    std::lock_guard lock(m_mutex);
    QJsonArray results;
    for (int i = 0; i < watch.size(); ++i) {
        const QJsonObject item = watch.at(i).toObject();
        auto fail = [&results](const QJsonObject &error) { results.append(error); };
        if (!watch.at(i).isObject()) {
            fail(invalid(QStringLiteral("watch"), i));
            continue;
        }
        if (!item.contains(QLatin1String("channel_id"))) {
            fail(missing(QStringLiteral("channel_id"), i));
            continue;
        }
        const auto channelId = channelIdOf(item.value(QLatin1String("channel_id")));
        if (!channelId) {
            fail(invalid(QStringLiteral("channel_id"), i));
            continue;
        }
        const Key key{tenant, *channelId};
        const auto existing = m_channels.find(key);
        if (mode != Mode::Enable && existing == m_channels.end()) {
            fail(invalid(QStringLiteral("channel_id"), i, QStringLiteral("the channel is not subscribed")));
            continue;
        }
        Channel channel = existing != m_channels.end() && mode != Mode::Enable ? existing->second : Channel{};
        channel.tenant = tenant;
        channel.channelId = *channelId;
        const bool partial = mode == Mode::Patch;
        const bool deleteEvents = partial && item.value(QLatin1String("_delete_events")).toBool(false);

        const QJsonValue eventsValue = item.value(QLatin1String("events"));
        if (eventsValue.isUndefined() && (!partial || deleteEvents)) {
            fail(missing(QStringLiteral("events"), i));
            continue;
        }
        const auto events = eventsValue.isUndefined() ? std::optional<std::array<quint8, 7>>(std::array<quint8, 7>{})
                                                      : parseEvents(eventsValue);
        if (!events) {
            fail(invalid(QStringLiteral("events"), i));
            continue;
        }
        if (deleteEvents) {
            QJsonArray removed;
            for (SimEntity entity : allSimEntities) {
                const auto slot = static_cast<std::size_t>(simEntityIndex(entity));
                if (!(*events)[slot])
                    continue;
                channel.events[slot] = static_cast<quint8>(channel.events[slot] & ~(*events)[slot]);
                removed.append(QJsonObject{{QStringLiteral("resource_uri"), resourceUri(apiDomain, version, entity)},
                                           {QStringLiteral("resource_id"), moduleResourceId(entity)},
                                           {QStringLiteral("resource_name"), simEntityName(entity)},
                                           {QStringLiteral("channel_id"), QString::number(*channelId)}});
            }
            if (std::all_of(channel.events.begin(), channel.events.end(), [](quint8 bits) { return bits == 0; }))
                m_channels.erase(key);
            else
                m_channels[key] = channel;
            results.append(QJsonObject{{QStringLiteral("code"), QStringLiteral("SUCCESS")},
                                       {QStringLiteral("details"), QJsonObject{{QStringLiteral("events"), removed}}},
                                       {QStringLiteral("message"), QStringLiteral("Successfully removed the subscribe details")},
                                       {QStringLiteral("status"), QStringLiteral("success")}});
            continue;
        }
        if (!eventsValue.isUndefined())
            channel.events = *events;
        if (const auto error = applySettings(item, i, mode == Mode::Patch, nowMs, channel)) {
            fail(*error);
            continue;
        }

        if (existing == m_channels.end()) {
            const auto owned = std::count_if(m_channels.begin(), m_channels.end(),
                                             [tenant](const auto &entry) { return entry.first.first == tenant; });
            if (owned >= maxPerTenant) {
                fail(itemError(QStringLiteral("LIMIT_EXCEEDED"),
                               QStringLiteral("at most %1 channels per client").arg(maxPerTenant),
                               QJsonObject{{QStringLiteral("limit"), maxPerTenant}}));
                continue;
            }
        }
        m_channels[key] = channel;
        QJsonArray details;
        for (SimEntity entity : allSimEntities) {
            if (!channel.events[static_cast<std::size_t>(simEntityIndex(entity))])
                continue;
            details.append(QJsonObject{{QStringLiteral("channel_expiry"), QString::fromStdString(formatCrmTime(channel.expiryMs / 1000))},
                                       {QStringLiteral("resource_uri"), resourceUri(apiDomain, version, entity)},
                                       {QStringLiteral("resource_id"), moduleResourceId(entity)},
                                       {QStringLiteral("resource_name"), simEntityName(entity)},
                                       {QStringLiteral("channel_id"), QString::number(*channelId)}});
        }
        results.append(QJsonObject{
            {QStringLiteral("code"), QStringLiteral("SUCCESS")},
            {QStringLiteral("details"), QJsonObject{{QStringLiteral("events"), details}}},
            {QStringLiteral("message"), mode == Mode::Enable ? QStringLiteral("Successfully subscribed for actions-watch of the given module")
                                                             : QStringLiteral("Successfully updated the subscribe details")},
            {QStringLiteral("status"), QStringLiteral("success")}});
    }
    return itemsReply(results);
}

SimReply SimChannels::list(const httplib::Request &request, int tenant, const QString &apiDomain,
                           const QString &version)
{
    std::optional<qint64> onlyChannel;
    if (request.has_param("channel_id")) {
        onlyChannel = channelIdOf(QString::fromStdString(request.get_param_value("channel_id")));
        if (!onlyChannel)
            return crmError(400, QStringLiteral("INVALID_DATA"), QStringLiteral("invalid data"),
                            QJsonObject{{QStringLiteral("param_name"), QStringLiteral("channel_id")}});
    }
    std::optional<SimEntity> onlyModule;
    if (request.has_param("module")) {
        onlyModule = crmModuleFromName(QString::fromStdString(request.get_param_value("module")));
        if (!onlyModule)
            return crmError(400, QStringLiteral("INVALID_MODULE"), QStringLiteral("the module name given seems to be invalid"));
    }
    int page = 1;
    int perPage = maxListPerPage;
    for (const auto &[name, target] : {std::pair<const char *, int *>{"page", &page}, {"per_page", &perPage}}) {
        if (!request.has_param(name))
            continue;
        bool ok = false;
        const int value = QString::fromStdString(request.get_param_value(name)).toInt(&ok);
        if (!ok || value < 1)
            return crmError(400, QStringLiteral("INVALID_DATA"), QStringLiteral("invalid data"),
                            QJsonObject{{QStringLiteral("param_name"), QString::fromLatin1(name)}});
        *target = value;
    }
    perPage = std::min(perPage, maxListPerPage);

    QJsonArray entries;
    {
        std::lock_guard lock(m_mutex);
        for (const auto &[key, channel] : m_channels) {
            if (key.first != tenant || (onlyChannel && key.second != *onlyChannel))
                continue;
            for (SimEntity entity : allSimEntities) {
                const quint8 bits = channel.events[static_cast<std::size_t>(simEntityIndex(entity))];
                if (!bits || (onlyModule && entity != *onlyModule))
                    continue;
                entries.append(QJsonObject{
                    {QStringLiteral("notify_on_related_action"), false},
                    {QStringLiteral("channel_expiry"), QString::fromStdString(formatCrmTime(channel.expiryMs / 1000))},
                    {QStringLiteral("return_affected_field_values"), channel.returnAffectedFieldValues},
                    {QStringLiteral("resource_uri"), resourceUri(apiDomain, version, entity)},
                    {QStringLiteral("resource_id"), moduleResourceId(entity)},
                    {QStringLiteral("notify_url"), channel.notifyUrl},
                    {QStringLiteral("resource_name"), simEntityName(entity)},
                    {QStringLiteral("fields"), QJsonValue::Null},
                    {QStringLiteral("channel_id"), QString::number(channel.channelId)},
                    {QStringLiteral("events"), eventList(entity, bits)},
                    {QStringLiteral("token"), QString::fromStdString(channel.token)}});
            }
        }
    }
    const qint64 offset = static_cast<qint64>(page - 1) * perPage;
    if (offset >= entries.size())
        return emptyReply(204);
    const int count = static_cast<int>(std::min<qint64>(perPage, entries.size() - offset));
    QJsonArray pageEntries;
    for (int i = 0; i < count; ++i)
        pageEntries.append(entries.at(static_cast<qsizetype>(offset) + i));
    return jsonReply(200, QJsonObject{{QStringLiteral("watch"), pageEntries},
                                      {QStringLiteral("info"), QJsonObject{{QStringLiteral("per_page"), perPage},
                                                                           {QStringLiteral("count"), count},
                                                                           {QStringLiteral("page"), page},
                                                                           {QStringLiteral("more_records"), offset + count < entries.size()}}}});
}

SimReply SimChannels::unsubscribe(const httplib::Request &request, int tenant, const QString &apiDomain,
                                  const QString &version)
{
    const QString idsText = request.has_param("channel_ids") ? QString::fromStdString(request.get_param_value("channel_ids")) : QString();
    if (idsText.trimmed().isEmpty())
        return crmError(400, QStringLiteral("REQUIRED_PARAM_MISSING"), QStringLiteral("One of the expected parameter is missing"),
                        QJsonObject{{QStringLiteral("param"), QStringLiteral("channel_ids")}});
    const QStringList parts = idsText.split(QLatin1Char(','));
    if (parts.size() > maxPerRequest)
        return crmError(400, QStringLiteral("LIMIT_EXCEEDED"),
                        QStringLiteral("at most %1 channels can be given in one request").arg(maxPerRequest),
                        QJsonObject{{QStringLiteral("limit"), maxPerRequest}});
    std::vector<qint64> ids;
    for (const QString &part : parts) {
        const auto id = channelIdOf(part.trimmed());
        if (!id)
            return crmError(400, QStringLiteral("INVALID_DATA"), QStringLiteral("invalid data"),
                            QJsonObject{{QStringLiteral("param_name"), QStringLiteral("channel_ids")},
                                        {QStringLiteral("value"), part.trimmed()}});
        ids.push_back(*id);
    }
    QJsonArray results;
    std::lock_guard lock(m_mutex);
    for (const qint64 id : ids) {
        const auto it = m_channels.find(Key{tenant, id});
        if (it == m_channels.end()) {
            results.append(itemError(QStringLiteral("INVALID_DATA"), QStringLiteral("the channel is not subscribed"),
                                     QJsonObject{{QStringLiteral("api_name"), QStringLiteral("channel_ids")},
                                                 {QStringLiteral("channel_id"), QString::number(id)}}));
            continue;
        }
        for (SimEntity entity : allSimEntities) {
            if (!it->second.events[static_cast<std::size_t>(simEntityIndex(entity))])
                continue;
            results.append(QJsonObject{
                {QStringLiteral("code"), QStringLiteral("SUCCESS")},
                {QStringLiteral("details"), QJsonObject{{QStringLiteral("resource_uri"), resourceUri(apiDomain, version, entity)},
                                                        {QStringLiteral("resource_id"), moduleResourceId(entity)},
                                                        {QStringLiteral("channel_id"), QString::number(id)}}},
                {QStringLiteral("message"), QStringLiteral("Successfully un-subscribed from actions-watch")},
                {QStringLiteral("status"), QStringLiteral("success")}});
        }
        m_channels.erase(it);
    }
    return itemsReply(results);
}

std::vector<SimChannels::Channel> SimChannels::matching(SimEntity entity, Event event, qint64 nowMs)
{
    std::vector<Channel> found;
    std::lock_guard lock(m_mutex);
    purge(nowMs);
    for (const auto &[key, channel] : m_channels) {
        if (channel.events[static_cast<std::size_t>(simEntityIndex(entity))] & static_cast<quint8>(event))
            found.push_back(channel);
    }
    return found;
}

bool SimChannels::wantsAffectedValues(SimEntity entity, Event event, qint64 nowMs)
{
    std::lock_guard lock(m_mutex);
    purge(nowMs);
    return std::any_of(m_channels.begin(), m_channels.end(), [&](const auto &entry) {
        return entry.second.returnAffectedFieldValues
            && (entry.second.events[static_cast<std::size_t>(simEntityIndex(entity))] & static_cast<quint8>(event));
    });
}

int SimChannels::drop(qint64 channelId, std::optional<int> tenant)
{
    std::lock_guard lock(m_mutex);
    int dropped = 0;
    for (auto it = m_channels.begin(); it != m_channels.end();) {
        if (it->first.second == channelId && (!tenant || it->first.first == *tenant)) {
            it = m_channels.erase(it);
            ++dropped;
        } else {
            ++it;
        }
    }
    return dropped;
}

QJsonArray SimChannels::toJson(qint64 nowMs, const SimTenants &tenants)
{
    QJsonArray all;
    std::lock_guard lock(m_mutex);
    purge(nowMs);
    for (const auto &[key, channel] : m_channels) {
        QJsonArray events;
        for (SimEntity entity : allSimEntities) {
            for (const QJsonValue &event : eventList(entity, channel.events[static_cast<std::size_t>(simEntityIndex(entity))]))
                events.append(event);
        }
        all.append(QJsonObject{{QStringLiteral("org_id"), tenants.at(channel.tenant).orgId},
                               {QStringLiteral("client_id"), tenants.at(channel.tenant).clientId},
                               {QStringLiteral("channel_id"), QString::number(channel.channelId)},
                               {QStringLiteral("events"), events},
                               {QStringLiteral("notify_url"), channel.notifyUrl},
                               {QStringLiteral("channel_expiry"), QString::fromStdString(formatCrmTime(channel.expiryMs / 1000))},
                               {QStringLiteral("expiry_ms"), channel.expiryMs},
                               {QStringLiteral("return_affected_field_values"), channel.returnAffectedFieldValues}});
    }
    return all;
}

void SimChannels::purge(qint64 nowMs)
{
    for (auto it = m_channels.begin(); it != m_channels.end();) {
        if (it->second.expiryMs <= nowMs)
            it = m_channels.erase(it);
        else
            ++it;
    }
}

}  // namespace tiersync::sim
