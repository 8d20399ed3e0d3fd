#pragma once

#include "core/result.h"
#include "core/zohosettings.h"

#include <QString>

namespace tiersync::test {

// The fixture's zoho-sim is shared by every test running in parallel, while each test class
// has its own Redis database, so its own product-side Zoho budget and token. The sim counts
// Zoho's limits per organisation and client as Zoho does, so each test class talks to it as
// an organisation of its own (sandboxProfile()), and so does each ScratchProfile, whose
// Redis database starts empty: nobody spends a budget another believes it owns.

// `sim` (its URLs) with the credentials of the tenant named `label`: a numeric org id, a
// client id, secret and refresh token derived from the label (same label, same tenant).
// Registers it through POST /_sim/tenants (registering again is fine), so its limit
// counters, token throttle and /_sim/stats "limits" entry count only its own traffic.
[[nodiscard]] Result<ZohoSettings> ownSimTenant(const ZohoSettings &sim, const QString &label);

// The running test executable's name and pid: unique among the processes sharing a
// sandbox, and new on each run, so a test never starts with a previous run's windows.
[[nodiscard]] QString testProcessLabel();

}  // namespace tiersync::test
