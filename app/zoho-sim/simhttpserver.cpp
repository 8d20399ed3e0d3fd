#include "simhttpserver.h"

#include "simreply.h"
#include "simservice.h"

#include <httplib.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace tiersync::sim {
namespace {

// Address and port of a socket end, in the form httplib reports remote_addr.
bool endpoint(int fd, bool peer, std::string &address, int &port)
{
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    auto *raw = reinterpret_cast<sockaddr *>(&storage);
    if ((peer ? getpeername(fd, raw, &length) : getsockname(fd, raw, &length)) != 0)
        return false;
    char text[INET6_ADDRSTRLEN] = {};
    if (storage.ss_family == AF_INET) {
        const auto *v4 = reinterpret_cast<const sockaddr_in *>(&storage);
        inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
        port = ntohs(v4->sin_port);
    } else if (storage.ss_family == AF_INET6) {
        const auto *v6 = reinterpret_cast<const sockaddr_in6 *>(&storage);
        inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
        port = ntohs(v6->sin6_port);
    } else {
        return false;
    }
    address = text;
    return true;
}

}  // namespace

SimHttpServer::SimHttpServer(SimService &service, int threadCount)
    : m_service(service), m_server(std::make_unique<httplib::Server>())
{
    const auto threads = static_cast<std::size_t>(threadCount);
    m_server->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    // Benchmarks and syncs page over one connection for a long time.
    m_server->set_keep_alive_max_count(1000000);
    m_server->set_keep_alive_timeout(5);
    m_server->set_tcp_nodelay(true);
    m_server->set_payload_max_length(16 * 1024 * 1024);
    auto handler = [this](const httplib::Request &request, httplib::Response &response) {
        serve(request, response);
    };
    m_server->Get(".*", handler);
    m_server->Post(".*", handler);
    m_server->Put(".*", handler);
    m_server->Patch(".*", handler);
    m_server->Delete(".*", handler);
}

SimHttpServer::~SimHttpServer() = default;

Result<int> SimHttpServer::bind(const std::string &host, int port)
{
    if (port == 0) {
        m_port = m_server->bind_to_any_port(host);
        if (m_port <= 0)
            return makeError(ErrorKind::Unavailable,
                             QStringLiteral("cannot bind %1 on any port").arg(QString::fromStdString(host)));
    } else {
        if (!m_server->bind_to_port(host, port))
            return makeError(ErrorKind::Unavailable, QStringLiteral("cannot bind %1:%2: %3")
                                                         .arg(QString::fromStdString(host))
                                                         .arg(port)
                                                         .arg(QString::fromLocal8Bit(std::strerror(errno))));
        m_port = port;
    }
    return m_port;
}

bool SimHttpServer::run()
{
    return m_server->listen_after_bind();
}

void SimHttpServer::stop()
{
    m_service.shutdown();
    m_server->stop();
    // httplib leaves an idle keep-alive connection waiting for its next request until
    // the keep-alive timeout (5 s) before its pool thread notices the stop, and stopping
    // waits for every pool thread: a client that merely kept its connection open made
    // each stop take 5 s. Shutting the reading side of every connection ends those waits
    // at once, as a server going down closes its connections; a response being written
    // still goes out. The listening socket is closed by now, so every socket on this
    // port is an accepted connection.
    forEachConnection([](int fd) {
        (void)::shutdown(fd, SHUT_RD);
        return true;
    });
}

void SimHttpServer::serve(const httplib::Request &request, httplib::Response &response)
{
    SimReply reply;
    try {
        reply = m_service.handle(request);
    } catch (const std::exception &error) {
        reply.status = 500;
        reply.body = std::string(R"({"code":1000,"message":"Internal error"})");
        std::fprintf(stderr, "zoho-sim: %s %s failed: %s\n", request.method.c_str(), request.path.c_str(),
                     error.what());
    }
    if (reply.action != SimReply::Action::Respond) {
        const int fd = connectionSocket(request);
        if (fd >= 0) {
            if (reply.action == SimReply::Action::Reset) {
                // connect(AF_UNSPEC) disconnects a TCP socket with an RST but keeps the
                // descriptor, which httplib still owns and closes itself.
                sockaddr unspecified{};
                unspecified.sa_family = AF_UNSPEC;
                (void)::connect(fd, &unspecified, sizeof unspecified);
            } else {
                (void)::shutdown(fd, SHUT_RDWR);
            }
            response.set_header("Connection", "close");
            return;
        }
        // Socket not found (should not happen): a truncated answer is the next best thing.
        response.status = 200;
        response.set_content_provider(
            1024, "application/json",
            [](std::size_t, std::size_t, httplib::DataSink &sink) {
                sink.write("{\"code\":0,", 10);
                return false;
            });
        return;
    }
    response.status = reply.status;
    for (const auto &[name, value] : reply.headers)
        response.set_header(name.c_str(), value);
    if (!reply.body.empty()) {
        response.body = std::move(reply.body);
        response.set_header("Content-Type", reply.contentType);
    }
}

int SimHttpServer::connectionSocket(const httplib::Request &request) const
{
    // Only reads other descriptors (fstat/getsockname/getpeername; one closing meanwhile
    // just fails the check). The one acted on is this request's own connection, which
    // httplib keeps open until the handler returns, and no other open socket can share
    // its address pair, so the match cannot be a reused descriptor.
    int found = -1;
    forEachConnection([&](int fd) {
        std::string address;
        int port = 0;
        if (!endpoint(fd, true, address, port) || port != request.remote_port || address != request.remote_addr)
            return true;
        found = fd;
        return false;
    });
    return found;
}

void SimHttpServer::forEachConnection(const std::function<bool(int fd)> &visit) const
{
    DIR *directory = ::opendir("/proc/self/fd");
    if (!directory)
        return;
    while (dirent *entry = ::readdir(directory)) {
        char *end = nullptr;
        const long fd = std::strtol(entry->d_name, &end, 10);
        if (end == entry->d_name || *end != '\0' || fd == ::dirfd(directory))
            continue;
        struct stat info {};
        if (::fstat(static_cast<int>(fd), &info) != 0 || !S_ISSOCK(info.st_mode))
            continue;
        std::string address;
        int port = 0;
        if (!endpoint(static_cast<int>(fd), false, address, port) || port != m_port)
            continue;
        if (!visit(static_cast<int>(fd)))
            break;
    }
    ::closedir(directory);
}

}  // namespace tiersync::sim
