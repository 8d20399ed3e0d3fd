#include "zoho/inmemorytokenstore.h"

#include <QCoreApplication>
#include <QSysInfo>

namespace tiersync {

InMemoryTokenStore::InMemoryTokenStore()
    : InMemoryTokenStore(Options{})
{
}

InMemoryTokenStore::InMemoryTokenStore(Options options)
    : m_clock(orSystemEpochClock(options.clock))
    , m_options(std::move(options))
{
    if (m_options.owner.isEmpty())
        m_options.owner = processName();
}

QString InMemoryTokenStore::processName()
{
    return QStringLiteral("%1:%2").arg(QSysInfo::machineHostName()).arg(QCoreApplication::applicationPid());
}

Result<std::optional<StoredToken>> InMemoryTokenStore::load()
{
    if (m_token && m_clock() >= m_token->expiresAtMs)
        m_token.reset();
    return m_token;
}

void InMemoryTokenStore::trimLog(qint64 nowMs)
{
    while (!m_refreshLog.empty() && m_refreshLog.front() <= nowMs - m_options.refreshWindowMs)
        m_refreshLog.pop_front();
}

Result<RefreshTicket> InMemoryTokenStore::beginRefresh(qint64 /*lockMs*/)
{
    const qint64 now = m_clock();
    RefreshTicket ticket;
    if (auto current = load(); current && current->has_value()) {
        ticket.kind = RefreshTicket::Kind::Present;
        ticket.present = std::move(current).value();
        return ticket;
    }
    if (now < m_throttledUntilMs) {
        ticket.kind = RefreshTicket::Kind::Throttled;
        ticket.untilMs = m_throttledUntilMs;
        ticket.waitMs = m_throttledUntilMs - now;
        ticket.reason = m_throttledBy;
        return ticket;
    }
    trimLog(now);
    if (m_options.refreshLimit > 0 && qsizetype(m_refreshLog.size()) >= m_options.refreshLimit) {
        ticket.kind = RefreshTicket::Kind::Throttled;
        ticket.untilMs = m_refreshLog.front() + m_options.refreshWindowMs;
        ticket.waitMs = ticket.untilMs - now;
        ticket.reason = QStringLiteral("refresh log full: %1 refreshes in %2 s without Redis")
                            .arg(m_refreshLog.size())
                            .arg(m_options.refreshWindowMs / 1000);
        return ticket;
    }
    ticket.kind = RefreshTicket::Kind::Granted;
    ticket.reason = m_options.owner;
    ticket.lockValue = QStringLiteral("%1:%2").arg(m_options.owner).arg(++m_sequence).toUtf8();
    return ticket;
}

Result<StoredToken> InMemoryTokenStore::finishRefresh(const RefreshTicket & /*ticket*/, const OAuthToken &token)
{
    const qint64 now = m_clock();
    StoredToken stored;
    stored.accessToken = token.accessToken;
    stored.refreshedAtMs = now;
    stored.expiresAtMs = now + token.expiresInMs;
    stored.refreshedBy = m_options.owner;
    stored.record = QStringLiteral("%1.%2").arg(m_options.owner).arg(++m_sequence).toUtf8();
    noteRefresh(now);
    m_token = stored;
    return stored;
}

void InMemoryTokenStore::abandonRefresh(const RefreshTicket & /*ticket*/, const Error & /*why*/,
                                        qint64 throttledUntilMs)
{
    if (throttledUntilMs <= 0)
        return;
    m_throttledUntilMs = throttledUntilMs;
    m_throttledBy = m_options.owner;
}

void InMemoryTokenStore::drop(const StoredToken &failed)
{
    if (m_token && m_token->record == failed.record)
        m_token.reset();
}

void InMemoryTokenStore::keep(const StoredToken &token)
{
    m_token = token;
}

void InMemoryTokenStore::noteRefresh(qint64 atMs)
{
    m_refreshLog.push_back(atMs);
    trimLog(atMs);
}

}  // namespace tiersync
