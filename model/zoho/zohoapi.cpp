#include "zoho/zohoapi.h"

#include "zoho/awaitresult.h"
#include "zoho/pagingguard.h"
#include "zoho/zohoclient.h"
#include "zoho/zohorequest.h"

#include <type_traits>


namespace tiersync {

namespace {

QUrlQuery withPaging(QUrlQuery query, int page)
{
    query.removeAllQueryItems(QStringLiteral("page"));
    query.removeAllQueryItems(QStringLiteral("per_page"));
    query.addQueryItem(QStringLiteral("page"), QString::number(page));
    query.addQueryItem(QStringLiteral("per_page"), QString::number(ZohoApi::kPerPage));
    return query;
}

QUrlQuery withCursor(QUrlQuery query, const CrmCursor &cursor)
{
    query.removeAllQueryItems(QStringLiteral("page"));
    query.removeAllQueryItems(QStringLiteral("per_page"));
    query.removeAllQueryItems(QStringLiteral("page_token"));
    // With a page_token Zoho wants no page number.
    if (cursor.pageToken.isEmpty())
        query.addQueryItem(QStringLiteral("page"), QString::number(cursor.page));
    else
        query.addQueryItem(QStringLiteral("page_token"), cursor.pageToken);
    query.addQueryItem(QStringLiteral("per_page"), QString::number(ZohoApi::kPerPage));
    return query;
}

// The call with `parse` attached as its continuation before the call can finish (see
// ZohoClient::submit(request, attach): then() on a future being finished elsewhere is not
// safe in Qt 6.4).
template <typename Parse>
auto submitThen(ZohoClient *client, ZohoRequest request, Parse &&parse)
{
    using Out = std::invoke_result_t<Parse, const Result<ZohoResponse> &>;
    QFuture<Out> mapped;
    (void)client->submit(std::move(request), [&](QFuture<Result<ZohoResponse>> &future) {
        mapped = future.then(std::forward<Parse>(parse));
    });
    return mapped;
}

// A 304 answer to a request sent without If-Modified-Since (a proxy's cache, a confused
// server): "not modified" since nothing; never read as "no data".
Error notModifiedUnasked(const QString &what)
{
    Error error = makeError(ErrorKind::Protocol,
                            QStringLiteral("Zoho answered 304 Not Modified to a %1 asked without If-Modified-Since; "
                                           "nothing is replaced").arg(what));
    error.httpStatus = 304;
    return error;
}

}  // namespace

ZohoApi::ZohoApi(ZohoClient *client, QString crmVersion, ZohoCallPurpose purpose)
    : m_client(client)
    , m_crmVersion(std::move(crmVersion))
    , m_purpose(purpose)
{
}

ZohoApi ZohoApi::withPurpose(ZohoCallPurpose purpose) const
{
    ZohoApi api = *this;
    api.m_purpose = purpose;
    return api;
}

ZohoApi ZohoApi::withMaxBudgetWaitMs(qint64 ms) const
{
    ZohoApi api = *this;
    api.m_maxBudgetWaitMs = ms;
    return api;
}

ZohoRequest ZohoApi::request(QString path, QUrlQuery query) const
{
    ZohoRequest out = ZohoRequest::get(std::move(path), std::move(query));
    out.purpose = m_purpose;
    out.maxBudgetWaitMs = m_maxBudgetWaitMs;
    return out;
}

QString ZohoApi::crmPath(const QString &module) const
{
    return QStringLiteral("/crm/%1/%2").arg(m_crmVersion, module);
}

QFuture<Result<BooksPage>> ZohoApi::booksPage(const QString &path, const QString &entityKey, int page,
                                              const QUrlQuery &filter) const
{
    return submitThen(m_client, request(path, withPaging(filter, page)),
        [entityKey](const Result<ZohoResponse> &response) -> Result<BooksPage> {
            if (!response)
                return response.error();
            return zohoparser::parseBooksPage(response->json, entityKey);
        });
}

std::optional<int> ZohoApi::nextBooksPage(const BooksPage &page, int current)
{
    if (!page.hasMorePage)
        return std::nullopt;
    return current + 1;
}

QFuture<Result<QJsonObject>> ZohoApi::booksGet(const QString &path, const QString &entityKey) const
{
    return submitThen(m_client, request(path),
        [entityKey](const Result<ZohoResponse> &response) -> Result<QJsonObject> {
            if (!response)
                return response.error();
            if (response->httpStatus == 304)
                return notModifiedUnasked(QStringLiteral("GET of a Books %1").arg(entityKey));
            if (!response->hasBody)
                return makeError(ErrorKind::NotFound, QStringLiteral("Zoho returned no %1").arg(entityKey));
            return zohoparser::parseBooksEntity(response->json, entityKey);
        });
}

Result<QList<QJsonObject>> ZohoApi::booksListAll(const QString &path, const QString &entityKey,
                                                 const QUrlQuery &filter,
                                                 const std::function<bool(const BooksPage &)> &onPage) const
{
    QList<QJsonObject> all;
    PagingGuard guard(path);
    int pageNumber = 1;
    QFuture<Result<BooksPage>> pending = booksPage(path, entityKey, pageNumber, filter);
    while (true) {
        Result<BooksPage> page = awaitResult(pending);
        if (!page)
            return page.error();
        if (Status going = guard.accept(booksPageFacts(*page, pageNumber, {})); !going)
            return going.error();
        const std::optional<int> next = nextBooksPage(*page, pageNumber);
        // Ask for the next page before handling this one.
        if (next)
            pending = booksPage(path, entityKey, *next, filter);
        all.append(page->records);
        if (onPage && !onPage(*page)) {
            if (next)
                pending.waitForFinished();  // let the prefetch land before returning
            return all;
        }
        if (!next)
            return all;
        pageNumber = *next;
    }
}

PageFacts ZohoApi::booksPageFacts(const BooksPage &page, int requested, const QString &idField)
{
    PageFacts facts;
    facts.requestedPage = requested;
    facts.echoedPage = page.page;
    facts.keys = PagingGuard::keysOf(page.records, idField);
    facts.more = page.hasMorePage;
    return facts;
}

PageFacts ZohoApi::crmPageFacts(const CrmCursor &requested, const QList<QJsonObject> &records, int echoedPage,
                                bool more, const QString &nextToken)
{
    PageFacts facts;
    facts.requestedPage = requested.pageToken.isEmpty() ? requested.page : 0;
    facts.requestedToken = requested.pageToken;
    facts.echoedPage = echoedPage;
    facts.keys = PagingGuard::keysOf(records, QStringLiteral("id"));
    facts.more = more;
    facts.nextToken = nextToken;
    return facts;
}

QFuture<Result<CrmPage>> ZohoApi::crmPage(const QString &module, const CrmCursor &cursor,
                                          const QUrlQuery &filter, const QDateTime &ifModifiedSince) const
{
    ZohoRequest list = request(crmPath(module), withCursor(filter, cursor));
    if (ifModifiedSince.isValid())
        list.headers.append({QByteArrayLiteral("If-Modified-Since"), crmTimeHeader(ifModifiedSince)});
    return submitThen(m_client, std::move(list),
        [asked = ifModifiedSince.isValid()](const Result<ZohoResponse> &response) -> Result<CrmPage> {
            if (!response)
                return response.error();
            if (response->httpStatus == 304 && !asked)
                return notModifiedUnasked(QStringLiteral("CRM list"));
            return zohoparser::parseCrmListAnswer(response->httpStatus, response->json);
        });
}

QFuture<Result<CrmDeletedPage>> ZohoApi::crmDeletedPage(const QString &module, const CrmCursor &cursor,
                                                        const QDateTime &ifModifiedSince) const
{
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("type"), QStringLiteral("all"));
    ZohoRequest list = request(crmPath(module) + QStringLiteral("/deleted"), withCursor(query, cursor));
    if (ifModifiedSince.isValid())
        list.headers.append({QByteArrayLiteral("If-Modified-Since"), crmTimeHeader(ifModifiedSince)});
    return submitThen(m_client, std::move(list),
        [](const Result<ZohoResponse> &response) -> Result<CrmDeletedPage> {
            if (!response)
                return response.error();
            return zohoparser::parseCrmDeletedPage(response->httpStatus, response->json);
        });
}

