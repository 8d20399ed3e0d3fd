#include "sync/syncpagefetcher.h"

#include "zoho/zohoclient.h"
#include "zoho/zohoparser.h"
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
                                 int estimatedPages)
    : m_entity(std::move(entity))
    , m_client(client)
    , m_pagesInFlight(std::max(1, pagesInFlight))
    , m_estimatedPages(std::max(0, estimatedPages))
    , m_notifier(std::make_shared<Notifier>())
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
    int inFlight = int(m_pending.size()) + (m_crmPending ? 1 : 0);
    return m_finishedCalls + inFlight;
}

int SyncPageFetcher::retries() const
{
    return m_finishedRetries;
}

void SyncPageFetcher::countFinished(const Result<ZohoResponse> &response)
{
    const int attempts = response ? std::max(1, response->attempts) : 1;
    m_finishedCalls += attempts;
    m_finishedRetries += attempts - 1;
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

SyncPageFetcher::Future SyncPageFetcher::submitCrm(const CrmCursor &cursor)
{
    QUrlQuery query;
    if (cursor.pageToken.isEmpty())
        query.addQueryItem(QStringLiteral("page"), QString::number(cursor.page));
    else
        query.addQueryItem(QStringLiteral("page_token"), cursor.pageToken);
    query.addQueryItem(QStringLiteral("per_page"), QString::number(ZohoApi::kPerPage));
    ZohoRequest page = ZohoRequest::get(QStringLiteral("/crm/v2/") + m_entity.module, query);
    page.purpose = ZohoCallPurpose::Sync;
    return submitNotifying(std::move(page));
}

SyncPageFetcher::Future SyncPageFetcher::submitNotifying(ZohoRequest request)
{
    // The wake-up is attached before the call can finish: then() on a future the
    // client's thread is finishing can run twice in Qt 6.4 (ZohoClient::submit).
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
    Result<ZohoResponse> response = future.resultCount() > 0
                                        ? future.result()
                                        : Result<ZohoResponse>(makeError(ErrorKind::Cancelled,
                                                                         QStringLiteral("Zoho request was cancelled")));
    countFinished(response);
    return response;
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
        Result<ZohoResponse> response = await(future, cancelled);
        if (!response)
            return response.error();
        Result<CrmPage> page = zohoparser::parseCrmPage(response->json);
        if (!page)
            return page.error();
        Result<std::optional<CrmCursor>> nextCursor = ZohoApi::nextCrmCursor(m_crmCursor, *page);
        if (!nextCursor)
            return nextCursor.error();
        Page result{m_crmCursor.page, std::move(page->records)};
        if (*nextCursor) {
            m_crmCursor = **nextCursor;
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
    Result<ZohoResponse> response = await(future, cancelled);
    if (!response)
        return response.error();
    Result<BooksPage> page = zohoparser::parseBooksPage(response->json, m_entity.listKey);
    if (!page)
        return page.error();
    const int number = m_nextPage++;
    if (page->hasMorePage) {
        m_highestExisting = std::max(m_highestExisting, number + 1);
    } else {
        m_lastPage = number;
        // Speculative requests past the end are not needed; their answers are dropped.
        for (auto it = m_pending.begin(); it != m_pending.end();) {
            if (it->first > number) {
                if (it->second.isFinished() && it->second.resultCount() > 0)
                    countFinished(it->second.result());
                else
                    ++m_finishedCalls;
                it = m_pending.erase(it);
            } else {
                ++it;
            }
        }
    }
    fill();
    return std::optional<Page>(Page{number, std::move(page->records)});
}

}  // namespace tiersync
