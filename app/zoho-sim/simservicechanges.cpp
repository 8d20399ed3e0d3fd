// SimService: changes to the data set (/_sim/mutate), CRM's deleted-records list, and the
// notifications those changes send to watch channels.
#include "simservice.h"

#include "simreplies.h"
#include "simtime.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <httplib.h>

#include <algorithm>
#include <climits>

namespace tiersync::sim {
namespace {

constexpr int maxPerPage = 200;
constexpr int maxIdsPerNotification = 100;  // Zoho batches ids, at most 100 a notification
constexpr int maxCreatePerCall = 1000;
constexpr int waitNotificationsMs = 20000;

enum class Operation { Update, Delete, Create, Move };

std::optional<Operation> operationFrom(const QString &name)
{
    if (name == QLatin1String("update"))
        return Operation::Update;
    if (name == QLatin1String("delete"))
        return Operation::Delete;
    if (name == QLatin1String("create"))
        return Operation::Create;
    if (name == QLatin1String("move"))
        return Operation::Move;
    return std::nullopt;
}

// A Moodle user id: a positive integer, as a JSON number or a string of digits.
std::optional<int> moodleUserId(const QJsonValue &value)
{
    qint64 id = 0;
    if (value.isDouble() && value.toDouble() == static_cast<double>(value.toInteger())) {
        id = value.toInteger();
    } else if (value.isString()) {
        bool ok = false;
        id = value.toString().toLongLong(&ok);
        if (!ok)
            return std::nullopt;
    } else {
        return std::nullopt;
    }
    if (id < 1 || id > INT_MAX)
        return std::nullopt;
    return static_cast<int>(id);
}

// The fields an update changes (see README), for the notification's affected_fields.
QStringList updatedFields(SimEntity entity)
{
    switch (entity) {
    case SimEntity::Students: return {QStringLiteral("Credits_Earned"), QStringLiteral("Modified_Time")};
    case SimEntity::Grades:
        return {QStringLiteral("Score"), QStringLiteral("Letter_Grade"), QStringLiteral("Modified_Time")};
    case SimEntity::Payments:
        return {QStringLiteral("Status"), QStringLiteral("Amount_Paid"), QStringLiteral("Modified_Time")};
    case SimEntity::Classes: return {QStringLiteral("Room"), QStringLiteral("Modified_Time")};
    case SimEntity::Requests: return {QStringLiteral("Status"), QStringLiteral("Modified_Time")};
    default: return {};
    }
}

QStringList movedFields(SimEntity entity)
{
    if (entity == SimEntity::Students)
        return {QStringLiteral("Moodle_User_ID"), QStringLiteral("Name"), QStringLiteral("First_Name"),
                QStringLiteral("Last_Name"), QStringLiteral("Full_Name"), QStringLiteral("Email"),
                QStringLiteral("Modified_Time")};
    return {QStringLiteral("Moodle_User_ID"), QStringLiteral("Student"), QStringLiteral("Modified_Time")};
}

SimChannels::Event eventOf(Operation operation)
{
    switch (operation) {
    case Operation::Create: return SimChannels::Event::Create;
    case Operation::Delete: return SimChannels::Event::Delete;
    default: return SimChannels::Event::Edit;
    }
}

// [{"<id>":[fields]}…] for updates and moves, [] otherwise.
QJsonArray affectedFields(SimEntity entity, Operation operation, const std::vector<std::string> &ids)
{
    const QStringList fields = operation == Operation::Update ? updatedFields(entity)
                               : operation == Operation::Move ? movedFields(entity)
                                                              : QStringList();
    QJsonArray affected;
    if (!fields.isEmpty()) {
        const QJsonArray names = QJsonArray::fromStringList(fields);
        for (const std::string &id : ids)
            affected.append(QJsonObject{{QString::fromStdString(id), names}});
    }
    return affected;
}

// Zoho's affected_values entry of one changed record: the fields whose value differs
// between before and after, with their new values (a field gone: null). Modified_Time is
// left out: Zoho sends none per record, only the notification's server_time.
QJsonObject affectedValuesEntry(const std::string &id, const QJsonObject &before, const QJsonObject &after)
{
    QJsonObject values;
    for (auto it = after.begin(); it != after.end(); ++it)
        if (it.key() != QLatin1String("Modified_Time") && before.value(it.key()) != it.value())
            values.insert(it.key(), it.value());
    for (auto it = before.begin(); it != before.end(); ++it)
        if (it.key() != QLatin1String("Modified_Time") && !after.contains(it.key()))
            values.insert(it.key(), QJsonValue::Null);
    return QJsonObject{{QStringLiteral("record_id"), QString::fromStdString(id)}, {QStringLiteral("values"), values}};
}

}  // namespace

SimReply SimService::controlMutate(const QJsonObject &body)
{
    static const QStringList knownKeys{
        QStringLiteral("entity"),         QStringLiteral("operation"),         QStringLiteral("ids"),
        QStringLiteral("count"),          QStringLiteral("fraction"),          QStringLiteral("moodle_user_id"),
        QStringLiteral("to_moodle_user_id"), QStringLiteral("type"),           QStringLiteral("wait_notifications")};
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (!knownKeys.contains(it.key()))
            return controlError(QStringLiteral("unknown mutate field '%1'").arg(it.key()));
    }
    const auto entity = simEntityFromName(body.value(QLatin1String("entity")).toString());
    if (!entity)
        return controlError(QStringLiteral("entity: expected products, customers, students or a CRM module"));
    const auto operation = operationFrom(body.value(QLatin1String("operation")).toString(QStringLiteral("update")));
    if (!operation)
        return controlError(QStringLiteral("operation: expected update, delete, create or move"));
    if (*operation != Operation::Update && !isCrmEntity(*entity))
        return controlError(QStringLiteral("operation %1: CRM modules only").arg(body.value(QLatin1String("operation")).toString()));
    const QJsonValue wait = body.value(QLatin1String("wait_notifications"));
    if (!wait.isUndefined() && !wait.isBool())
        return controlError(QStringLiteral("wait_notifications: expected true or false"));
    const QJsonValue typeValue = body.value(QLatin1String("type"));
    const QString type = typeValue.toString(QStringLiteral("recycle"));
    if (!typeValue.isUndefined() && (*operation != Operation::Delete || !typeValue.isString()
                                     || (type != QLatin1String("recycle") && type != QLatin1String("permanent"))))
        return controlError(QStringLiteral("type: only for delete, recycle or permanent"));

