#pragma once

#include "core/result.h"
#include "zoho/zohocallpurpose.h"
#include "zoho/zohoparser.h"

#include <QDateTime>
#include <QFuture>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QUrlQuery>

#include <functional>
#include <optional>

namespace tiersync {

class ZohoClient;
struct PageFacts;
struct ZohoRequest;

// Where the next CRM page starts: `page` for the first 2,000 records, then the
// page_token Zoho handed out (ZOHO-API.md "CRM records").
struct CrmCursor final {
    int page = 1;
    QString pageToken;
};

// Typed Zoho calls on top of ZohoClient: Books/Inventory lists and entities, CRM
// lists, search and get. A cheap value; every method is thread-safe. The page methods
// return futures so a sync can process page N while page N+1 is in flight: the next
// cursor is known as soon as page N arrives (nextBooksPage / nextCrmCursor). The
// *All methods block and must run on a worker thread, never the client's own.
class ZohoApi final {
public:
    static constexpr int kPerPage = 200;                 // Books and CRM maximum
    static constexpr int kCrmPageNumberLimitRecords = 2000;

    explicit ZohoApi(ZohoClient *client, QString crmVersion = QStringLiteral("v2"),
                     ZohoCallPurpose purpose = ZohoCallPurpose::Read);

    // The same API whose calls are made for `purpose` (queue priority, retry policy).
    [[nodiscard]] ZohoApi withPurpose(ZohoCallPurpose purpose) const;
    // The same API whose calls wait at most ms for the budget, then fail RateLimited
    // (ZohoRequest::maxBudgetWaitMs; -1: no limit).
    [[nodiscard]] ZohoApi withMaxBudgetWaitMs(qint64 ms) const;
    [[nodiscard]] ZohoCallPurpose purpose() const { return m_purpose; }

    // GET {path}?page=N&per_page=200 (e.g. "/books/v3/items", entityKey "items").
    [[nodiscard]] QFuture<Result<BooksPage>> booksPage(const QString &path, const QString &entityKey,
                                                       int page, const QUrlQuery &filter = {}) const;
    [[nodiscard]] static std::optional<int> nextBooksPage(const BooksPage &page, int current);
    // What a page said, for PagingGuard (ids in idField; empty: records digested).
    [[nodiscard]] static PageFacts booksPageFacts(const BooksPage &page, int requested, const QString &idField);
    [[nodiscard]] static PageFacts crmPageFacts(const CrmCursor &requested, const QList<QJsonObject> &records,
                                                int echoedPage, bool more, const QString &nextToken);
    // GET {path} of one entity (e.g. "/books/v3/items/123", entityKey "item").
    [[nodiscard]] QFuture<Result<QJsonObject>> booksGet(const QString &path, const QString &entityKey) const;
    // Every record, page by page with the next page prefetched. onPage may stop early
    // by returning false. Ends on every answer (PagingGuard).
    [[nodiscard]] Result<QList<QJsonObject>> booksListAll(
        const QString &path, const QString &entityKey, const QUrlQuery &filter = {},
        const std::function<bool(const BooksPage &)> &onPage = {}) const;

    // GET /crm/{v}/{module} at the cursor; with ifModifiedSince valid, only the records
    // modified after it, and a 304 is a page with notModified set (never "no records").
    [[nodiscard]] QFuture<Result<CrmPage>> crmPage(const QString &module, const CrmCursor &cursor,
                                                   const QUrlQuery &filter = {},
                                                   const QDateTime &ifModifiedSince = {}) const;
    // GET /crm/{v}/{module}/deleted?type=all&page=N&per_page=200 (page_token past 2,000):
    // the records deleted (after ifModifiedSince when valid). 204/304 → an empty last page.
    [[nodiscard]] QFuture<Result<CrmDeletedPage>> crmDeletedPage(const QString &module, const CrmCursor &cursor,
                                                                 const QDateTime &ifModifiedSince = {}) const;
    // The If-Modified-Since value for a time: CRM's own form, in UTC with a "+00:00" offset,
    // whole seconds (truncated, so nothing at the boundary second is missed).
    [[nodiscard]] static QByteArray crmTimeHeader(const QDateTime &time);
    // The deleted list's cursor rule is the list's (page numbers to 2,000, then the token).
    [[nodiscard]] static Result<std::optional<CrmCursor>> nextCrmCursor(const CrmCursor &current,
                                                                        const CrmDeletedPage &page);
    // GET /crm/{v}/{module}/search?criteria=… (204 → empty last page).
    [[nodiscard]] QFuture<Result<CrmPage>> crmSearch(const QString &module, const QString &criteria,
                                                     const CrmCursor &cursor = {}) const;
    [[nodiscard]] static Result<std::optional<CrmCursor>> nextCrmCursor(const CrmCursor &current,
                                                                        const CrmPage &page);
    [[nodiscard]] Result<QList<QJsonObject>> crmListAll(
        const QString &module, const QUrlQuery &filter = {},
        const std::function<bool(const CrmPage &)> &onPage = {}) const;
    // GET /crm/{v}/{module}?ids=a,b,… (Get Records by id, at most kCrmIdsPerGet ids): the
    // records of those ids that Zoho has, in one call. An id left out is not proven gone
    // (ask crmGet: only its 204 is); 204 → no records.
    static constexpr int kCrmIdsPerGet = 100;
    [[nodiscard]] QFuture<Result<QList<QJsonObject>>> crmGetByIds(const QString &module, const QStringList &ids) const;
    // GET /crm/{v}/{module}/{id}; nullopt for 204 (gone). A 304 to a request without
    // If-Modified-Since is a Protocol error, never "gone" (ZOHO-API.md: 304 means unchanged).
    [[nodiscard]] QFuture<Result<std::optional<QJsonObject>>> crmGet(const QString &module, const QString &id) const;
    // The same with If-Modified-Since: Found (the record), Gone (204) or NotModified (304).
    struct CrmRecordAnswer {
        enum class State { Found, Gone, NotModified };
        State state = State::Gone;
        QJsonObject record;
    };
    [[nodiscard]] QFuture<Result<CrmRecordAnswer>> crmGetIfModifiedSince(const QString &module, const QString &id,
                                                                         const QDateTime &since) const;

private:
    [[nodiscard]] QString crmPath(const QString &module) const;
    [[nodiscard]] ZohoRequest crmGetRequest(const QString &module, const QString &id) const;
    [[nodiscard]] ZohoRequest request(QString path, QUrlQuery query = {}) const;

    ZohoClient *m_client;
    QString m_crmVersion;
    ZohoCallPurpose m_purpose;
    qint64 m_maxBudgetWaitMs = -1;
};

}  // namespace tiersync
