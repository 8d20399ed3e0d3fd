#pragma once

#include "core/connectionprofile.h"

#include <QStringList>

namespace tiersync {
class EngineServices;
}

namespace tiersync::cli {

// `tiersync warm entities|endpoints [--type T] [--json]`: PostgreSQL → Redis (entity
// states, or endpoint keys), all types/endpoints or the one named by --type.
[[nodiscard]] int runWarmCommand(EngineServices &services, const QStringList &arguments);

}  // namespace tiersync::cli
