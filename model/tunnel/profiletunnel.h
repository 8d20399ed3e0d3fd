#pragma once

#include "core/connectionprofile.h"
#include "core/result.h"
#include "tunnel/sshtunnel.h"

#include <memory>

namespace tiersync {

// A profile's way to its Redis and PostgreSQL through SSH: one tunnel with a local end for
// each, and the profile rewritten to use them. Every composition root does this once,
// before it builds the engine (the CLI's main, `serve`, the console), and keeps it for as
// long as the engine runs.
//
// The profile's Redis host:port and PostgreSQL host:port (hostaddr when set; no host:
// "localhost", as libpq's default socket does not cross SSH) are where the SSH server
// connects to; the routed profile has 127.0.0.1 and the local ports instead, and no SSH
// settings (it is routed already). Refused: a PostgreSQL socket directory, several
// PostgreSQL hosts (each would need its own tunnel).
class ProfileTunnel final {
public:
    // A profile without SSH settings: nullptr, and the caller uses its profile as it is.
    [[nodiscard]] static Result<std::unique_ptr<ProfileTunnel>> open(const ConnectionProfile &profile,
                                                                     SshTunnel::Options options = {});
    // The targets open() would forward to, for checking a profile without connecting.
    [[nodiscard]] static Result<QList<TunnelTarget>> targetsOf(const ConnectionProfile &profile);
    ~ProfileTunnel();
    Q_DISABLE_COPY_MOVE(ProfileTunnel)

    [[nodiscard]] const ConnectionProfile &routed() const { return m_routed; }
    [[nodiscard]] SshTunnel &tunnel() { return *m_tunnel; }

private:
    ProfileTunnel(ConnectionProfile routed, std::unique_ptr<SshTunnel> tunnel);

    ConnectionProfile m_routed;
    std::unique_ptr<SshTunnel> m_tunnel;
};

}  // namespace tiersync
