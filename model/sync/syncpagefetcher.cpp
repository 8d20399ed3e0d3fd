#include "sync/syncpagefetcher.h"

#include "zoho/zohoclient.h"
#include "zoho/zohoparser.h"
#include "sync/zohotime.h"
#include "zoho/zohorequest.h"

#include <QElapsedTimer>
#include <QMutex>
#include <QUrlQuery>
#include <QWaitCondition>

#include <algorithm>

namespace tiersync {

// Wakes a waiting next() whenever any request finishes: QFuture has no timed wait, and
// polling would add its interval to every page.
struct SyncPageFetcher::Notifier {
    QMutex mutex;
    QWaitCondition finished;
};

SyncPageFetcher::SyncPageFetcher(EntityDefinition entity, ZohoClient *client, int pagesInFlight,
                                 int estimatedPages, int maxPages)
    : m_entity(std::move(entity))
    , m_client(client)
    , m_pagesInFlight(std::max(1, pagesInFlight))
    , m_estimatedPages(std::max(0, estimatedPages))
    , m_maxPages(std::max(1, maxPages))
    , m_notifier(std::make_shared<Notifier>())
    , m_listGuard(m_entity.source == EntityDefinition::Source::Crm ? QStringLiteral("/crm/v2/") + m_entity.module
                                                                   : m_entity.path,
                  m_maxPages)
    , m_changedGuard(m_listGuard.listing() + QStringLiteral(" (changed since the run began)"), m_maxPages)
    , m_deletedGuard(QStringLiteral("/crm/v2/%1/deleted").arg(m_entity.module), m_maxPages)
    , m_tally(std::make_shared<ZohoAttemptTally>())
{
}

// Pages not yet taken are cancelled: the client drops those still queued before they
// spend any budget; those already in flight finish on the client's thread and are dropped.
SyncPageFetcher::~SyncPageFetcher()
{
    for (auto &[number, future] : m_pending)
        if (!future.isFinished())
            future.cancel();
    if (m_crmPending && !m_crmPending->isFinished())
        m_crmPending->cancel();
}

int SyncPageFetcher::calls() const
{
    return int(m_tally->sent.load());
}

int SyncPageFetcher::retries() const
{
    return int(m_tally->retries.load());
}

void SyncPageFetcher::request(int pageNumber)
{
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("page"), QString::number(pageNumber));
    query.addQueryItem(QStringLiteral("per_page"), QString::number(ZohoApi::kPerPage));
    ZohoRequest page = ZohoRequest::get(m_entity.path, query);
    page.purpose = ZohoCallPurpose::Sync;
    Future future = submitNotifying(std::move(page));
    m_pending.emplace(pageNumber, std::move(future));
    m_highestRequested = pageNumber;
}

namespace {

QUrlQuery crmCursorQuery(QUrlQuery query, const CrmCursor &cursor)
{
    if (cursor.pageToken.isEmpty())
        query.addQueryItem(QStringLiteral("page"), QString::number(cursor.page));
    else
        query.addQueryItem(QStringLiteral("page_token"), cursor.pageToken);
    query.addQueryItem(QStringLiteral("per_page"), QString::number(ZohoApi::kPerPage));
    return query;
}

}  // namespace

void SyncPageFetcher::setIfModifiedSince(const QDateTime &since)
{
    m_ifModifiedSince = since;
}

SyncPageFetcher::Future SyncPageFetcher::submitCrm(const CrmCursor &cursor)
{
    ZohoRequest page = ZohoRequest::get(QStringLiteral("/crm/v2/") + m_entity.module, crmCursorQuery({}, cursor));
    page.purpose = ZohoCallPurpose::Sync;
    if (m_ifModifiedSince.isValid())
        page.headers.append({QByteArrayLiteral("If-Modified-Since"), ZohoApi::crmTimeHeader(m_ifModifiedSince)});
    return submitNotifying(std::move(page));
}

SyncPageFetcher::Future SyncPageFetcher::submitCrmDeleted(const CrmCursor &cursor, const QDateTime &since)
{
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("type"), QStringLiteral("all"));
    ZohoRequest page = ZohoRequest::get(QStringLiteral("/crm/v2/") + m_entity.module + QStringLiteral("/deleted"),
                                        crmCursorQuery(std::move(query), cursor));
    page.purpose = ZohoCallPurpose::Sync;
    if (since.isValid())
        page.headers.append({QByteArrayLiteral("If-Modified-Since"), ZohoApi::crmTimeHeader(since)});
    return submitNotifying(std::move(page));
}

