#pragma once

#include "core/connectionprofile.h"

#include <QStringList>

namespace tiersync {
class EngineServices;
}

namespace tiersync::cli {

// `tiersync check [--json]`: reaches Redis (PING), PostgreSQL (applies pending
// migrations, reads the caching switch) and Zoho (token refresh and one list call) with
// the resolved profile, and says in words what failed. Exit 0 only if all three work.
[[nodiscard]] int runCheckCommand(EngineServices &services, const QStringList &arguments);

}  // namespace tiersync::cli
