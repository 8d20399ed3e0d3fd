#include "tunnel/sshtunnel.h"

#include "tunnel/sshlog.h"

#include <libssh/libssh.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <list>
#include <string>
#include <vector>

namespace tiersync {

namespace {

constexpr std::size_t kBuffer = std::size_t(SshTunnel::kBufferBytes);

// A listening socket on 127.0.0.1, any free port.
Result<int> listenOnLoopback(int *port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return makeError(ErrorKind::Internal, QStringLiteral("socket: %1").arg(QString::fromLocal8Bit(std::strerror(errno))));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 || ::listen(fd, 64) != 0
        || ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) != 0) {
        const QString why = QString::fromLocal8Bit(std::strerror(errno));
        ::close(fd);
        return makeError(ErrorKind::Internal, QStringLiteral("cannot listen on 127.0.0.1: %1").arg(why));
    }
    *port = ntohs(address.sin_port);
    return fd;
}

int peerPort(int fd)
{
    sockaddr_in address{};
    socklen_t length = sizeof address;
    if (::getpeername(fd, reinterpret_cast<sockaddr *>(&address), &length) != 0)
        return 0;
    return ntohs(address.sin_port);
}

}  // namespace

// Everything the tunnel's thread owns. Only that thread touches it once it runs (open()
// hands it the first session before starting the thread); stop() only writes to wakeFd.
struct SshTunnel::Pump {
    // One forwarded connection: a local socket and its channel.
    struct Link {
        int fd = -1;
        ssh_channel channel = nullptr;
        std::string toRemote;  // read from fd, not yet written to the channel
        std::string toLocal;   // read from the channel, not yet sent to fd
        bool localEof = false;
        bool remoteEof = false;
        bool broken = false;
    };

    SshTunnel *tunnel = nullptr;
    std::vector<int> listeners;
    int wakeFd = -1;
    std::unique_ptr<SshSession> session;
    ssh_event event = nullptr;  // the session's socket, for processing it with no channel open
    std::list<Link> links;
    std::atomic<bool> stopping{false};

    ~Pump()
    {
        closeSession();
        for (const int fd : listeners)
            ::close(fd);
        if (wakeFd >= 0)
            ::close(wakeFd);
    }

    void run()
    {
        pthread_setname_np(pthread_self(), "ssh-tunnel");
        std::vector<pollfd> fds;
        while (!stopping.load()) {
            fds.clear();
            fds.push_back({wakeFd, POLLIN, 0});
            for (const int fd : listeners)
                fds.push_back({fd, POLLIN, 0});
            const std::size_t sessionIndex = fds.size();
            if (session) {
                short events = POLLIN;
                if (ssh_get_poll_flags(session->handle()) & SSH_WRITE_PENDING)
                    events |= POLLOUT;
                fds.push_back({ssh_get_fd(session->handle()), events, 0});
            }
            const std::size_t linksIndex = fds.size();
            for (const Link &link : links) {
                short events = 0;
                if (!link.localEof && link.toRemote.size() < kBuffer)
                    events |= POLLIN;
                if (!link.toLocal.empty())
                    events |= POLLOUT;
                fds.push_back({link.fd, events, 0});
            }
            if (::poll(fds.data(), fds.size(), -1) < 0) {
                if (errno == EINTR)
                    continue;
                qCWarning(lcSsh) << "poll failed:" << std::strerror(errno);
                break;
            }
            if (stopping.load())
                break;
            std::size_t index = linksIndex;
            for (Link &link : links) {
                // A client that reset its connection: nothing more can be said to it.
                if (index < fds.size() && (fds[index++].revents & (POLLERR | POLLHUP | POLLNVAL)))
                    link.broken = true;
            }
            if (session && sessionIndex < fds.size() && fds[sessionIndex].revents != 0)
                ssh_event_dopoll(event, 0);  // reads what arrived (data, window, close), flushes what waits
            for (std::size_t i = 0; i < listeners.size(); ++i) {
                if (fds[1 + i].revents & POLLIN)
                    acceptOn(i);
            }
            pumpAll();
        }
        closeSession();
    }

