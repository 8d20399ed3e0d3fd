#pragma once

#include "simreply.h"

#include <QJsonObject>
#include <QString>

#include <string>

namespace tiersync::sim {

// The answer shapes every part of the sim writes.
[[nodiscard]] SimReply reply(int status, std::string body);
[[nodiscard]] SimReply jsonReply(int status, const QJsonObject &object);
// 204/304: Zoho sends no body and no content type.
[[nodiscard]] SimReply emptyReply(int status);
// {"code","details","message","status":"error"}, CRM's error object.
[[nodiscard]] QJsonObject crmErrorObject(const QString &code, const QString &message,
                                         const QJsonObject &details = {});
[[nodiscard]] SimReply crmError(int status, const QString &code, const QString &message,
                                const QJsonObject &details = {});
// {"error": message} with HTTP 400, how /_sim/ controls refuse.
[[nodiscard]] SimReply controlError(const QString &message);

}  // namespace tiersync::sim
