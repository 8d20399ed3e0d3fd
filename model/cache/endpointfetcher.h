#pragma once

#include "cache/endpointdefinition.h"
#include "core/result.h"

#include <QJsonValue>

namespace tiersync {

// The source of truth behind the cache: one endpoint's data for one student, shaped
// as the response's "data". Called concurrently from many threads; blocks.
// ZohoEndpointFetcher is the real one; tests use fakes.
class EndpointFetcher {
public:
    virtual ~EndpointFetcher() = default;

    [[nodiscard]] virtual Result<QJsonValue> fetch(const EndpointDefinition &endpoint, qint64 moodleUserId) = 0;
};

}  // namespace tiersync