    // Moves what can move on every link until nothing moves (reading one channel can
    // bring another's data into libssh's buffers), then closes the links that are done.
    void pumpAll()
    {
        for (bool moved = true; moved;) {
            moved = false;
            for (Link &link : links)
                moved = pump(link) || moved;
        }
        if (session && (!ssh_is_connected(session->handle()) || (ssh_get_status(session->handle()) & SSH_CLOSED_ERROR))) {
            dropSession(QStringLiteral("the SSH session closed"));
            return;
        }
        for (auto it = links.begin(); it != links.end();) {
            const bool done = it->broken || (it->localEof && it->toRemote.empty())
                              || (it->remoteEof && it->toLocal.empty());
            if (done)
                it = closeLink(it);
            else
                ++it;
        }
    }

    // Whether any byte moved.
    bool pump(Link &link)
    {
        bool moved = false;
        char chunk[16 * 1024];
        // channel -> local socket
        while (!link.remoteEof && link.toLocal.size() < kBuffer) {
            const uint32_t room = uint32_t(std::min(sizeof chunk, kBuffer - link.toLocal.size()));
            const int n = ssh_channel_read_nonblocking(link.channel, chunk, room, 0);
            if (n > 0) {
                link.toLocal.append(chunk, std::size_t(n));
                moved = true;
                continue;
            }
            if (n < 0) {
                link.broken = true;
                return false;
            }
            if (ssh_channel_is_eof(link.channel) || ssh_channel_is_closed(link.channel))
                link.remoteEof = true;
            break;
        }
        if (!link.toLocal.empty()) {
            const ssize_t sent = ::send(link.fd, link.toLocal.data(), link.toLocal.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (sent > 0) {
                link.toLocal.erase(0, std::size_t(sent));
                moved = true;
            } else if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                link.broken = true;  // the client went away
            }
        }
        // local socket -> channel
        if (!link.localEof && link.toRemote.size() < kBuffer) {
            const std::size_t room = std::min(sizeof chunk, kBuffer - link.toRemote.size());
            const ssize_t received = ::recv(link.fd, chunk, room, MSG_DONTWAIT);
            if (received > 0) {
                link.toRemote.append(chunk, std::size_t(received));
                moved = true;
            } else if (received == 0) {
                link.localEof = true;
            } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                link.broken = true;
            }
        }
        if (!link.toRemote.empty() && !link.broken) {
            // Never more than the peer's window: in non-blocking mode a full window would
            // otherwise make libssh wait for it.
            const uint32_t window = ssh_channel_window_size(link.channel);
            const uint32_t length = uint32_t(std::min<std::size_t>(link.toRemote.size(), window));
            if (length > 0) {
                const int written = ssh_channel_write(link.channel, link.toRemote.data(), length);
                if (written > 0) {
                    link.toRemote.erase(0, std::size_t(written));
                    moved = true;
                } else if (written < 0) {
                    link.broken = true;
                }
            }
        }
        return moved;
    }

    std::list<Link>::iterator closeLink(std::list<Link>::iterator it)
    {
        ::close(it->fd);
        if (it->channel) {
            if (session && ssh_is_connected(session->handle()) && !ssh_channel_is_closed(it->channel))
                ssh_channel_close(it->channel);  // sends EOF first
            ssh_channel_free(it->channel);
        }
        tunnel->m_connections.fetch_sub(1);
        return links.erase(it);
    }

    void closeSession()
    {
        for (auto it = links.begin(); it != links.end();)
            it = closeLink(it);
        if (event) {
            ssh_event_remove_session(event, session->handle());
            ssh_event_free(event);
            event = nullptr;
        }
        session.reset();
    }

    // Takes a connected session into non-blocking use by this thread.
    void adopt(std::unique_ptr<SshSession> made)
    {
        session = std::move(made);
        ssh_set_blocking(session->handle(), 0);
        event = ssh_event_new();
        ssh_event_add_session(event, session->handle());
        tunnel->m_sessions.fetch_add(1);
    }

    void dropSession(const QString &why)
    {
        qCWarning(lcSsh).noquote() << QStringLiteral("SSH tunnel through %1: %2; closing %3 forwarded connection(s), "
                                                     "the next one reconnects")
                                          .arg(tunnel->m_settings.destination(), why)
                                          .arg(links.size());
        // Without a session, closing a channel would only wait for a peer that is gone.
        for (Link &link : links) {
            ssh_channel_free(link.channel);
            link.channel = nullptr;
        }
        closeSession();
    }

    bool ensureSession()
    {
        if (session)
            return true;
        auto made = SshSession::connect(tunnel->m_settings, tunnel->m_options.connectTimeoutMs,
                                        tunnel->m_options.hostKeyRefused);
        if (!made) {
            qCWarning(lcSsh).noquote() << "SSH tunnel: cannot reconnect:" << made.error().message;
            return false;
        }
        adopt(std::move(*made));
        qCInfo(lcSsh).noquote() << "SSH tunnel through" << tunnel->m_settings.destination() << "reconnected";
        return true;
    }

    ssh_channel openChannel(const TunnelTarget &target, int sourcePort)
    {
        ssh_channel channel = ssh_channel_new(session->handle());
        if (!channel)
            return nullptr;
        const QByteArray host = target.host.toUtf8();
        // Blocking for the open only: the server answers it in one round trip.
        ssh_set_blocking(session->handle(), 1);
        const int opened = ssh_channel_open_forward(channel, host.constData(), target.port, "127.0.0.1", sourcePort);
        ssh_set_blocking(session->handle(), 0);
        if (opened != SSH_OK) {
            qCWarning(lcSsh).noquote() << "SSH tunnel: the server did not open" << target.host << target.port << ":"
                                       << ssh_get_error(session->handle());
            ssh_channel_free(channel);
            return nullptr;
        }
        return channel;
    }

    void acceptOn(std::size_t index)
    {
        for (;;) {
            const int fd = ::accept4(listeners[index], nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0)
                return;  // EAGAIN: no more waiting
            if (!ensureSession()) {
                ::close(fd);
                continue;
            }
            const TunnelTarget &target = tunnel->m_targets.at(qsizetype(index));
            ssh_channel channel = openChannel(target, peerPort(fd));
            if (!channel && !ssh_is_connected(session->handle())) {
                // The session had died unnoticed (the server restarted while idle): once more.
                dropSession(QStringLiteral("the SSH session was gone"));
                if (ensureSession())
                    channel = openChannel(target, peerPort(fd));
            }
            if (!channel) {
                ::close(fd);
                continue;
            }
            Link link;
            link.fd = fd;
            link.channel = channel;
            links.push_back(std::move(link));
            tunnel->m_connections.fetch_add(1);
        }
    }
};

