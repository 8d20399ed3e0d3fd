#pragma once

#include "core/result.h"
#include "core/zohosettings.h"
#include "sandbox/zohosimprocess.h"

#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace tiersync::test {

// A zoho-sim of the test's own (binary from TIERSYNC_ZOHO_SIM, which the test harness
// sets), for tests that inject faults or mutate data: the fixture's sim is shared by
// tests running in parallel and must stay fault-free. Stopped on destruction.
class PrivateZohoSim final {
public:
    [[nodiscard]] static Result<std::unique_ptr<PrivateZohoSim>> start(const QStringList &arguments = {});
    ~PrivateZohoSim();
    Q_DISABLE_COPY_MOVE(PrivateZohoSim)

    [[nodiscard]] ZohoSettings settings() const;  // URLs and the credentials it accepts
    [[nodiscard]] QString apiBase() const;

private:
    PrivateZohoSim() = default;

    QTemporaryDir m_directory;
    std::unique_ptr<sandbox::ZohoSimProcess> m_process;
};

}  // namespace tiersync::test
