#pragma once

#include <QString>

namespace tiersync {

// Who changes a shared setting from this console ("console:user@host"), as recorded in
// updated_by (the CLI's counterpart is cli::whoAmI).
[[nodiscard]] QString consoleUserName();

}  // namespace tiersync
