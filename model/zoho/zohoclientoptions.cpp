#include "zoho/zohoclientoptions.h"

namespace tiersync {

const RetryPolicy &ZohoClientOptions::retryFor(ZohoCallPurpose purpose) const
{
    return purpose == ZohoCallPurpose::Read ? readRetry : retry;
}

}  // namespace tiersync
