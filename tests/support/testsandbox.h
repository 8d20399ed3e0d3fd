#pragma once

#include "core/connectionprofile.h"
#include "core/result.h"

#include <QJsonObject>
#include <QString>

namespace tiersync::test {

// The sandbox that the CTest fixture "sandbox" started (tiersync sandbox up). Its state
// directory comes from TIERSYNC_SANDBOX_DIR; its sandbox.json holds the ports, pids and
// the TIERSYNC_* environment. Missing or unreadable means the fixture did not run or
// failed, and integration tests must fail (never skip).
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
