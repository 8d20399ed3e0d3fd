#pragma once

#include <QMetaType>
#include <QString>

#include <optional>

namespace tiersync {

// How a sync run stands (tiersync.sync_runs.status). Text only at the edges: the SQL, the
// CLI's output and JSON, and the views.
enum class SyncRunStatus { Running, Succeeded, Failed, Cancelled };

[[nodiscard]] QString syncRunStatusName(SyncRunStatus status);  // "running", "succeeded"…
[[nodiscard]] std::optional<SyncRunStatus> syncRunStatusFromName(const QString &name);

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::SyncRunStatus)
