#pragma once

#include <QStringList>

namespace tiersync::cli {

// `tiersync sandbox up|down|status|env [options]`; returns the process exit code.
[[nodiscard]] int runSandboxCommand(const QStringList &arguments);

}  // namespace tiersync::cli
