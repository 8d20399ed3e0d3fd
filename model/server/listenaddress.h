#pragma once

#include "core/result.h"

#include <QString>

namespace tiersync {

// HOST:PORT as given to --listen: "127.0.0.1:8001", "[::1]:8001", "0.0.0.0:0" (port 0:
// any free port). The host must be given; nothing defaults to all interfaces.
struct ListenAddress final {
    QString host;
    int port = 0;

    [[nodiscard]] static Result<ListenAddress> parse(const QString &text);
    // 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z) or "localhost": reachable from this
    // machine only.
    [[nodiscard]] static bool isLoopback(const QString &host);
};

}  // namespace tiersync
