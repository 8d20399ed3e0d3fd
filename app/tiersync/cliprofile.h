#pragma once

#include "core/connectionprofile.h"
#include "core/result.h"

#include <QStringList>

namespace tiersync::cli {

// Takes `--profile NAME` out of arguments (if present) and returns the connection
// profile every command uses: that profile from QSettings with its secrets from the OS
// keychain, or the defaults, with the TIERSYNC_* environment variables on top.
[[nodiscard]] Result<ConnectionProfile> takeConnectionProfile(QStringList &arguments);

// Who changes a shared setting from this command line ("cli:user@host"), as recorded
// in updated_by.
[[nodiscard]] QString whoAmI();

}  // namespace tiersync::cli
