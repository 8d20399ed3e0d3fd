#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QSet>
#include <QString>

namespace tiersync {

// What one answered page of a Zoho listing said, as PagingGuard needs it.
struct PageFacts final {
    int requestedPage = 0;      // the page number asked for; 0 when asked by page token
    QString requestedToken;     // the page token asked with, if any
    int echoedPage = 0;         // the page number the answer names; 0 when it names none
    QStringList keys;           // one per record: its id (or a digest when it has none)
    bool more = false;          // has_more_page / more_records
    QString nextToken;          // info.next_page_token (informational: the next page's requestedToken)
};

// The one rule every loop over Zoho pages follows, so that each ends on every answer
// (issue 11): a page budget, and the answers that would make a listing go round in
// circles turned into a Protocol error naming the listing, the page and the reason —
// a page that says more follow but has no records, a page that repeats an earlier one,
// a page number the answer does not echo, a page token handed out twice (seen when
// the listing asks with it again). Ids repeated
// across pages (records moving while the listing runs) are allowed and counted once.
class PagingGuard final {
public:
    static constexpr int kDefaultMaxPages = 50000;  // 10 million records at 200 a page

    explicit PagingGuard(QString listing, int maxPages = kDefaultMaxPages);

    // Checks one page, in order; after an error the listing must stop.
    [[nodiscard]] Status accept(const PageFacts &page);

    // Keys of records for PageFacts::keys: the string (or number) in idField, else a
    // digest of the record (a listing whose id field is not known).
    [[nodiscard]] static QStringList keysOf(const QList<QJsonObject> &records, const QString &idField);

    [[nodiscard]] int pages() const { return m_pages; }
    [[nodiscard]] qint64 distinctRecords() const { return m_distinct.size(); }
    // Keys of the last accepted page that an earlier page had.
    [[nodiscard]] const QStringList &lastRepeated() const { return m_lastRepeated; }
    [[nodiscard]] const QString &listing() const { return m_listing; }

private:
    [[nodiscard]] Error stuck(const QString &reason) const;

    QString m_listing;
    int m_maxPages;
    int m_pages = 0;
    QSet<QString> m_tokens;
    QHash<QByteArray, int> m_pageDigests;  // digest of a page's keys → the page it was first seen on
    QSet<QString> m_distinct;
    QStringList m_lastRepeated;
};

}  // namespace tiersync
