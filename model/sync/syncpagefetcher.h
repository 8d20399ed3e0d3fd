#pragma once

#include "core/result.h"
#include "sync/entitydefinition.h"
#include "zoho/crmdeletedpage.h"
#include "zoho/pagingguard.h"
#include "zoho/zohoattempttally.h"
#include "zoho/zohoapi.h"
#include "zoho/zohoresponse.h"

#include <QFuture>
#include <QJsonObject>
#include <QDateTime>
#include <QList>
#include <QSet>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace tiersync {

class ZohoClient;

// Lists one entity type from Zoho page by page for a sync, keeping the next pages in
// flight while the caller processes the current one.
//
// Books pages are numbered, so up to pagesInFlight of them are requested at once
// (the client's Zoho budget still decides when each goes out; they queue behind reads). Since
// Books does not say how many pages there are, the number expected from the last sync
// (estimatedPages, from the row count in PostgreSQL) is requested up front; past that,
// or without an estimate, requests run pagesInFlight ahead of the last page known to
// exist, so the end costs at most pagesInFlight - 1 empty answers. CRM continues by
// page token, which is only known from the previous page: one page ahead.
//
// A feed run (CRM) lists with If-Modified-Since (setIfModifiedSince): a 304 ends the
// listing at once with notModified() set. nextDeleted() then reads CRM's deleted-records
// list of the module, one page at a time.
//
// Every listing ends, whatever Zoho answers: each goes through a PagingGuard (at most
// maxPages pages, then a Protocol error, never a silent truncation; an empty page that
// says more follow, a repeated page, a page number not echoed or a page token handed out
// twice is a Protocol error too: a server going round in circles).
//
// next() blocks the calling worker thread; it wakes up for cancel within ~50 ms.
class SyncPageFetcher final {
public:
    static constexpr int kDefaultMaxPages = PagingGuard::kDefaultMaxPages;

    struct Page {
        int number = 0;
        QList<QJsonObject> records;
        QStringList repeatedIds;  // ids of this page an earlier page of the listing had (records moved)
    };

    SyncPageFetcher(EntityDefinition entity, ZohoClient *client, int pagesInFlight, int estimatedPages,
                    int maxPages = kDefaultMaxPages);
    ~SyncPageFetcher();
    Q_DISABLE_COPY_MOVE(SyncPageFetcher)

    // CRM only, before the first next(): list only the records modified after since.
    void setIfModifiedSince(const QDateTime &since);
    // The listing was answered 304: nothing modified since setIfModifiedSince().
    [[nodiscard]] bool notModified() const { return m_notModified; }

    // The next page, nullopt after the last. Errors: the Zoho error, or Cancelled.
    [[nodiscard]] Result<std::optional<Page>> next(const std::atomic_bool &cancelled);
    // CRM only: the next page of the module's deleted-records list (deleted after since
    // when valid; the same since on every call), nullopt after the last.
    [[nodiscard]] Result<std::optional<CrmDeletedPage>> nextDeleted(const QDateTime &since,
                                                                    const std::atomic_bool &cancelled);

    // After a complete listing, the catch-up that proves it complete: the records modified
    // at or after `since` (the run's start minus an overlap), page by page, nullopt after
    // the last. Books: the list sorted by last_modified_time, newest first, until a page
    // reaches past `since` (one request when nothing changed); CRM: the list with
    // If-Modified-Since (a 304, one request, when nothing changed). Same `since` every call.
    [[nodiscard]] Result<std::optional<Page>> nextChanged(const QDateTime &since, const std::atomic_bool &cancelled);
    // Starts the listing, the catch-up and the deleted-records list again from their first
    // page (a verification pass after a listing that shifted); calls() keeps counting.
    void restart();
    // Only the deleted-records list from its first page again (a second read of it).
    void restartDeleted();

