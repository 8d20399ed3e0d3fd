#include "simtestrequests.h"

#include <QJsonDocument>

#include <httplib.h>

namespace tiersync::sim::test {

httplib::Request request(const std::string &method, const std::string &path, const Params &params,
                         const std::string &token, const std::string &body)
{
    httplib::Request result;
    result.method = method;
    result.path = path;
    for (const auto &[key, value] : params)
        result.params.emplace(key, value);
    if (!token.empty())
        result.headers.emplace("Authorization", "Zoho-oauthtoken " + token);
    result.body = body;
    return result;
}

QJsonObject json(const SimReply &reply)
{
    return QJsonDocument::fromJson(QByteArray::fromStdString(reply.body)).object();
}

}  // namespace tiersync::sim::test