SshTunnel::SshTunnel(SshSettings settings, QList<TunnelTarget> targets, Options options)
    : m_settings(std::move(settings)), m_targets(std::move(targets)), m_options(std::move(options)),
      m_pump(std::make_unique<Pump>())
{
    m_pump->tunnel = this;
}

Result<std::unique_ptr<SshTunnel>> SshTunnel::open(const SshSettings &settings, const QList<TunnelTarget> &targets,
                                                   Options options)
{
    if (targets.isEmpty())
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("an SSH tunnel needs a target"));
    for (const TunnelTarget &target : targets) {
        if (target.host.isEmpty() || target.port <= 0 || target.port > 65535)
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("invalid tunnel target '%1:%2'").arg(target.host).arg(target.port));
    }
    std::unique_ptr<SshTunnel> tunnel(new SshTunnel(settings, targets, std::move(options)));
    Pump &pump = *tunnel->m_pump;
    pump.wakeFd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (pump.wakeFd < 0)
        return makeError(ErrorKind::Internal, QStringLiteral("eventfd: %1").arg(QString::fromLocal8Bit(std::strerror(errno))));
    for (qsizetype i = 0; i < targets.size(); ++i) {
        int port = 0;
        auto fd = listenOnLoopback(&port);
        if (!fd)
            return fd.error();
        pump.listeners.push_back(*fd);
        tunnel->m_ports.append(port);
    }
    auto session = SshSession::connect(settings, tunnel->m_options.connectTimeoutMs, tunnel->m_options.hostKeyRefused);
    if (!session)
        return session.error();
    pump.adopt(std::move(*session));
    tunnel->m_thread = std::thread([&pump] { pump.run(); });
    qCInfo(lcSsh).noquote() << "SSH tunnel through" << settings.destination() << "open:" << targets.size()
                            << "target(s)";
    return tunnel;
}

SshTunnel::~SshTunnel()
{
    stop();
}

int SshTunnel::localPort(qsizetype index) const
{
    return m_ports.value(index);
}

void SshTunnel::stop()
{
    if (!m_pump)
        return;
    m_pump->stopping.store(true);
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t written = ::write(m_pump->wakeFd, &one, sizeof one);
    if (m_thread.joinable())
        m_thread.join();
    m_pump.reset();  // the session (if the thread never ran), the listeners, the wake fd
}

}  // namespace tiersync
