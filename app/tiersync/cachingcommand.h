#pragma once

#include "core/connectionprofile.h"

#include <QStringList>

namespace tiersync {
class EngineServices;
}

namespace tiersync::cli {

// `tiersync caching on|off|status [--json]`: the global caching switch in PostgreSQL
// (settings.caching_enabled). on/off commit the value and NOTIFY, so every running
// engine applies it within a second; off is the admin's rollback to reading Zoho
// directly. status also says whether TIERSYNC_CACHE_ENABLED forces it off in this
// environment.
[[nodiscard]] int runCachingCommand(EngineServices &services, const QStringList &arguments);

}  // namespace tiersync::cli
