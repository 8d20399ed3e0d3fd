#pragma once

#include "core/connectionprofile.h"

#include <QStringList>

namespace tiersync::cli {

// tiersync ssh hostkey | trust FINGERPRINT: the profile's SSH server's host key, shown or
// added to the known_hosts file. Trusting takes the fingerprint a person was shown (the
// refusal of an unknown key prints it), so a key swapped in between is not written; a
// changed key is never trusted here.
[[nodiscard]] int runSshCommand(const ConnectionProfile &profile, const QStringList &arguments);

}  // namespace tiersync::cli
