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
    if (result->status != 200)
        return makeError(ErrorKind::Protocol,
                         QStringLiteral("zoho-sim %1 answered HTTP %2").arg(path).arg(result->status));
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

}  // namespace tiersync::test
