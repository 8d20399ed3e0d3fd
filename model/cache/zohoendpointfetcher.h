#pragma once

#include "cache/endpointfetcher.h"
#include "zoho/zohoapi.h"

namespace tiersync {

// Fetches an endpoint with a CRM search (criteria from the registry; 204 = no records)
// and shapes the records with endpointpayload::shape (Object → the first record by id or
// null, Array → all of them by id), following the pages, which a student's records
// rarely need.
class ZohoEndpointFetcher final : public EndpointFetcher {
public:
    static constexpr int kMaxPages = 10;

    explicit ZohoEndpointFetcher(ZohoApi api);

    [[nodiscard]] Result<QJsonValue> fetch(const EndpointDefinition &endpoint, qint64 moodleUserId) override;

private:
    ZohoApi m_api;
};

}  // namespace tiersync