    // What Zoho says about ids a complete listing did not name: gone (Books 404, CRM 204)
    // or still there (the record: it moved between pages while the listing ran).
    struct Presence {
        QStringList gone;
        QList<QJsonObject> present;
    };
    // One GET by id each, all submitted at once (the client paces them). Any other
    // failure fails the check: nothing unproven is marked deleted.
    [[nodiscard]] Result<Presence> checkPresence(const QStringList &ids, const std::atomic_bool &cancelled);

    // HTTP attempts sent for the listings so far (retries included), and the retries
    // among them: the client's own count (ZohoAttemptTally), as Zoho saw them.
    [[nodiscard]] int calls() const;
    [[nodiscard]] int retries() const;
    [[nodiscard]] qint64 waitMs() const { return m_waitMs; }
    // Records of the listing so far, an id listed on several pages counted once.
    [[nodiscard]] qint64 distinctRecords() const { return m_listGuard.distinctRecords(); }

private:
    struct Notifier;
    using Future = QFuture<Result<ZohoResponse>>;

    void fill();
    void request(int pageNumber);
    [[nodiscard]] Future submitCrm(const CrmCursor &cursor);
    [[nodiscard]] Future submitCrmDeleted(const CrmCursor &cursor, const QDateTime &since);
    [[nodiscard]] Result<std::optional<Page>> nextChangedBooks(const QDateTime &since, const std::atomic_bool &cancelled);
    [[nodiscard]] Result<std::optional<Page>> nextChangedCrm(const QDateTime &since, const std::atomic_bool &cancelled);
    // One CRM list answer at `cursor`, checked by `guard`: the page and the cursor after it
    // (none: the last). No page for a 304 to the first page of a listing asked with
    // If-Modified-Since; a 304 anywhere else is a Protocol error.
    struct CrmStep {
        std::optional<CrmPage> page;
        std::optional<CrmCursor> next;
    };
    [[nodiscard]] Result<CrmStep> crmStep(Future future, const CrmCursor &cursor, PagingGuard &guard,
                                          bool askedIfModifiedSince, const std::atomic_bool &cancelled);
    // One Books list answer, page `number` of the listing `guard` checks (the full listing
    // or the catch-up).
    [[nodiscard]] Result<BooksPage> readBooksPage(Future future, PagingGuard &guard, int number,
                                                  const std::atomic_bool &cancelled);
    // Submits with the notifier's wake-up attached before the call can finish.
    [[nodiscard]] Future submitNotifying(ZohoRequest request);
    [[nodiscard]] Result<ZohoResponse> await(Future future, const std::atomic_bool &cancelled);

    EntityDefinition m_entity;
    ZohoClient *m_client;
    int m_pagesInFlight;
    int m_estimatedPages;
    int m_maxPages;
    std::shared_ptr<Notifier> m_notifier;
    // The continuations that wake next(), kept as long as the fetcher: Qt 6.4's
    // QFuture::cancel() reaches a future's continuation through a raw pointer, so
    // cancelling a page whose discarded continuation had already run and been freed was a
    // use-after-free (a sync that failed with pages still pending crashed in ~SyncPageFetcher).
    std::vector<QFuture<void>> m_wakers;

    // Books
    std::map<int, Future> m_pending;
    int m_nextPage = 1;          // the page next() returns next
    int m_highestRequested = 0;
    int m_highestExisting = 0;   // highest page known to exist (a page said has_more_page)
    int m_lastPage = 0;          // 0 until a page said it is the last

    // CRM
    std::optional<Future> m_crmPending;
    CrmCursor m_crmCursor;
    bool m_crmDone = false;
    QDateTime m_ifModifiedSince;
    bool m_notModified = false;
    PagingGuard m_listGuard;     // Books or CRM: the entity's listing

    // The catch-up (nextChanged)
    int m_changedPage = 1;       // Books
    CrmCursor m_changedCursor;   // CRM
    bool m_changedDone = false;
    PagingGuard m_changedGuard;

    // CRM deleted-records list
    CrmCursor m_deletedCursor;
    bool m_deletedDone = false;
    PagingGuard m_deletedGuard;

    std::shared_ptr<ZohoAttemptTally> m_tally;
    qint64 m_waitMs = 0;
};

}  // namespace tiersync