SyncPageFetcher::Future SyncPageFetcher::submitNotifying(ZohoRequest request)
{
    // The wake-up is attached before the call can finish: then() on a future the
    // client's thread is finishing can run twice in Qt 6.4 (ZohoClient::submit).
    request.tally = m_tally;
    std::shared_ptr<Notifier> notifier = m_notifier;
    return m_client->submit(std::move(request), [&](Future &future) {
        // Kept for the fetcher's life: cancel() in the destructor reaches a continuation
        // through a raw pointer (see m_wakers).
        m_wakers.push_back(future.then(QtFuture::Launch::Sync, [notifier](const Result<ZohoResponse> &) {
            QMutexLocker locker(&notifier->mutex);
            notifier->finished.wakeAll();
        }));
    });
}

void SyncPageFetcher::fill()
{
    // Past the estimate (or without one) run pagesInFlight ahead of the last page known
    // to exist; within it, request every expected page at once.
    const int limit = (m_estimatedPages > 0 && m_highestExisting <= m_estimatedPages)
                          ? m_estimatedPages
                          : m_highestExisting + m_pagesInFlight;
    while (int(m_pending.size()) < m_pagesInFlight && m_highestRequested < limit
           && (m_lastPage == 0 || m_highestRequested < m_lastPage))
        request(m_highestRequested + 1);
}

Result<ZohoResponse> SyncPageFetcher::await(Future future, const std::atomic_bool &cancelled)
{
    QElapsedTimer timer;
    timer.start();
    {
        QMutexLocker locker(&m_notifier->mutex);
        while (!future.isFinished()) {
            if (cancelled.load())
                return makeError(ErrorKind::Cancelled, QStringLiteral("sync cancelled"));
            m_notifier->finished.wait(&m_notifier->mutex, 50);
        }
    }
    m_waitMs += timer.elapsed();
    return future.resultCount() > 0
               ? future.result()
               : Result<ZohoResponse>(makeError(ErrorKind::Cancelled, QStringLiteral("Zoho request was cancelled")));
}

Result<std::optional<SyncPageFetcher::Page>> SyncPageFetcher::next(const std::atomic_bool &cancelled)
{
    if (cancelled.load())
        return makeError(ErrorKind::Cancelled, QStringLiteral("sync cancelled"));

    if (m_entity.source == EntityDefinition::Source::Crm) {
        if (m_crmDone)
            return std::optional<Page>();
        if (!m_crmPending)
            m_crmPending = submitCrm(m_crmCursor);
        Future future = *m_crmPending;
        m_crmPending.reset();
        Result<CrmStep> step = crmStep(std::move(future), m_crmCursor, m_listGuard, m_ifModifiedSince.isValid(), cancelled);
        if (!step)
            return step.error();
        if (!step->page) {
            m_notModified = true;
            m_crmDone = true;
            return std::optional<Page>();
        }
        Page result{m_crmCursor.page, std::move(step->page->records), m_listGuard.lastRepeated()};
        if (step->next) {
            m_crmCursor = *step->next;
            m_crmPending = submitCrm(m_crmCursor);  // ask before the caller works on this one
        } else {
            m_crmDone = true;
        }
        return std::optional<Page>(std::move(result));
    }

    if (m_lastPage != 0 && m_nextPage > m_lastPage)
        return std::optional<Page>();
    fill();
    auto found = m_pending.find(m_nextPage);
    if (found == m_pending.end()) {  // cannot happen: fill() always covers m_nextPage
        request(m_nextPage);
        found = m_pending.find(m_nextPage);
    }
    Future future = found->second;
    m_pending.erase(found);
    Result<BooksPage> page = readBooksPage(std::move(future), m_listGuard, m_nextPage, cancelled);
    if (!page)
        return page.error();
    const int number = m_nextPage++;
    if (page->hasMorePage) {
        m_highestExisting = std::max(m_highestExisting, number + 1);
    } else {
        m_lastPage = number;
        // Speculative requests past the end are not needed; their answers are dropped.
        for (auto it = m_pending.begin(); it != m_pending.end();) {
            if (it->first > number)
                it = m_pending.erase(it);
            else
                ++it;
        }
    }
    fill();
    return std::optional<Page>(Page{number, std::move(page->records), m_listGuard.lastRepeated()});
}

void SyncPageFetcher::restart()
{
    for (auto &[number, future] : m_pending)
        if (!future.isFinished())
            future.cancel();
    m_pending.clear();
    if (m_crmPending && !m_crmPending->isFinished())
        m_crmPending->cancel();
    m_crmPending.reset();
    m_nextPage = 1;
    m_highestRequested = 0;
    m_highestExisting = 0;
    m_lastPage = 0;
    m_crmCursor = {};
    m_crmDone = false;
    m_notModified = false;
    m_listGuard = PagingGuard(m_listGuard.listing(), m_maxPages);
    m_changedPage = 1;
    m_changedCursor = {};
    m_changedDone = false;
    m_changedGuard = PagingGuard(m_changedGuard.listing(), m_maxPages);
    restartDeleted();
}

