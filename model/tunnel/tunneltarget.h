#pragma once

#include <QString>

namespace tiersync {

// One address a tunnel forwards to, as the SSH server sees it ("localhost", 6379 is the
// Redis on the SSH host itself).
struct TunnelTarget final {
    QString host;
    int port = 0;

    friend bool operator==(const TunnelTarget &, const TunnelTarget &) = default;
};

}  // namespace tiersync
