#pragma once

#include "core/result.h"
#include "core/secret.h"

#include <QString>

namespace tiersync {

// How a profile reaches its Redis and PostgreSQL through an SSH server (model/tunnel opens
// the tunnel). No host: no tunnel. The passphrase of the private key lives in the keychain
// (or TIERSYNC_SSH_KEY_PASSPHRASE for the CLI), never in QSettings or a log.
struct SshSettings final {
    QString host;
    int port = 22;
    QString user;            // empty: the local user's name, as ssh does
    QString privateKeyFile;  // empty: the SSH agent (SSH_AUTH_SOCK)
    Secret passphrase;       // of privateKeyFile, when it is encrypted
    QString knownHostsFile;  // empty: ~/.ssh/known_hosts

    [[nodiscard]] bool isEnabled() const { return !host.isEmpty(); }
    // [user@]host[:port], an IPv6 host in brackets ("admin@[2001:db8::1]:2222").
    [[nodiscard]] static Result<SshSettings> fromDestination(const QString &destination);
    // The same form, always with the port: safe to log (no secret in it).
    [[nodiscard]] QString destination() const;
    // The known_hosts file in use: knownHostsFile, else ~/.ssh/known_hosts.
    [[nodiscard]] QString effectiveKnownHostsFile() const;

    friend bool operator==(const SshSettings &, const SshSettings &) = default;
};

}  // namespace tiersync