void SyncPageFetcher::restartDeleted()
{
    m_deletedCursor = {};
    m_deletedDone = false;
    m_deletedGuard = PagingGuard(m_deletedGuard.listing(), m_maxPages);
}

Result<std::optional<SyncPageFetcher::Page>> SyncPageFetcher::nextChanged(const QDateTime &since,
                                                                         const std::atomic_bool &cancelled)
{
    if (cancelled.load())
        return makeError(ErrorKind::Cancelled, QStringLiteral("sync cancelled"));
    if (m_changedDone)
        return std::optional<Page>();
    return m_entity.source == EntityDefinition::Source::Crm ? nextChangedCrm(since, cancelled)
                                                            : nextChangedBooks(since, cancelled);
}

Result<std::optional<SyncPageFetcher::Page>> SyncPageFetcher::nextChangedBooks(const QDateTime &since,
                                                                              const std::atomic_bool &cancelled)
{
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("page"), QString::number(m_changedPage));
    query.addQueryItem(QStringLiteral("per_page"), QString::number(ZohoApi::kPerPage));
    query.addQueryItem(QStringLiteral("sort_column"), QStringLiteral("last_modified_time"));
    query.addQueryItem(QStringLiteral("sort_order"), QStringLiteral("D"));
    ZohoRequest request = ZohoRequest::get(m_entity.path, query);
    request.purpose = ZohoCallPurpose::Sync;
    Result<BooksPage> page = readBooksPage(submitNotifying(std::move(request)), m_changedGuard, m_changedPage, cancelled);
    if (!page)
        return page.error();
    const int number = m_changedPage++;
    // Newest first: the records before the first one older than `since` changed during the
    // run; a record without a readable time is taken (and does not end the catch-up).
    Page result{number, {}, m_changedGuard.lastRepeated()};
    bool reachedSince = false;
    for (QJsonObject &record : page->records) {
        const QDateTime modified = parseZohoTime(record.value(m_entity.modifiedField));
        if (modified.isValid() && modified < since) {
            reachedSince = true;
            continue;
        }
        result.records.append(std::move(record));
    }
    m_changedDone = reachedSince || !page->hasMorePage;
    return std::optional<Page>(std::move(result));
}

Result<std::optional<SyncPageFetcher::Page>> SyncPageFetcher::nextChangedCrm(const QDateTime &since,
                                                                            const std::atomic_bool &cancelled)
{
    ZohoRequest request = ZohoRequest::get(QStringLiteral("/crm/v2/") + m_entity.module,
                                           crmCursorQuery({}, m_changedCursor));
    request.purpose = ZohoCallPurpose::Sync;
    request.headers.append({QByteArrayLiteral("If-Modified-Since"), ZohoApi::crmTimeHeader(since)});
    Result<CrmStep> step = crmStep(submitNotifying(std::move(request)), m_changedCursor, m_changedGuard, true, cancelled);
    if (!step)
        return step.error();
    if (!step->page) {  // nothing changed since `since`
        m_changedDone = true;
        return std::optional<Page>();
    }
    Page result{m_changedCursor.page, std::move(step->page->records), m_changedGuard.lastRepeated()};
    if (step->next)
        m_changedCursor = *step->next;
    else
        m_changedDone = true;
    return std::optional<Page>(std::move(result));
}

Result<BooksPage> SyncPageFetcher::readBooksPage(Future future, PagingGuard &guard, int number,
                                                 const std::atomic_bool &cancelled)
{
    Result<ZohoResponse> response = await(std::move(future), cancelled);
    if (!response)
        return response.error();
    Result<BooksPage> page = zohoparser::parseBooksPage(response->json, m_entity.listKey);
    if (!page)
        return page.error();
    if (Status going = guard.accept(ZohoApi::booksPageFacts(*page, number, m_entity.idField)); !going)
        return going.error();
    return page;
}

Result<SyncPageFetcher::CrmStep> SyncPageFetcher::crmStep(Future future, const CrmCursor &cursor, PagingGuard &guard,
                                                          bool askedIfModifiedSince, const std::atomic_bool &cancelled)
{
    Result<ZohoResponse> response = await(std::move(future), cancelled);
    if (!response)
        return response.error();
    Result<CrmPage> page = zohoparser::parseCrmListAnswer(response->httpStatus, response->json);
    if (!page)
        return page.error();
    if (page->notModified) {
        // Only an answer to If-Modified-Since may say "not modified"; anywhere else it
        // would end a full listing early and make live rows look deleted.
        if (!askedIfModifiedSince || guard.pages() > 0)
            return makeError(ErrorKind::Protocol, QStringLiteral("Zoho answered 304 to page %1 of the %2 listing")
                                                      .arg(guard.pages() + 1)
                                                      .arg(guard.listing()));
        return CrmStep{};
    }
    if (Status going = guard.accept(ZohoApi::crmPageFacts(cursor, page->records, page->page, page->moreRecords,
                                                          page->nextPageToken));
        !going)
        return going.error();
    Result<std::optional<CrmCursor>> nextCursor = ZohoApi::nextCrmCursor(cursor, *page);
    if (!nextCursor)
        return nextCursor.error();
    return CrmStep{std::move(*page), *nextCursor};
}

