#pragma once

#include "core/result.h"
#include "simdrift.h"
#include "simpaging.h"

#include <QJsonObject>

namespace tiersync::sim {

// The injected faults (POST /_sim/faults). All off by default; each request to a data
// or OAuth path draws against every probability in the order reset, timeout, 5xx, 429.
struct SimFaultConfig final {
    int latencyMinMs = 0;
    int latencyMaxMs = 0;
    double error5xx = 0;
    double rate429 = 0;
    double timeout = 0;
    double reset = 0;
    int timeoutMs = 30000;   // how long a timeout fault holds the request
    int rate429Code = 44;    // Books: 44 per minute, 45 per day, 1070 concurrency
    int retryAfterS = 0;     // > 0 adds Retry-After to 429 answers (Zoho sends none)
    SimPagingFault paging = SimPagingFault::None;  // list answers that never end (simpaging.h)
    QString pagingPath;      // the list path the paging fault applies to; empty: every list
    // The next failNext data requests (not OAuth) fail for certain, before the draws:
    // HTTP failStatus (a proxy's 502 by default; 304: an empty Not Modified, as a caching
    // proxy may answer), or held for timeoutMs and dropped when 0.
    int failNext = 0;
    int failStatus = 502;
    SimDriftConfig drift;    // records inserted and deleted while a listing is paged (simdrift.h)

    [[nodiscard]] QJsonObject toJson() const;
    // This configuration with the keys present in `changes` replaced; omitted keys keep
    // their value. Rejects out-of-range values as a whole.
    [[nodiscard]] Result<SimFaultConfig> merged(const QJsonObject &changes) const;
};

}  // namespace tiersync::sim
