#pragma once

#include "core/connectionprofile.h"
#include "core/result.h"

#include <QStringList>

#include <memory>

namespace tiersync {
class ProfileTunnel;
}

namespace tiersync::cli {

// Takes `--profile NAME` and the SSH options (`--ssh [user@]host[:port]`, `--ssh-key FILE`,
// `--ssh-known-hosts FILE`) out of arguments (if present) and returns the connection
// profile every command uses: that profile from QSettings with its secrets from the OS
// keychain, or the defaults, with the TIERSYNC_* environment variables on top, and the
// SSH options on top of those. A key's passphrase comes from the keychain or
// TIERSYNC_SSH_KEY_PASSPHRASE, never from the command line (other users see it in ps).
[[nodiscard]] Result<ConnectionProfile> takeConnectionProfile(QStringList &arguments);

// The CLI's one place that opens the profile's SSH tunnel: none without SSH settings;
// else profile's Redis and PostgreSQL now point at the tunnel, which must outlive every
// connection made with it. An unknown host key is refused with its fingerprint and the
// `tiersync ssh trust` command that accepts it; a changed one is refused in words.
[[nodiscard]] Result<std::unique_ptr<ProfileTunnel>> routeThroughSsh(ConnectionProfile &profile);

// The options that select profile's SSH server again (for the commands the CLI suggests).
[[nodiscard]] QString sshArguments(const ConnectionProfile &profile);

// Who changes a shared setting from this command line ("cli:user@host"), as recorded
// in updated_by.
[[nodiscard]] QString whoAmI();

}  // namespace tiersync::cli
