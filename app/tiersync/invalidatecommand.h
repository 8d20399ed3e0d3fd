#pragma once

#include "core/connectionprofile.h"

#include <QStringList>

namespace tiersync::cli {

// `tiersync invalidate student N | endpoint NAME | entity TYPE [ID] | all [--dry-run]
// [--json]`: removes Redis keys (CacheInvalidator); --dry-run only counts them.
[[nodiscard]] int runInvalidateCommand(const ConnectionProfile &profile, const QStringList &arguments);

}  // namespace tiersync::cli
