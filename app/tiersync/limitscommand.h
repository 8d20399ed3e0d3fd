#pragma once

#include <QStringList>

namespace tiersync {
class EngineServices;
}

namespace tiersync::cli {

// tiersync limits show [--json]
// tiersync limits set books|inventory|crm [--plan P] [--users N] [--per-minute N]
//                     [--per-day N] [--concurrency N] [--read-reserve PCT] [--json]
// The organisation's Zoho limits (tiersync.zoho_limits), which every process's budget
// enforces; a change reaches the running processes by NOTIFY.
[[nodiscard]] int runLimitsCommand(EngineServices &services, const QStringList &arguments);

}  // namespace tiersync::cli
