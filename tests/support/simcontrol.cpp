#include "simcontrol.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <httplib.h>

namespace tiersync::test {

namespace {

Result<QJsonObject> answer(const QString &apiBase, const QString &path, const httplib::Result &result)
{
    if (!result)
        return makeError(ErrorKind::Unavailable,
                         QStringLiteral("zoho-sim at %1 unreachable: %2")
                             .arg(apiBase, QString::fromStdString(httplib::to_string(result.error()))));
    if (result->status != 200) {
        // Controls explain a refusal in {"error": …} (never a secret).
        const QString why = QJsonDocument::fromJson(QByteArray::fromStdString(result->body))
                                .object().value(QStringLiteral("error")).toString();
        return makeError(result->status == 400 ? ErrorKind::InvalidArgument : ErrorKind::Protocol,
                         QStringLiteral("zoho-sim %1 answered HTTP %2%3")
                             .arg(path).arg(result->status).arg(why.isEmpty() ? QString() : QStringLiteral(": ") + why));
    }
    return QJsonDocument::fromJson(QByteArray::fromStdString(result->body)).object();
}

httplib::Client clientFor(const QString &apiBase)
{
    httplib::Client client(apiBase.toStdString());
    client.set_connection_timeout(5);
    client.set_read_timeout(10);
    return client;
}

}  // namespace

Result<QJsonObject> simGet(const QString &apiBase, const QString &path)
{
    auto client = clientFor(apiBase);
    return answer(apiBase, path, client.Get(path.toStdString()));
}

Result<QJsonObject> simPost(const QString &apiBase, const QString &path, const QJsonObject &body)
{
    auto client = clientFor(apiBase);
    return answer(apiBase, path,
                  client.Post(path.toStdString(), QJsonDocument(body).toJson(QJsonDocument::Compact).toStdString(),
                              "application/json"));
}

QJsonObject noSimFaults()
{
    return QJsonObject{{QStringLiteral("latency_ms"), QJsonArray{0, 0}},
                       {QStringLiteral("error_5xx"), 0.0},
                       {QStringLiteral("rate_429"), 0.0},
                       {QStringLiteral("timeout"), 0.0},
                       {QStringLiteral("reset"), 0.0},
                       {QStringLiteral("timeout_ms"), 30000},
                       {QStringLiteral("rate_429_code"), 44},
                       {QStringLiteral("retry_after_s"), 0}};
}

Result<QJsonObject> simLimits(const QString &apiBase)
{
    return simGet(apiBase, QStringLiteral("/_sim/limits"));
}

Result<QJsonObject> simSetLimits(const QString &apiBase, const QJsonObject &changes)
{
    return simPost(apiBase, QStringLiteral("/_sim/limits"), changes);
}

Result<QJsonObject> simRegisterTenant(const QString &apiBase, const ZohoSettings &settings)
{
    return simPost(apiBase, QStringLiteral("/_sim/tenants"),
                   QJsonObject{{QStringLiteral("org_id"), settings.orgId},
                               {QStringLiteral("client_id"), settings.clientId},
                               {QStringLiteral("client_secret"), settings.clientSecret.reveal()},
                               {QStringLiteral("refresh_token"), settings.refreshToken.reveal()}});
}

Result<QJsonObject> simAdvanceClock(const QString &apiBase, qint64 ms)
{
    return simPost(apiBase, QStringLiteral("/_sim/clock"), QJsonObject{{QStringLiteral("advance_ms"), ms}});
}

Result<QJsonObject> simLimitStats(const QString &apiBase, const QString &orgId)
{
    auto stats = simGet(apiBase, QStringLiteral("/_sim/stats"));
    if (!stats)
        return stats.error();
    const QJsonObject tenants =
        stats->value(QStringLiteral("limits")).toObject().value(QStringLiteral("tenants")).toObject();
    if (!tenants.contains(orgId))
        return makeError(ErrorKind::NotFound, QStringLiteral("zoho-sim has no tenant with org id %1").arg(orgId));
    return tenants.value(orgId).toObject();
}

Result<QJsonObject> simMutateOp(const QString &apiBase, const QString &entity, const QString &operation,
                                const QJsonObject &fields)
{
    QJsonObject body = fields;
    body.insert(QStringLiteral("entity"), entity);
    body.insert(QStringLiteral("operation"), operation);
    // "wait_notifications" may hold the answer until the sim's deliveries are done (at most 20 s).
    auto client = clientFor(apiBase);
    client.set_read_timeout(30);
    const QString path = QStringLiteral("/_sim/mutate");
    return answer(apiBase, path,
                  client.Post(path.toStdString(), QJsonDocument(body).toJson(QJsonDocument::Compact).toStdString(),
                              "application/json"));
}

Result<QJsonObject> simNotifications(const QString &apiBase)
{
    return simGet(apiBase, QStringLiteral("/_sim/notifications"));
}

Result<QJsonArray> simChannels(const QString &apiBase)
{
    auto answer = simGet(apiBase, QStringLiteral("/_sim/channels"));
    if (!answer)
        return answer.error();
    return answer->value(QStringLiteral("channels")).toArray();
}

Result<QJsonObject> simDropChannel(const QString &apiBase, const QString &channelId)
{
    return simPost(apiBase, QStringLiteral("/_sim/channels"), QJsonObject{{QStringLiteral("drop"), channelId}});
}

Result<qint64> simRequestsUnder(const QString &apiBase, const QString &pathPrefix)
{
    auto stats = simGet(apiBase, QStringLiteral("/_sim/stats"));
    if (!stats)
        return stats.error();
    qint64 total = 0;
    const QJsonObject requests = stats->value(QStringLiteral("requests")).toObject();
    for (auto it = requests.begin(); it != requests.end(); ++it)
        if (it.key().section(QLatin1Char(' '), 1).startsWith(pathPrefix))
            total += it.value().toInteger();
    return total;
}

}  // namespace tiersync::test
