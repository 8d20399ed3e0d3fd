#pragma once

#include "core/result.h"

#include <QtGlobal>

#include <functional>
#include <memory>
#include <string>

namespace httplib {
class Server;
struct Request;
struct Response;
}

namespace tiersync::sim {

class SimService;

// Puts SimService on a socket with cpp-httplib: one catch-all route, keep-alive, and a
// pool large enough that requests held by a timeout fault do not starve the rest.
// Connection faults act on the request's own socket: "reset" aborts it with a TCP RST,
// "drop" shuts it down, and httplib's attempt to answer then fails harmlessly.
class SimHttpServer final {
public:
    SimHttpServer(SimService &service, int threadCount);
    Q_DISABLE_COPY_MOVE(SimHttpServer)
    ~SimHttpServer();

    // Binds host:port (port 0: any free port) and returns the bound port.
    [[nodiscard]] Result<int> bind(const std::string &host, int port);
    // Serves until stop(); false if the server failed.
    bool run();
    // Callable from any thread; wakes held requests too.
    void stop();

private:
    void serve(const httplib::Request &request, httplib::Response &response);
    // The accepted socket that carries `request`: httplib does not expose it, so find
    // the descriptor whose peer is the request's remote address and port.
    [[nodiscard]] int connectionSocket(const httplib::Request &request) const;
    // Calls visit with each open socket accepted on this server's port until it returns false.
    void forEachConnection(const std::function<bool(int fd)> &visit) const;

    SimService &m_service;
    std::unique_ptr<httplib::Server> m_server;
    int m_port = 0;
};

}  // namespace tiersync::sim
