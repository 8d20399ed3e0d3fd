#pragma once

#include "console/consoleclocks.h"
#include "core/connectionprofile.h"
#include "core/result.h"
#include "host/engineservices.h"

#include <memory>

namespace tiersync {

class PgConnection;

// A console worker's active profile and the process's services for it. Every worker
// asks the console's one EngineServicesPool, so the Sync page's runs, the Students page's
// reads, the embedded server and "Test connection" share one Zoho client (one token, one
// queue, one budget) and migrate the database once. A worker built without a pool (a
// unit test) gets a pool of its own. Used on the worker's thread only.
class WorkerProfile final {
public:
    // Before the worker moves to its thread.
    void setPool(std::shared_ptr<EngineServicesPool> pool);
    // The options of the private pool a worker without one makes (tests pin clocks here).
    void setFallbackOptions(EngineServices::Options options);

    // Releases the previous profile's services (if the profile changed).
    void set(const ConnectionProfile &profile);
    [[nodiscard]] bool isSet() const { return m_isSet; }
    [[nodiscard]] const ConnectionProfile &profile() const { return m_profile; }
    // The services of the active profile (isSet() must be true).
    [[nodiscard]] const std::shared_ptr<EngineServices> &services();
    // Migrates the active profile's database unless this process already did.
    [[nodiscard]] Result<int> ensureMigrated(PgConnection &connection);
    [[nodiscard]] Result<int> ensureMigrated();

private:
    std::shared_ptr<EngineServicesPool> m_pool;
    EngineServices::Options m_fallbackOptions;
    ConnectionProfile m_profile;
    bool m_isSet = false;
    std::shared_ptr<EngineServices> m_services;
};

// The console's services options for its clocks (null clocks: the system's).
[[nodiscard]] EngineServices::Options engineServicesOptions(const ConsoleClocks &clocks);

}  // namespace tiersync
