#pragma once

#include "core/connectionprofile.h"
#include "core/result.h"

#include <QJsonObject>
#include <QString>

namespace tiersync::test {

// The sandbox that the CTest fixture "sandbox" started (tiersync sandbox up): state dir from
// TIERSYNC_SANDBOX_DIR, whose sandbox.json holds the ports, pids and TIERSYNC_* environment;
// missing means the fixture failed, and integration tests fail (never skip). The profile's
// Zoho credentials are this test process's own sim tenant (simtenant.h), not the sandbox's.
[[nodiscard]] QString sandboxDir();
[[nodiscard]] Result<QJsonObject> sandboxState();
[[nodiscard]] Result<ConnectionProfile> sandboxProfile();

}  // namespace tiersync::test

// Inside a Qt Test function: binds `profile` or fails the test with the reason.
#define TIERSYNC_REQUIRE_SANDBOX(profile)                                                  \
    auto profile##Result = ::tiersync::test::sandboxProfile();                             \
    if (!profile##Result)                                                                  \
        QFAIL(qPrintable(profile##Result.error().toString()));                             \
    const ::tiersync::ConnectionProfile profile = *profile##Result
