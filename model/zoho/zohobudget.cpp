#include "zoho/zohobudget.h"

namespace tiersync {

QString zohoBudgetModeName(ZohoBudgetMode mode)
{
    switch (mode) {
    case ZohoBudgetMode::Local:
        return QStringLiteral("local");
    case ZohoBudgetMode::Shared:
        return QStringLiteral("shared");
    case ZohoBudgetMode::Fallback:
        return QStringLiteral("fallback");
    }
    return QStringLiteral("local");
}

ZohoBudgetMode ZohoBudget::mode() const
{
    return ZohoBudgetMode::Local;
}

}  // namespace tiersync
