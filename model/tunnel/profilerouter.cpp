#include "tunnel/profilerouter.h"

#include "tunnel/profiletunnel.h"
#include "tunnel/sshsession.h"

#include <optional>

namespace tiersync {

namespace {

constexpr int kConnectTimeoutMs = 10000;

}  // namespace

ProfileRouter::ProfileRouter(QObject *parent) : QObject(parent) {}

ProfileRouter::~ProfileRouter() = default;

void ProfileRouter::route(const ConnectionProfile &profile)
{
    m_tunnel.reset();
    std::optional<HostKeyCheck> refused;
    SshTunnel::Options options;
    options.connectTimeoutMs = kConnectTimeoutMs;
    options.hostKeyRefused = [&refused](const HostKeyCheck &check) { refused = check; };
    auto tunnel = ProfileTunnel::open(profile, options);
    if (!tunnel) {
        if (refused && refused->verdict == HostKeyCheck::Verdict::Unknown)
            Q_EMIT hostKeyRefused(profile, *refused);
        else
            Q_EMIT failed(profile, tunnel.error().message);
        return;
    }
    m_tunnel = std::move(*tunnel);
    Q_EMIT routed(m_tunnel ? m_tunnel->routed() : profile);
}

void ProfileRouter::trustHostKey(const ConnectionProfile &profile, const QString &fingerprint)
{
    if (auto trusted = SshSession::trustHostKey(profile.ssh, fingerprint, kConnectTimeoutMs); !trusted) {
        Q_EMIT failed(profile, trusted.error().message);
        return;
    }
    route(profile);
}

}  // namespace tiersync
