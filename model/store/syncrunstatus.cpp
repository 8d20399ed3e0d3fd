#include "store/syncrunstatus.h"

namespace tiersync {

namespace {

struct StatusName {
    SyncRunStatus status;
    const char *name;
};

// The values of sync_runs.status (its CHECK constraint names the same four).
constexpr StatusName kStatusNames[] = {
    {SyncRunStatus::Running, "running"},
    {SyncRunStatus::Succeeded, "succeeded"},
    {SyncRunStatus::Failed, "failed"},
    {SyncRunStatus::Cancelled, "cancelled"},
};

}  // namespace

QString syncRunStatusName(SyncRunStatus status)
{
    for (const auto &entry : kStatusNames)
        if (entry.status == status)
            return QLatin1String(entry.name);
    return {};
}

std::optional<SyncRunStatus> syncRunStatusFromName(const QString &name)
{
    for (const auto &entry : kStatusNames)
        if (name == QLatin1String(entry.name))
            return entry.status;
    return std::nullopt;
}

}  // namespace tiersync
