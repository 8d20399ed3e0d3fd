#include "zoho/pagingguard.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonValue>

#include <algorithm>

namespace tiersync {

PagingGuard::PagingGuard(QString listing, int maxPages)
    : m_listing(std::move(listing))
    , m_maxPages(std::max(1, maxPages))
{
}

Error PagingGuard::stuck(const QString &reason) const
{
    return makeError(ErrorKind::Protocol,
                     QStringLiteral("Zoho's %1 listing, page %2: %3").arg(m_listing).arg(m_pages).arg(reason));
}

Status PagingGuard::accept(const PageFacts &page)
{
    ++m_pages;
    m_lastRepeated.clear();
    if (page.requestedPage > 0 && page.requestedToken.isEmpty() && page.echoedPage > 0
        && page.echoedPage != page.requestedPage)
        return stuck(QStringLiteral("asked for page %1, the answer is page %2").arg(page.requestedPage).arg(page.echoedPage));
    if (page.more && page.keys.isEmpty())
        return stuck(QStringLiteral("the answer says more records follow but has none"));
    if (!page.keys.isEmpty()) {
        QCryptographicHash digest(QCryptographicHash::Sha1);
        for (const QString &key : page.keys) {
            digest.addData(key.toUtf8());
            digest.addData(QByteArrayView("\n", 1));
        }
        const QByteArray sum = digest.result();
        if (const auto seen = m_pageDigests.constFind(sum); seen != m_pageDigests.cend())
            return stuck(QStringLiteral("the answer repeats page %1 (the same %2 records)").arg(*seen).arg(page.keys.size()));
        m_pageDigests.insert(sum, m_pages);
        for (const QString &key : page.keys) {
            if (m_distinct.contains(key))
                m_lastRepeated.append(key);
            else
                m_distinct.insert(key);
        }
    }
    if (!page.requestedToken.isEmpty()) {
        // Only the tokens the listing goes on with: Zoho's tokens before 2,000 records go unused.
        if (m_tokens.contains(page.requestedToken))
            return stuck(QStringLiteral("Zoho handed out the page token \"%1…\" twice").arg(page.requestedToken.left(12)));
        m_tokens.insert(page.requestedToken);
    }
    if (page.more && m_pages >= m_maxPages)
        return stuck(QStringLiteral("the listing did not end after %1 pages").arg(m_maxPages));
    return {};
}

QStringList PagingGuard::keysOf(const QList<QJsonObject> &records, const QString &idField)
{
    QStringList keys;
    keys.reserve(records.size());
    for (const QJsonObject &record : records) {
        const QJsonValue id = idField.isEmpty() ? QJsonValue() : record.value(idField);
        if (id.isString() && !id.toString().isEmpty())
            keys.append(id.toString());
        else if (id.isDouble())
            keys.append(QString::number(id.toInteger()));
        else
            keys.append(QString::fromLatin1(QCryptographicHash::hash(QJsonDocument(record).toJson(QJsonDocument::Compact),
                                                                     QCryptographicHash::Sha1)
                                                .toHex()));
    }
    return keys;
}

}  // namespace tiersync