    const qint64 nowS = nowSeconds();
    QJsonArray changed;
    QJsonArray unknown;
    QJsonArray moved;
    std::vector<std::string> changedIds;
    QJsonArray affectedValues;  // updates and moves, when a channel asked for them
    quint64 last = 0;  // the sequence of this call's last notification
    {
        std::unique_lock lock(m_dataMutex);
        if (*operation == Operation::Create) {
            if (body.contains(QLatin1String("ids")) || body.contains(QLatin1String("fraction")))
                return controlError(QStringLiteral("create takes moodle_user_id and count, not ids or fraction"));
            const auto owner = moodleUserId(body.value(QLatin1String("moodle_user_id")));
            if (!owner)
                return controlError(QStringLiteral("moodle_user_id: expected a positive integer"));
            const int count = body.value(QLatin1String("count")).toInt(body.contains(QLatin1String("count")) ? -1 : 1);
            if (count < 1 || count > maxCreatePerCall)
                return controlError(QStringLiteral("count: expected 1 … %1").arg(maxCreatePerCall));
            if (*entity == SimEntity::Students) {
                if (count != 1)
                    return controlError(QStringLiteral("count: a Moodle user has at most one student"));
                if (const auto existing = m_data.studentIdOf(*owner))
                    return controlError(QStringLiteral("Moodle user %1 already has student %2")
                                            .arg(*owner).arg(QString::fromStdString(*existing)));
            }
            for (int i = 0; i < count; ++i) {
                const int index = m_data.create(*entity, *owner, nowS);
                changedIds.push_back(m_data.records(*entity)[static_cast<std::size_t>(index)].id);
            }
        } else {
            std::vector<int> indices;
            if (body.contains(QLatin1String("ids"))) {
                if (!body.value(QLatin1String("ids")).isArray())
                    return controlError(QStringLiteral("ids: expected an array"));
                for (const QJsonValue &value : body.value(QLatin1String("ids")).toArray()) {
                    const QString id = value.isDouble() ? QString::number(value.toInteger()) : value.toString();
                    const int index = m_data.indexOfId(*entity, id.toStdString());
                    if (index < 0)
                        unknown.append(id);
                    else if (std::find(indices.begin(), indices.end(), index) == indices.end())
                        indices.push_back(index);
                }
            } else if (body.contains(QLatin1String("moodle_user_id"))) {
                const auto owner = moodleUserId(body.value(QLatin1String("moodle_user_id")));
                if (!owner || !isCrmEntity(*entity))
                    return controlError(QStringLiteral("moodle_user_id: expected a positive integer (CRM modules)"));
                indices = m_data.indicesOfMoodleUser(*entity, *owner);
            } else {
                int count = 0;
                if (body.contains(QLatin1String("count"))) {
                    count = body.value(QLatin1String("count")).toInt(-1);
                    if (count < 0)
                        return controlError(QStringLiteral("count: expected a non-negative number"));
                } else {
                    const double fraction = body.value(QLatin1String("fraction")).toDouble(-1);
                    if (fraction < 0 || fraction > 1)
                        return controlError(QStringLiteral("fraction: expected a number in [0, 1] (or give ids, moodle_user_id or count)"));
                    count = static_cast<int>(std::llround(fraction * m_data.size(*entity)));
                }
                std::lock_guard configLock(m_configMutex);
                indices = m_data.pickIndices(*entity, count, ++m_mutationDraws);
            }

            std::optional<int> target;
            if (*operation == Operation::Move) {
                target = moodleUserId(body.value(QLatin1String("to_moodle_user_id")));
                if (!target)
                    return controlError(QStringLiteral("to_moodle_user_id: expected a positive integer"));
                if (*entity == SimEntity::Students && !indices.empty()) {
                    if (indices.size() > 1)
                        return controlError(QStringLiteral("a Moodle user has at most one student: move one at a time"));
                    const std::string &id = m_data.records(*entity)[static_cast<std::size_t>(indices.front())].id;
                    const auto existing = m_data.studentIdOf(*target);
                    if (existing && *existing != id)
                        return controlError(QStringLiteral("Moodle user %1 already has student %2")
                                                .arg(*target).arg(QString::fromStdString(*existing)));
                }
            } else if (body.contains(QLatin1String("to_moodle_user_id"))) {
                return controlError(QStringLiteral("to_moodle_user_id: only for move"));
            }

            for (const int index : indices)
                changedIds.push_back(m_data.records(*entity)[static_cast<std::size_t>(index)].id);
            // The records before the change, for affected_values (updates and moves keep
            // their indices).
            std::vector<QJsonObject> before;
            if ((*operation == Operation::Update || *operation == Operation::Move) && isCrmEntity(*entity)
                && m_channels.wantsAffectedValues(*entity, SimChannels::Event::Edit, m_clock.nowMs()))
                for (const int index : indices)
                    before.push_back(m_data.object(*entity, index));
            switch (*operation) {
            case Operation::Update:
                for (const int index : indices)
                    m_data.mutate(*entity, index, nowS);
                break;
            case Operation::Move:
                for (const int index : indices) {
                    const int from = m_data.records(*entity)[static_cast<std::size_t>(index)].moodleUserId;
                    m_data.move(*entity, index, *target, nowS);
                    moved.append(QJsonObject{
                        {QStringLiteral("id"), QString::fromStdString(m_data.records(*entity)[static_cast<std::size_t>(index)].id)},
                        {QStringLiteral("from_moodle_user_id"), from},
                        {QStringLiteral("to_moodle_user_id"), *target}});
                }
                break;
            case Operation::Delete:
                m_data.remove(*entity, indices, nowS, type == QLatin1String("permanent"));
                break;
            case Operation::Create: break;
            }
            for (std::size_t i = 0; i < before.size(); ++i)
                affectedValues.append(affectedValuesEntry(changedIds[i], before[i], m_data.object(*entity, indices[i])));
        }
        // Queued before the data lock goes, so notifications leave in the order the changes
        // were made even when mutations run concurrently.
        if (isCrmEntity(*entity) && !changedIds.empty())
            last = notify(*entity, eventOf(*operation), changedIds, affectedFields(*entity, *operation, changedIds),
                          affectedValues);
    }
    for (const std::string &id : changedIds)
        changed.append(QString::fromStdString(id));