Result<std::optional<CrmDeletedPage>> SyncPageFetcher::nextDeleted(const QDateTime &since,
                                                                    const std::atomic_bool &cancelled)
{
    if (m_entity.source != EntityDefinition::Source::Crm)
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("%1 is not a CRM module: it has no deleted-records list").arg(m_entity.name));
    if (cancelled.load())
        return makeError(ErrorKind::Cancelled, QStringLiteral("sync cancelled"));
    if (m_deletedDone)
        return std::optional<CrmDeletedPage>();
    Result<ZohoResponse> response = await(submitCrmDeleted(m_deletedCursor, since), cancelled);
    if (!response)
        return response.error();
    Result<CrmDeletedPage> page = zohoparser::parseCrmDeletedPage(response->httpStatus, response->json);
    if (!page)
        return page.error();
    QList<QJsonObject> listed;  // the guard looks at ids only
    listed.reserve(page->records.size());
    for (const CrmDeletedRecord &record : std::as_const(page->records))
        listed.append(QJsonObject{{QStringLiteral("id"), record.id}});
    if (Status going = m_deletedGuard.accept(ZohoApi::crmPageFacts(m_deletedCursor, listed, page->page,
                                                                   page->moreRecords, page->nextPageToken));
        !going)
        return going.error();
    Result<std::optional<CrmCursor>> nextCursor = ZohoApi::nextCrmCursor(m_deletedCursor, *page);
    if (!nextCursor)
        return nextCursor.error();
    if (*nextCursor)
        m_deletedCursor = **nextCursor;
    else
        m_deletedDone = true;
    return std::optional<CrmDeletedPage>(std::move(*page));
}

Result<SyncPageFetcher::Presence> SyncPageFetcher::checkPresence(const QStringList &ids,
                                                                 const std::atomic_bool &cancelled)
{
    const bool crm = m_entity.source == EntityDefinition::Source::Crm;
    std::vector<Future> calls;
    calls.reserve(size_t(ids.size()));
    for (const QString &id : ids) {
        ZohoRequest get = ZohoRequest::get((crm ? QStringLiteral("/crm/v2/") + m_entity.module : m_entity.path)
                                           + QLatin1Char('/') + id);
        get.label = QStringLiteral("GET %1/{id}").arg(crm ? QStringLiteral("/crm/v2/") + m_entity.module : m_entity.path);
        get.purpose = ZohoCallPurpose::Sync;
        calls.push_back(submitNotifying(std::move(get)));
    }
    Presence presence;
    Error failure;
    for (qsizetype i = 0; i < ids.size(); ++i) {
        // Every call is awaited, also after a failure: none may outlive the fetcher's caller.
        Result<ZohoResponse> response = await(calls[size_t(i)], cancelled);
        if (failure.kind != ErrorKind::None)
            continue;
        if (!response) {
            if (!crm && response.error().kind == ErrorKind::NotFound && response.error().httpStatus == 404)
                presence.gone.append(ids.at(i));
            else
                failure = response.error();
            continue;
        }
        if (response->httpStatus == 204) {
            presence.gone.append(ids.at(i));
            continue;
        }
        if (response->httpStatus == 304 || !response->hasBody) {
            failure = makeError(ErrorKind::Protocol, QStringLiteral("Zoho answered HTTP %1 to GET %2 of %3")
                                                         .arg(response->httpStatus)
                                                         .arg(ids.at(i), m_entity.name));
            continue;
        }
        Result<QJsonObject> record = QJsonObject();
        if (crm) {
            auto records = zohoparser::parseCrmRecords(response->json);
            if (!records)
                record = records.error();
            else if (!records->isEmpty())
                record = records->first();
        } else {
            record = zohoparser::parseBooksEntity(response->json, m_entity.entityKey);
        }
        if (!record)
            failure = record.error();
        else if (record->isEmpty())
            presence.gone.append(ids.at(i));
        else
            presence.present.append(*record);
    }
    if (failure.kind != ErrorKind::None)
        return failure;
    return presence;
}

}  // namespace tiersync
