#pragma once

#include <memory>

#include "core/connectionprofile.h"

#include <QStringList>

namespace tiersync {
class EngineServices;
}

namespace tiersync::cli {

// `tiersync serve [--listen HOST:PORT] [--threads N] [--public-url URL] [--rate-limit N]
// [--no-auth]`: the cache engine behind the HTTP API, on 127.0.0.1:8001 unless told
// otherwise (port 0: any free port). /api/v1 and /metrics ask for an API key (`tiersync
// apikey`; N requests a second per key, 200 by default); --no-auth asks for none and is
// refused (exit 2) on an address that is not loopback.
// With a public URL (or TIERSYNC_PUBLIC_URL; http(s) only) it keeps Zoho CRM notification
// channels pointing at URL/webhooks/zoho/crm (ChannelKeeper). Prints
// `tiersync serve listening on http://HOST:PORT` once bound, serves until SIGINT or
// SIGTERM, then stops cleanly (requests in flight finish) and exits 0. Exit 2 for bad
// arguments, 1 if the engine or the socket cannot start.
[[nodiscard]] int runServeCommand(const std::shared_ptr<EngineServices> &services, const QStringList &arguments);

}  // namespace tiersync::cli