    QJsonObject answer{{QStringLiteral("entity"), simEntityName(*entity)},
                       {QStringLiteral("operation"), body.value(QLatin1String("operation")).toString(QStringLiteral("update"))},
                       {QStringLiteral("mutated"), static_cast<int>(changed.size())},
                       {QStringLiteral("ids"), changed}};
    if (!unknown.isEmpty())
        answer.insert(QStringLiteral("unknown"), unknown);
    if (*operation == Operation::Move)
        answer.insert(QStringLiteral("moved"), moved);
    if (isCrmEntity(*entity)) {
        answer.insert(*operation == Operation::Delete ? QStringLiteral("deleted_time") : QStringLiteral("modified_time"),
                      QString::fromStdString(formatCrmTime(nowS)));
        if (*operation == Operation::Delete)
            answer.insert(QStringLiteral("type"), type);

        QJsonObject notifications{{QStringLiteral("queued"), last > 0}};
        if (wait.toBool(false) && last > 0)
            notifications.insert(QStringLiteral("delivered"), m_notifier.waitDelivered(last, waitNotificationsMs));
        answer.insert(QStringLiteral("notifications"), notifications);
    }
    return jsonReply(200, answer);
}

quint64 SimService::notify(SimEntity entity, SimChannels::Event event, const std::vector<std::string> &ids,
                           const QJsonArray &affectedFields, const QJsonArray &affectedValues)
{
    const qint64 nowMs = m_clock.nowMs();
    const std::vector<SimChannels::Channel> channels = m_channels.matching(entity, event, nowMs);
    if (channels.empty())
        return 0;
    const QString operation = event == SimChannels::Event::Create   ? QStringLiteral("insert")
                              : event == SimChannels::Event::Delete ? QStringLiteral("delete")
                                                                    : QStringLiteral("update");
    const QString module = simEntityName(entity);
    const QString resourceUri = QString::fromStdString(apiDomain()) + QStringLiteral("/crm/v2/") + module;
    std::vector<SimNotifier::Delivery> deliveries;
    for (std::size_t first = 0; first < ids.size(); first += maxIdsPerNotification) {
        const std::size_t end = std::min(ids.size(), first + maxIdsPerNotification);
        QJsonArray batch;
        QJsonArray batchAffected;
        QJsonArray batchValues;
        for (std::size_t i = first; i < end; ++i) {
            batch.append(QString::fromStdString(ids[i]));
            if (!affectedFields.isEmpty())
                batchAffected.append(affectedFields.at(static_cast<qsizetype>(i)));
            if (!affectedValues.isEmpty())
                batchValues.append(affectedValues.at(static_cast<qsizetype>(i)));
        }
        const qint64 serverTime = m_notifier.serverTime(nowMs);
        for (const SimChannels::Channel &channel : channels) {
            QJsonObject notification{
                {QStringLiteral("server_time"), serverTime},
                {QStringLiteral("query_params"), QJsonObject()},
                {QStringLiteral("module"), module},
                {QStringLiteral("resource_uri"), resourceUri},
                {QStringLiteral("ids"), batch},
                {QStringLiteral("affected_fields"), batchAffected},
                {QStringLiteral("operation"), operation},
                {QStringLiteral("channel_id"), QString::number(channel.channelId)},
                {QStringLiteral("token"), QString::fromStdString(channel.token)}};
            if (channel.returnAffectedFieldValues && !batchValues.isEmpty())
                notification.insert(QStringLiteral("affected_values"), batchValues);
            deliveries.push_back(SimNotifier::Delivery{channel.notifyUrl,
                                                       QJsonDocument(notification).toJson(QJsonDocument::Compact).toStdString(),
                                                       m_tenants.at(channel.tenant).orgId, QString::number(channel.channelId),
                                                       module, operation, static_cast<int>(batch.size())});
        }
    }
    return m_notifier.enqueue(std::move(deliveries));
}

