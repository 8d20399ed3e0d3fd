#pragma once

#include "core/connectionprofile.h"

#include <QStringList>

namespace tiersync {
class EngineServices;
}

namespace tiersync::cli {

// `tiersync sync products|customers|students [--mode incremental|full] [--batch-size N]
// [--json]`: one sync run (SyncOrchestrator on a worker thread), a progress bar on a
// terminal, Ctrl-C cancels cleanly. Exit 0 succeeded, 1 failed, 2 usage, 3 refused
// (a run of that type is in progress), 130 cancelled.
[[nodiscard]] int runSyncCommand(EngineServices &services, const QStringList &arguments);

}  // namespace tiersync::cli
