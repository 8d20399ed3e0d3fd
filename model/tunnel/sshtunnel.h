#pragma once

#include "core/result.h"
#include "core/sshsettings.h"
#include "tunnel/sshsession.h"
#include "tunnel/tunneltarget.h"

#include <QList>
#include <QString>

#include <atomic>
#include <memory>
#include <thread>

namespace tiersync {

// Local ends on 127.0.0.1 (an ephemeral port per target) that reach targets through one
// SSH session: each accepted local connection gets its own direct-tcpip channel, pumped
// both ways by one thread the tunnel owns (poll(2) on the listeners, the local sockets
// and the session's socket; it sleeps until one of them is ready). Each direction holds at
// most kBufferBytes of a connection's data; past that the tunnel stops reading that side,
// and SSH's window stops the other.
//
// When the session drops (the server restarted, the network broke), every forwarded
// connection is closed, so its client sees its connection end; the next local connection
// connects, verifies and authenticates a new session. RedisConnection and PgConnection
// reconnect on a broken connection, so the engine comes back by itself. A new session
// that cannot be made (the server is still down, its key changed) closes that local
// connection at once and is logged; the one after tries again.
//
// open() makes the first session on the calling thread (blocking, up to timeoutMs), so
// a wrong host, key or host key is reported there, in words. stop() (or the destructor)
// closes every connection and the session and joins the thread.
class SshTunnel final {
public:
    static constexpr qsizetype kBufferBytes = 64 * 1024;

    struct Options {
        int connectTimeoutMs = 10000;
        SshSession::HostKeyRefused hostKeyRefused;  // see SshSession::connect
    };

    [[nodiscard]] static Result<std::unique_ptr<SshTunnel>> open(const SshSettings &settings,
                                                                 const QList<TunnelTarget> &targets,
                                                                 Options options);
    ~SshTunnel();
    Q_DISABLE_COPY_MOVE(SshTunnel)

    // The local port that reaches targets[index].
    [[nodiscard]] int localPort(qsizetype index) const;
    [[nodiscard]] const QList<TunnelTarget> &targets() const { return m_targets; }
    [[nodiscard]] const SshSettings &settings() const { return m_settings; }
    // Sessions made so far (the first included): more than one after a drop.
    [[nodiscard]] int sessionsEstablished() const { return m_sessions.load(); }
    // Forwarded connections open now.
    [[nodiscard]] int openConnections() const { return m_connections.load(); }
    // Idempotent; after it no thread, socket or session of the tunnel is left.
    void stop();

private:
    struct Pump;

    SshTunnel(SshSettings settings, QList<TunnelTarget> targets, Options options);

    const SshSettings m_settings;
    const QList<TunnelTarget> m_targets;
    const Options m_options;
    QList<int> m_ports;
    std::unique_ptr<Pump> m_pump;
    std::thread m_thread;
    std::atomic<int> m_sessions{0};
    std::atomic<int> m_connections{0};
};

}  // namespace tiersync