SimReply SimService::controlNotifications(bool post, const QJsonObject &body)
{
    if (post) {
        for (auto it = body.begin(); it != body.end(); ++it) {
            if (it.key() != QLatin1String("reset"))
                return controlError(QStringLiteral("unknown notifications control '%1'").arg(it.key()));
        }
        if (body.value(QLatin1String("reset")).toBool(false))
            m_notifier.resetCounters();
    }
    return jsonReply(200, m_notifier.toJson());
}

SimReply SimService::controlChannels(bool post, const QJsonObject &body)
{
    if (post) {
        for (auto it = body.begin(); it != body.end(); ++it) {
            if (it.key() != QLatin1String("drop") && it.key() != QLatin1String("org_id"))
                return controlError(QStringLiteral("unknown channels control '%1'").arg(it.key()));
        }
        const QJsonValue drop = body.value(QLatin1String("drop"));
        const qint64 channelId = drop.isString() ? drop.toString().toLongLong() : drop.toInteger();
        if (channelId < 1)
            return controlError(QStringLiteral("drop: expected a channel id"));
        std::optional<int> tenant;
        if (body.contains(QLatin1String("org_id"))) {
            tenant = m_tenants.byOrgId(body.value(QLatin1String("org_id")).toString());
            if (!tenant)
                return controlError(QStringLiteral("org_id: no such tenant"));
        }
        const int dropped = m_channels.drop(channelId, tenant);
        return jsonReply(200, QJsonObject{{QStringLiteral("dropped"), dropped},
                                          {QStringLiteral("channels"), m_channels.toJson(m_clock.nowMs(), m_tenants)}});
    }
    return jsonReply(200, QJsonObject{{QStringLiteral("now_ms"), m_clock.nowMs()},
                                      {QStringLiteral("channels"), m_channels.toJson(m_clock.nowMs(), m_tenants)}});
}

