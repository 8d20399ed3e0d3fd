#pragma once

#include <QStringList>

namespace tiersync {
class EngineServices;
}

namespace tiersync::cli {

// `tiersync channels list [--json]`: the CRM notification channels recorded in PostgreSQL
// (module, channel id, expiry, status, last notification), or why there are none.
// `tiersync channels ensure [--public-url URL]`: one ChannelManager pass now (the URL
// also from TIERSYNC_PUBLIC_URL). `tiersync channels disable`: disables every recorded
// channel at Zoho. ensure and disable take the channels lock: exit 1 while a serve holds
// it. Exit 2 for bad arguments.
[[nodiscard]] int runChannelsCommand(EngineServices &services, const QStringList &arguments);

}  // namespace tiersync::cli