QByteArray ZohoApi::crmTimeHeader(const QDateTime &time)
{
    return time.toUTC().toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss")).toLatin1() + "+00:00";
}

Result<std::optional<CrmCursor>> ZohoApi::nextCrmCursor(const CrmCursor &current, const CrmDeletedPage &page)
{
    CrmPage asList;
    asList.moreRecords = page.moreRecords;
    asList.nextPageToken = page.nextPageToken;
    return nextCrmCursor(current, asList);
}

QFuture<Result<CrmPage>> ZohoApi::crmSearch(const QString &module, const QString &criteria,
                                            const CrmCursor &cursor) const
{
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("criteria"), criteria);
    return submitThen(m_client, request(crmPath(module) + QStringLiteral("/search"), withCursor(query, cursor)),
        [](const Result<ZohoResponse> &response) -> Result<CrmPage> {
            if (!response)
                return response.error();
            if (response->httpStatus == 304)
                return notModifiedUnasked(QStringLiteral("CRM search"));
            return zohoparser::parseCrmListAnswer(response->httpStatus, response->json);
        });
}

Result<std::optional<CrmCursor>> ZohoApi::nextCrmCursor(const CrmCursor &current, const CrmPage &page)
{
    if (!page.moreRecords)
        return std::optional<CrmCursor>();
    CrmCursor next;
    next.page = current.page + 1;
    // `page` alone stops at 2,000 records; from there only the token goes on.
    if (!current.pageToken.isEmpty() || current.page * kPerPage >= kCrmPageNumberLimitRecords) {
        if (page.nextPageToken.isEmpty())
            return makeError(ErrorKind::Protocol,
                             QStringLiteral("CRM reports more records past %1 but sent no "
                                            "info.next_page_token")
                                 .arg(kCrmPageNumberLimitRecords));
        next.pageToken = page.nextPageToken;
    }
    return std::optional<CrmCursor>(next);
}

