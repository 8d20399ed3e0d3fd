#include "sync/syncoptions.h"

namespace tiersync {

QString syncModeName(SyncMode mode)
{
    return mode == SyncMode::Full ? QStringLiteral("full") : QStringLiteral("incremental");
}

std::optional<SyncMode> syncModeFromName(const QString &name)
{
    if (name == QLatin1String("incremental"))
        return SyncMode::Incremental;
    if (name == QLatin1String("full"))
        return SyncMode::Full;
    return std::nullopt;
}

}  // namespace tiersync
