#pragma once

#include "console/connectioncheckservice.h"
#include "console/servicethread.h"

#include <functional>
#include <memory>

class QNetworkAccessManager;

namespace tiersync {

class EngineServicesPool;
struct PgSettings;
struct RedisSettings;

// ConnectionCheckService on the engine. A check exists to wait on a server that may be
// dead (a connect timeout, a Zoho token refresh and call with its retries: seconds to
// tens of seconds), so the checks run on a thread of the service's own, never on the
// console's loading thread, where they would hold up every page's loads; health polls
// and tests run there in turn. The health poll's Zoho probe is an HTTP HEAD that does
// not block the thread. Testing the active profile's Zoho goes through the console's one
// EngineServicesPool (the client the other pages use, so it costs no token refresh of
// its own); an edited, unsaved profile gets services until the test ends. stop() (and
// the destructor) drop the checks not begun, wait for the one in progress and join.
class EngineConnectionCheckService final : public ConnectionCheckService {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EngineConnectionCheckService)

public:
    explicit EngineConnectionCheckService(std::shared_ptr<EngineServicesPool> pool, QObject *parent = nullptr);
    ~EngineConnectionCheckService() override;

    // Calls after this do nothing.
    void stop();

    void setProfile(const tiersync::ConnectionProfile &profile) override;
    void checkHealth() override;
    void test(tiersync::ConnectionCheck::Service service, const tiersync::ConnectionProfile &profile) override;

private:
    // Emits on the service's own thread.
    void answer(std::function<void()> emitter);
    // On the checks thread.
    [[nodiscard]] static ConnectionCheck checkRedis(const RedisSettings &settings);
    [[nodiscard]] static ConnectionCheck checkPostgres(const PgSettings &settings);
    void probeZoho(const QString &accountsUrl);
    [[nodiscard]] ConnectionCheck testZoho(const ConnectionProfile &profile);

    ConnectionProfile m_profile;  // the service's thread
    bool m_haveProfile = false;   // the service's thread
    std::shared_ptr<EngineServicesPool> m_pool;           // used on the checks thread
    std::unique_ptr<QNetworkAccessManager> m_network;     // made and used on the checks thread
    bool m_zohoInFlight = false;                          // the checks thread
    std::shared_ptr<ServiceThread> m_thread;
    ServiceLane m_checks;
};

}  // namespace tiersync
