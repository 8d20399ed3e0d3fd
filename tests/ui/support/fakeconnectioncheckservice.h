#pragma once

#include "console/connectioncheckservice.h"

#include <QList>

namespace tiersync::test {

// Records every call; the test answers with the signals, as the engine's answers would
// arrive (on the GUI thread, from the event loop).
class FakeConnectionCheckService final : public ConnectionCheckService {
public:
    struct Test {
        ConnectionCheck::Service service;
        ConnectionProfile profile;
    };
    QList<ConnectionProfile> profiles;
    int healthChecks = 0;
    QList<Test> tests;

    void setProfile(const ConnectionProfile &profile) override;
    void checkHealth() override;
    void test(ConnectionCheck::Service service, const ConnectionProfile &profile) override;
};

}  // namespace tiersync::test
