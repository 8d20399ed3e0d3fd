#pragma once

#include "console/connectioncheck.h"
#include "core/connectionprofile.h"
#include "host/engineservices.h"

#include <QObject>

#include <memory>

class QNetworkAccessManager;

namespace tiersync {

// Reaches Redis, PostgreSQL and Zoho for the console, on a worker thread (every call
// may block for a connect timeout). Two uses:
// - checkHealth(): cheap and frequent, for the status bar: Redis PING, PostgreSQL
//   SELECT 1, and whether Zoho's accounts server answers HTTP at all (no token, no API
//   call, so polling never spends the Zoho API budget);
// - testRedis/testPostgres/testZoho(): the Settings page's "Test connection", thorough:
//   for Zoho a token refresh and one Books call with the profile's credentials.
// Secrets are used, never reported.
class ConnectionChecker final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectionChecker)

public:
    explicit ConnectionChecker(QObject *parent = nullptr);
    ~ConnectionChecker() override;

    // The console's one pool of services (before the worker moves to its thread): testing
    // the active profile's Zoho goes through the client the other pages use, so it costs
    // no token refresh of its own; an edited, unsaved profile gets services until the
    // test ends.
    void setServicesPool(std::shared_ptr<tiersync::EngineServicesPool> pool);

public Q_SLOTS:
    void setProfile(const tiersync::ConnectionProfile &profile);
    void checkHealth();
    void testRedis(const tiersync::ConnectionProfile &profile);
    void testPostgres(const tiersync::ConnectionProfile &profile);
    void testZoho(const tiersync::ConnectionProfile &profile);

Q_SIGNALS:
    void healthChecked(const tiersync::ConnectionCheck &check);
    void testFinished(const tiersync::ConnectionCheck &check);

private:
    [[nodiscard]] static ConnectionCheck checkRedis(const RedisSettings &settings);
    [[nodiscard]] static ConnectionCheck checkPostgres(const PgSettings &settings);
    void checkZohoReachable();

    ConnectionProfile m_profile;
    bool m_haveProfile = false;
    std::shared_ptr<EngineServicesPool> m_pool;
    QNetworkAccessManager *m_network = nullptr;  // created on the worker thread
    bool m_zohoInFlight = false;
};

}  // namespace tiersync
