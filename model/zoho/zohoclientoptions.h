#pragma once

#include "core/epochclock.h"
#include "zoho/retrypolicy.h"
#include "zoho/tokenstore.h"
#include "zoho/zohocallpurpose.h"
#include "zoho/zohoclock.h"
#include "zoho/zoholimits.h"
#include "zoho/zohoparser.h"

#include <memory>

namespace tiersync {

class ZohoBudget;

// Tuning of one ZohoClient. Defaults are for production; tests shrink the delays.
struct ZohoClientOptions final {
    RetryPolicy retry;                       // syncs and webhooks
    // Reads: a person waits, and the read path serves stale rather than wait long.
    RetryPolicy readRetry{2, 250};
    qint64 requestTimeoutMs = 30000;        // whole request, connect to last byte
    // The organisation's limits per family, for the LocalZohoBudget made when `budget` is
    // null (a shared budget has its own).
    ZohoLimits limits;
    // Null: a LocalZohoBudget from `limits` on the client's EpochClock. Share one between
    // clients (later: a Redis one between processes) to keep them under one budget.
    std::shared_ptr<ZohoBudget> budget;
    EpochClock epochClock;                   // the budget's time; null: the system clock
    int circuitFailureThreshold = 5;         // consecutive transient failures that open it
    qint64 circuitCoolDownMs = 30000;
    qint64 maxResponseBytes = kDefaultMaxResponseBytes;
    qint64 tokenSafetyMarginMs = 60000;     // refresh this long before expiry
    // After "Access Denied" from the token endpoint no refresh is sent for this long: Zoho
    // refuses the rest of its 10-minute window and does not say when it started.
    qint64 tokenThrottleWindowMs = 600000;
    SteadyClock steadyClock = systemSteadyClock();
    WallClock wallClock = systemWallClock();
    // Where the access token lives and who may refresh it. Null: a private
    // InMemoryTokenStore. makeRedisTokenStore() (model/budget) shares one token between
    // every process of the organisation. One store per ZohoService (used on its thread).
    std::shared_ptr<TokenStore> tokenStore;

    [[nodiscard]] const RetryPolicy &retryFor(ZohoCallPurpose purpose) const;
};

}  // namespace tiersync
