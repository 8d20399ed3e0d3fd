#pragma once

#include "core/connectionprofile.h"

#include <QStringList>

namespace tiersync::cli {

// `tiersync stats [--json] [--minutes N]`: the read path's per-endpoint statistics
// summed over every instance for the last hour (N minutes), from the stats hashes in
// Redis. --json prints {"endpoints": {"profile": {"requests", "redis", "postgres",
// "zoho", "stale", "errors", "coalesced", "hit_rate", …}, …}, "minutes": N}.
[[nodiscard]] int runStatsCommand(const ConnectionProfile &profile, const QStringList &arguments);

}  // namespace tiersync::cli
