#pragma once

#include <QStringList>

namespace tiersync {
class EngineServices;
}

namespace tiersync::cli {

// tiersync schedule list [--json]
// tiersync schedule set NAME (--every 5m | --cron "EXPR") [--mode incremental|full] [--json]
// tiersync schedule pause|resume NAME [--json]
// tiersync schedule run NAME [--wait] [--json]
// The schedules of tiersync.schedules, which every `tiersync serve` runs (the defaults are
// seeded first, as serve does). NAME is "<entity type>:<mode>" ("grades:incremental");
// `set` also takes a bare entity type with --mode (default incremental). `run` makes it
// due now, for a running serve to pick up; with --wait this process runs it and reports.
// Exit codes: 0 done, 1 failed, 2 bad usage or an unknown name, 3 (run --wait) skipped
// because a sync of that type is running elsewhere, 130 cancelled.
[[nodiscard]] int runScheduleCommand(EngineServices &services, const QStringList &arguments);

}  // namespace tiersync::cli
