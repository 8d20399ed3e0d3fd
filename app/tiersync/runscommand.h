#pragma once

#include "core/connectionprofile.h"

#include <QStringList>

namespace tiersync::cli {

// `tiersync runs [--type T] [--limit N] [--json]`: recent sync runs, newest first.
[[nodiscard]] int runRunsCommand(const ConnectionProfile &profile, const QStringList &arguments);

}  // namespace tiersync::cli