Result<QList<QJsonObject>> ZohoApi::crmListAll(const QString &module, const QUrlQuery &filter,
                                               const std::function<bool(const CrmPage &)> &onPage) const
{
    QList<QJsonObject> all;
    PagingGuard guard(crmPath(module));
    CrmCursor cursor;
    QFuture<Result<CrmPage>> pending = crmPage(module, cursor, filter);
    while (true) {
        Result<CrmPage> page = awaitResult(pending);
        if (!page)
            return page.error();
        if (Status going = guard.accept(crmPageFacts(cursor, page->records, page->page, page->moreRecords,
                                                     page->nextPageToken));
            !going)
            return going.error();
        Result<std::optional<CrmCursor>> next = nextCrmCursor(cursor, *page);
        if (!next)
            return next.error();
        if (*next)
            pending = crmPage(module, **next, filter);
        all.append(page->records);
        if (onPage && !onPage(*page)) {
            if (*next)
                pending.waitForFinished();
            return all;
        }
        if (!*next)
            return all;
        cursor = **next;
    }
}

QFuture<Result<QList<QJsonObject>>> ZohoApi::crmGetByIds(const QString &module, const QStringList &ids) const
{
    Q_ASSERT(!ids.isEmpty() && ids.size() <= kCrmIdsPerGet);
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("ids"), ids.join(QLatin1Char(',')));
    ZohoRequest get = request(crmPath(module), query);
    get.label = QStringLiteral("GET ") + crmPath(module) + QStringLiteral("?ids");
    return submitThen(m_client, std::move(get),
        [](const Result<ZohoResponse> &response) -> Result<QList<QJsonObject>> {
            if (!response)
                return response.error();
            if (response->httpStatus == 304)
                return notModifiedUnasked(QStringLiteral("GET of CRM records by id"));
            auto page = zohoparser::parseCrmListAnswer(response->httpStatus, response->json);
            if (!page)
                return page.error();
            return page->records;
        });
}

ZohoRequest ZohoApi::crmGetRequest(const QString &module, const QString &id) const
{
    ZohoRequest get = request(crmPath(module) + QLatin1Char('/') + id);
    get.label = QStringLiteral("GET ") + crmPath(module) + QStringLiteral("/{id}");
    return get;
}

QFuture<Result<std::optional<QJsonObject>>> ZohoApi::crmGet(const QString &module, const QString &id) const
{
    return submitThen(m_client, crmGetRequest(module, id),
        [](const Result<ZohoResponse> &response) -> Result<std::optional<QJsonObject>> {
            if (!response)
                return response.error();
            if (response->httpStatus == 304)
                return notModifiedUnasked(QStringLiteral("GET of a CRM record"));
            auto records = zohoparser::parseCrmRecords(response->json);
            if (!records)
                return records.error();
            if (records->isEmpty())
                return std::optional<QJsonObject>();
            return std::optional<QJsonObject>(records->first());
        });
}

QFuture<Result<ZohoApi::CrmRecordAnswer>> ZohoApi::crmGetIfModifiedSince(const QString &module, const QString &id,
                                                                        const QDateTime &since) const
{
    ZohoRequest get = crmGetRequest(module, id);
    get.headers.append({QByteArrayLiteral("If-Modified-Since"), crmTimeHeader(since)});
    return submitThen(m_client, std::move(get), [](const Result<ZohoResponse> &response) -> Result<CrmRecordAnswer> {
        if (!response)
            return response.error();
        CrmRecordAnswer answer;
        if (response->httpStatus == 304) {
            answer.state = CrmRecordAnswer::State::NotModified;
            return answer;
        }
        auto records = zohoparser::parseCrmRecords(response->json);
        if (!records)
            return records.error();
        if (!records->isEmpty()) {
            answer.state = CrmRecordAnswer::State::Found;
            answer.record = records->first();
        }
        return answer;
    });
}

}  // namespace tiersync
