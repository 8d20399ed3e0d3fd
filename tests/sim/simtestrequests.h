#pragma once

#include "simreply.h"

#include <QJsonObject>

#include <string>
#include <utility>
#include <vector>

namespace httplib {
struct Request;
}

namespace tiersync::sim::test {

using Params = std::vector<std::pair<std::string, std::string>>;

// A request as the HTTP server hands it to SimService::handle(): query parameters, the
// access token (Authorization: Zoho-oauthtoken …) when given, and the body.
[[nodiscard]] httplib::Request request(const std::string &method, const std::string &path, const Params &params = {},
                                       const std::string &token = {}, const std::string &body = {});
// The reply's body as a JSON object (empty when it is not one).
[[nodiscard]] QJsonObject json(const SimReply &reply);

}  // namespace tiersync::sim::test
