#pragma once

#include "core/connectionprofile.h"

#include <QStringList>

namespace tiersync {
class EngineServices;
}

namespace tiersync::cli {

// `tiersync runs [--type T] [--limit N] [--json]`: recent sync runs, newest first.
[[nodiscard]] int runRunsCommand(EngineServices &services, const QStringList &arguments);

}  // namespace tiersync::cli
