#pragma once

#include <QStringList>

namespace tiersync {
class EngineServices;
}

namespace tiersync::cli {

// tiersync apikey create NAME --scope read[,metrics] [--json]
// tiersync apikey list [--json]
// tiersync apikey revoke ID-or-PREFIX [--json]
// The API keys `tiersync serve` asks for (tiersync.api_keys). create prints the key once,
// on stdout, and stores only its SHA-256; list and revoke never print a key or a hash.
// A revoke reaches every running server within its key cache time (30 s).
[[nodiscard]] int runApiKeyCommand(EngineServices &services, const QStringList &arguments);

}  // namespace tiersync::cli
