#pragma once

#include "zoho/circuitbreaker.h"

#include <QMetaType>

namespace tiersync {

// What the console shows about one Zoho client.
struct ZohoStats final {
    quint64 requests = 0;        // submitted by callers
    quint64 calls = 0;           // HTTP attempts sent to the API (retries included)
    quint64 retries = 0;         // attempts repeated after a failure (token refreshes too)
    quint64 failures = 0;        // requests that ended in an error
    quint64 tokenRefreshes = 0;  // successful OAuth refreshes
    int inFlight = 0;
    int queued = 0;              // waiting for a token, the budget or a backoff
    CircuitState circuit = CircuitState::Closed;
};

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::ZohoStats)
