#pragma once

#include "zoho/retrypolicy.h"
#include "zoho/tokenstore.h"
#include "zoho/zohoclock.h"
#include "zoho/zohoparser.h"

#include <memory>

namespace tiersync {

// Tuning of one ZohoClient. Defaults are for production; tests shrink the delays.
struct ZohoClientOptions final {
    RetryPolicy retry;
    qint64 requestTimeoutMs = 30000;        // whole request, connect to last byte
    double requestsPerMinute = 100.0;        // Books: 100 requests/minute/organisation
    double burst = 20.0;                     // requests that may go out back to back
    int maxInFlight = 5;                     // Zoho free plans allow 5 concurrent calls
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
};

}  // namespace tiersync
