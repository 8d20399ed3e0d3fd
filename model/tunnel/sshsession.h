#pragma once

#include "core/result.h"
#include "core/sshsettings.h"
#include "tunnel/hostkeycheck.h"

#include <QtGlobal>

#include <functional>
#include <memory>

struct ssh_session_struct;

namespace tiersync {

// One connected, verified and authenticated libssh session (blocking mode on return).
// Not thread-safe: one thread at a time uses it (the tunnel hands it to its own thread).
//
// Host keys: the server's key is checked against the known_hosts file (OpenSSH format)
// before any credential is sent. A key the file does not hold is refused (Error code
// "host_key_unknown"); a key other than the one the file holds is refused in words as a
// possible man-in-the-middle (code "host_key_changed"), and nothing here overrides that.
// Trusting a new host is a separate, deliberate step: trustHostKey() with the fingerprint
// a person was shown.
//
// Authentication: the private key file (decrypted with the settings' passphrase when it
// has one), else the SSH agent at SSH_AUTH_SOCK. ~/.ssh/config is not read, so what the
// profile says is what is used.
class SshSession final {
public:
    // Called with what the server presented whenever the key is not trusted, before the
    // error returns: the console asks with it, the CLI prints how to trust it.
    using HostKeyRefused = std::function<void(const HostKeyCheck &)>;

    ~SshSession();
    Q_DISABLE_COPY_MOVE(SshSession)

    [[nodiscard]] static Result<std::unique_ptr<SshSession>> connect(const SshSettings &settings, int timeoutMs,
                                                                     const HostKeyRefused &refused = {});
    // Connects and reads the server's key without authenticating.
    [[nodiscard]] static Result<HostKeyCheck> checkHostKey(const SshSettings &settings, int timeoutMs);
    // Writes the server's key to the known_hosts file, if the server presents the key with
    // this fingerprint and the file holds no other key for it (a changed key stays refused).
    [[nodiscard]] static Status trustHostKey(const SshSettings &settings, const QString &fingerprint,
                                             int timeoutMs);

    [[nodiscard]] ssh_session_struct *handle() const { return m_session; }
    [[nodiscard]] const SshSettings &settings() const { return m_settings; }

private:
    struct Opened;

    SshSession(ssh_session_struct *session, SshSettings settings);
    // Connected, and the server's key checked (not yet acted on).
    [[nodiscard]] static Result<Opened> open(const SshSettings &settings, int timeoutMs);
    [[nodiscard]] Result<HostKeyCheck> inspectHostKey() const;
    [[nodiscard]] Status authenticate();
    [[nodiscard]] Error failure(ErrorKind kind, const QString &what) const;

    ssh_session_struct *m_session = nullptr;
    SshSettings m_settings;
};

}  // namespace tiersync
