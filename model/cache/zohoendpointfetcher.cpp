#include "cache/zohoendpointfetcher.h"

#include "cache/endpointpayload.h"
#include "zoho/awaitresult.h"
#include "zoho/pagingguard.h"
#include "zoho/zohorequest.h"


namespace tiersync {

ZohoEndpointFetcher::ZohoEndpointFetcher(ZohoApi api)
    // A person waits for this: reads go first, and past kReadBudgetWaitMs the call fails
    // RateLimited so the reader serves what it has.
    : m_api(api.withPurpose(ZohoCallPurpose::Read).withMaxBudgetWaitMs(ZohoRequest::kReadBudgetWaitMs))
{
}

Result<QJsonValue> ZohoEndpointFetcher::fetch(const EndpointDefinition &endpoint, qint64 moodleUserId)
{
    const QString criteria = endpoint.criteriaFor(moodleUserId);
    QList<QJsonObject> records;
    // Past kMaxPages the answer would be cut short: an error, never a silent truncation.
    PagingGuard guard(QStringLiteral("%1 search for one student").arg(endpoint.zohoModule), kMaxPages);
    CrmCursor cursor;
    while (true) {
        auto result = awaitResult(m_api.crmSearch(endpoint.zohoModule, criteria, cursor));
        if (!result)
            return result.error();
        if (Status going = guard.accept(ZohoApi::crmPageFacts(cursor, result->records, result->page,
                                                              result->moreRecords, result->nextPageToken));
            !going)
            return going.error();
        records.append(result->records);
        auto next = ZohoApi::nextCrmCursor(cursor, *result);
        if (!next)
            return next.error();
        if (!next->has_value())
            break;
        cursor = **next;
    }
    // Every page, also for an object: its record is the first by id, as the regroup
    // from PostgreSQL rows picks it.
    return endpointpayload::shape(endpoint.shape, std::move(records));
}

}  // namespace tiersync
