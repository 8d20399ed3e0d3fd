#pragma once

#include "zoho/zohoapifamily.h"
#include "zoho/zohocallpurpose.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrlQuery>

#include <memory>

namespace tiersync {

struct ZohoAttemptTally;

// One call to the Zoho API, relative to ZohoSettings::apiBase. The client adds the
// Authorization header, and organization_id for Books/Inventory paths.
struct ZohoRequest final {
    QByteArray method = QByteArrayLiteral("GET");
    QString path;                                   // "/books/v3/items", "/crm/v2/Students/search"
    QUrlQuery query;
    QList<QPair<QByteArray, QByteArray>> headers;   // e.g. If-Modified-Since
    QByteArray body;
    QByteArray contentType;                         // of body, when there is one
    QString label;                                  // target for events; default "METHOD path"
    // Who asks: reads go before webhooks, webhooks before syncs; reads use
    // ZohoClientOptions::readRetry, the others ZohoClientOptions::retry.
    ZohoCallPurpose purpose = ZohoCallPurpose::Read;
    int credits = 1;                                // CRM API credits this call costs
    // Longest wait for the budget (window, concurrency) before the call fails RateLimited
    // instead; -1: no limit. The read path sets kReadBudgetWaitMs and serves stale past it.
    qint64 maxBudgetWaitMs = -1;
    // Non-2xx statuses whose JSON body is an answer the caller reads, not a failure: the
    // CRM actions/watch API answers 400 with one result per item when every item failed.
    QList<int> answeredStatuses;
    // When set, the client counts this request's attempts and retries into it.
    std::shared_ptr<ZohoAttemptTally> tally;

    static constexpr qint64 kReadBudgetWaitMs = 2000;

    // "GET /crm/v2/Students/search": never the query string, which may carry ids.
    [[nodiscard]] QString target() const;
    // Books and Inventory need organization_id on every call.
    [[nodiscard]] bool needsOrganization() const;
    // Whose limits this call spends, from the path.
    [[nodiscard]] ZohoApiFamily family() const;

    [[nodiscard]] static ZohoRequest get(QString path, QUrlQuery query = {});
};

}  // namespace tiersync
