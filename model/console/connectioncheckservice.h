#pragma once

#include "console/connectioncheck.h"
#include "core/connectionprofile.h"

#include <QObject>

namespace tiersync {

// Reaches Redis, PostgreSQL and Zoho for the console, in two ways:
// - checkHealth(): cheap and frequent, for the status bar: Redis INFO, PostgreSQL
//   SELECT, and whether Zoho's accounts server answers HTTP at all (no token, no API
//   call, so polling never spends the Zoho API budget) — of the profile in use;
// - test(): the Settings page's "Test connection" of the profile being edited,
//   thorough: for Zoho a token refresh and one Books call with its credentials.
// One service for both: they are the same probes, told apart by how thorough they are.
// Methods return at once; each check's outcome arrives as one signal (worded for an
// administrator, naming its service), on the thread that called. Secrets are used,
// never reported. EngineConnectionCheckService is the engine's implementation; page
// tests use a fake.
class ConnectionCheckService : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectionCheckService)

public:
    explicit ConnectionCheckService(QObject *parent = nullptr);
    ~ConnectionCheckService() override;

    // The profile in use, which checkHealth() checks.
    virtual void setProfile(const tiersync::ConnectionProfile &profile) = 0;
    // One healthChecked per service (Redis, PostgreSQL, Zoho); nothing before setProfile.
    virtual void checkHealth() = 0;
    // One testFinished for that service of this profile.
    virtual void test(tiersync::ConnectionCheck::Service service, const tiersync::ConnectionProfile &profile) = 0;

Q_SIGNALS:
    void healthChecked(const tiersync::ConnectionCheck &check);
    void testFinished(const tiersync::ConnectionCheck &check);
};

}  // namespace tiersync
