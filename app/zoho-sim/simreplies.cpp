#include "simreplies.h"

#include <QJsonDocument>

namespace tiersync::sim {

SimReply reply(int status, std::string body)
{
    SimReply result;
    result.status = status;
    result.body = std::move(body);
    return result;
}

SimReply jsonReply(int status, const QJsonObject &object)
{
    return reply(status, QJsonDocument(object).toJson(QJsonDocument::Compact).toStdString());
}

SimReply emptyReply(int status)
{
    SimReply result = reply(status, {});
    result.contentType.clear();
    return result;
}

QJsonObject crmErrorObject(const QString &code, const QString &message, const QJsonObject &details)
{
    return QJsonObject{{QStringLiteral("code"), code},
                       {QStringLiteral("details"), details},
                       {QStringLiteral("message"), message},
                       {QStringLiteral("status"), QStringLiteral("error")}};
}

SimReply crmError(int status, const QString &code, const QString &message, const QJsonObject &details)
{
    return jsonReply(status, crmErrorObject(code, message, details));
}

SimReply controlError(const QString &message)
{
    return jsonReply(400, QJsonObject{{QStringLiteral("error"), message}});
}

}  // namespace tiersync::sim
