#include "budget/zoholimitsplan.h"

namespace tiersync {

Status applyZohoPlan(ZohoLimitsRepository::Row &row, const QString &plan, int users)
{
    const QString name = plan.trimmed().toLower();
    Result<FamilyLimits> planned = row.family == ZohoApiFamily::Crm ? ZohoLimits::forCrmEdition(name, users)
                                                                    : ZohoLimits::forBooksPlan(name);
    if (!planned)
        return planned.error();
    row.limits.perDay = planned->perDay;
    row.limits.concurrency = planned->concurrency;
    row.plan = name;
    row.users = users;
    return {};
}

QStringList zohoPlanNames(ZohoApiFamily family)
{
    return family == ZohoApiFamily::Crm ? ZohoLimits::crmEditions() : ZohoLimits::booksPlans();
}

}  // namespace tiersync
