#pragma once

#include "budget/zoholimitsrepository.h"
#include "core/result.h"
#include "zoho/zohoapifamily.h"

#include <QString>
#include <QStringList>

namespace tiersync {

// What choosing a plan (Books, Inventory) or an edition with its licences (CRM) does to a
// family's stored limits, the same for `tiersync limits set` and the console's Settings:
// the daily budget and the concurrency become Zoho's for it; the per-minute window and
// the read reserve stay (Zoho's per-minute limit does not depend on the plan). The plan
// is stored lower-case. An unknown plan, or a CRM edition with fewer than 1 user, is an
// InvalidArgument saying so, and row is left as it was.
[[nodiscard]] Status applyZohoPlan(ZohoLimitsRepository::Row &row, const QString &plan, int users);

// The plans (Books, Inventory) or editions (CRM) applyZohoPlan knows, cheapest first.
[[nodiscard]] QStringList zohoPlanNames(ZohoApiFamily family);

}  // namespace tiersync
