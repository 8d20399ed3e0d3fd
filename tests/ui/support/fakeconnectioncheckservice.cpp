#include "fakeconnectioncheckservice.h"

namespace tiersync::test {

void FakeConnectionCheckService::setProfile(const ConnectionProfile &profile)
{
    profiles.append(profile);
}

void FakeConnectionCheckService::checkHealth()
{
    ++healthChecks;
}

void FakeConnectionCheckService::test(ConnectionCheck::Service service, const ConnectionProfile &profile)
{
    tests.append({service, profile});
}

}  // namespace tiersync::test
