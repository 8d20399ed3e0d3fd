#pragma once

#include "core/connectionprofile.h"
#include "tunnel/hostkeycheck.h"

#include <QObject>

#include <memory>

namespace tiersync {

class ProfileTunnel;

// The console's way to a profile's Redis and PostgreSQL: a worker (on a thread of its own,
// as opening a tunnel blocks on the network) that opens the active profile's SSH tunnel
// and hands out the routed profile the engine's workers connect with. One tunnel at a
// time: routing another profile closes the previous one. A profile without SSH settings
// comes back as it is.
//
// First use of a server: hostKeyRefused() carries what the server presented; the console
// asks, and trustHostKey() with the fingerprint the person accepted writes it to the
// known_hosts file and routes the profile. A changed key is refused (failed()), in words.
class ProfileRouter final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProfileRouter)

public:
    explicit ProfileRouter(QObject *parent = nullptr);
    ~ProfileRouter() override;

    void route(const tiersync::ConnectionProfile &profile);
    void trustHostKey(const tiersync::ConnectionProfile &profile, const QString &fingerprint);

Q_SIGNALS:
    void routed(const tiersync::ConnectionProfile &profile);
    void hostKeyRefused(const tiersync::ConnectionProfile &profile, const tiersync::HostKeyCheck &check);
    void failed(const tiersync::ConnectionProfile &profile, const QString &message);

private:
    std::unique_ptr<ProfileTunnel> m_tunnel;
};

}  // namespace tiersync