SimReply SimService::crmDeleted(SimEntity entity, const httplib::Request &request, std::optional<qint64> sinceS)
{
    if (request.method != "GET")
        return crmError(400, QStringLiteral("INVALID_REQUEST_METHOD"),
                        QStringLiteral("The http request method type is not a valid one"));
    const std::string type = request.has_param("type") ? request.get_param_value("type") : std::string("all");
    if (type != "all" && type != "recycle" && type != "permanent")
        return crmError(400, QStringLiteral("INVALID_DATA"), QStringLiteral("invalid data"),
                        QJsonObject{{QStringLiteral("param_name"), QStringLiteral("type")}});
    int page = 1;
    int perPage = maxPerPage;
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
    perPage = std::min(perPage, maxPerPage);

    static const QJsonObject simUser{{QStringLiteral("name"), QStringLiteral("Sim Admin")},
                                     {QStringLiteral("id"), QStringLiteral("3652397000000186017")}};
    const SimPagingFault fault = pagingFault(request);
    std::shared_lock lock(m_dataMutex);
    std::vector<const SimDataSet::Deleted *> selected;
    for (const SimDataSet::Deleted &record : m_data.deleted(entity)) {
        if ((type == "recycle" && record.permanent) || (type == "permanent" && !record.permanent))
            continue;
        if (sinceS && record.deletedS <= *sinceS)
            continue;
        selected.push_back(&record);
    }
    if (selected.empty())
        return emptyReply(sinceS ? 304 : 204);
    const auto total = static_cast<qint64>(selected.size());
    if (static_cast<qint64>(page - 1) * perPage >= total && !simPagingGoesOn(fault))
        return emptyReply(204);
    const SimPageWindow window = SimPageWindow::of(fault, page, static_cast<qint64>(page - 1) * perPage, perPage, total);
    QJsonArray data;
    for (int i = 0; i < window.count; ++i) {
        const SimDataSet::Deleted &record = *selected[static_cast<std::size_t>(window.offset + i)];
        data.append(QJsonObject{{QStringLiteral("id"), QString::fromStdString(record.id)},
                                {QStringLiteral("display_name"), record.displayName},
                                {QStringLiteral("type"), record.permanent ? QStringLiteral("permanent") : QStringLiteral("recycle")},
                                {QStringLiteral("deleted_time"), QString::fromStdString(formatCrmTime(record.deletedS))},
                                {QStringLiteral("deleted_by"), simUser},
                                {QStringLiteral("created_by"), simUser}});
    }
    return jsonReply(200, QJsonObject{{QStringLiteral("data"), data},
                                      {QStringLiteral("info"), QJsonObject{{QStringLiteral("per_page"), perPage},
                                                                           {QStringLiteral("count"), window.count},
                                                                           {QStringLiteral("page"), window.echoedPage},
                                                                           {QStringLiteral("more_records"), window.more}}}});
}

}  // namespace tiersync::sim
