#pragma once

namespace tiersync {

// What a Zoho call is for. Zoho's limits are per organisation, so every instance's reads,
// syncs and webhook re-fetches draw on the same budget; the purpose decides who goes
// first (reads, then webhooks, then syncs) and which retry policy applies. The names are
// also the hash fields of tiersync:v1:zoho_calls:{epoch_minute} (cache/zohocallcounts.h;
// renaming one breaks every reader).
enum class ZohoCallPurpose { Read, Sync, Webhook, Count };

inline constexpr int kZohoCallPurposeCount = int(ZohoCallPurpose::Count);

}  // namespace tiersync
