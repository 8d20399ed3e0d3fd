#pragma once

#include "store/syncrunrepository.h"

#include <QJsonObject>

namespace tiersync::cli {

// The stable JSON of one sync run, shared by `tiersync sync --json` and
// `tiersync runs --json` (README "JSON output"):
// {"run_id","entity_type","mode","trigger","status","started_at","finished_at",
//  "fetched","synced","skipped","failed","deleted","pages","zoho_calls","retries",
//  "duration_ms","error"}; times ISO 8601 UTC, null while running; error null if none.
[[nodiscard]] QJsonObject syncRunToJson(const SyncRunRepository::Run &run);

}  // namespace tiersync::cli
