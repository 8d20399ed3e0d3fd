#pragma once

#include "core/redissettings.h"
#include "core/result.h"

namespace tiersync {

// Asks Redis Sentinel where the primary of settings.masterName is: the sentinels in the
// order given, each with SENTINEL GET-MASTER-ADDR-BY-NAME, the first answer wins. A
// sentinel that requires a password is asked again with the profile's credentials.
// Each ask costs at most the settings' connect and command timeouts. When none names it:
// Unavailable (Redis is unreachable for the caller, whatever the reason), with what each
// sentinel said ("monitors no master named …" for a wrong name).
[[nodiscard]] Result<RedisSettings::Endpoint> resolveSentinelMaster(const RedisSettings &settings);

}  // namespace tiersync
