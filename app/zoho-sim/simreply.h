#pragma once

#include <string>
#include <utility>
#include <vector>

namespace tiersync::sim {

// What SimService decided for one request; SimHttpServer turns it into bytes on the
// socket (or into no bytes at all, for the connection faults).
struct SimReply final {
    enum class Action {
        Respond,  // send status, headers and body
        Drop,     // close the connection without answering (a timeout fault, after the hold)
        Reset,    // abort the connection with a TCP reset, without answering
    };

    int status = 200;
    std::string body;
    std::string contentType = "application/json;charset=UTF-8";
    std::vector<std::pair<std::string, std::string>> headers;
    Action action = Action::Respond;
};

}  // namespace tiersync::sim
