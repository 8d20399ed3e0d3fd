#pragma once

#include "store/syncrunrepository.h"

#include <QJsonObject>

namespace tiersync::cli {

// The stable JSON of one sync run, shared by `tiersync sync --json` and
// `tiersync runs --json` (README "JSON output"):
// {"run_id","entity_type","mode","trigger","status","started_at","finished_at",
//  "fetched","synced","skipped","failed","deleted","pages","zoho_calls","retries",
//  "listing_shifted","caught_up","listing_passes","duration_ms","error"}; times ISO 8601
// UTC, null while running; error null if none. listing_shifted: a full run's listing
// moved under it (records inserted or deleted between its pages); caught_up: records its
// catch-up brought that the listing had not named; listing_passes: listings made (0 for
// runs that list only what changed, 2 when a shifted listing was listed again).
[[nodiscard]] QJsonObject syncRunToJson(const SyncRunRepository::Run &run);

}  // namespace tiersync::cli
