#include "zohotesthelpers.h"

#include "zoho/zohoclient.h"

#include <QMutexLocker>

namespace tiersync::test {

ZohoLimits generousLimits(int concurrency)
{
    FamilyLimits limits;
    limits.perWindow = 1000000;
    limits.windowMs = 1000;  // an injected 44 holds the family for 1 s, not a minute
    limits.windowSlackMs = 0;
    limits.perDay = 0;
    limits.concurrency = concurrency;
    return ZohoLimits::uniform(limits);
}

ZohoClientOptions fastOptions()
{
    ZohoClientOptions options;
    options.retry.baseDelayMs = 5;
    options.retry.maxDelayMs = 50;
    options.retry.maxRetryAfterMs = 5000;
    options.requestTimeoutMs = 5000;
    options.readRetry = options.retry;  // tests of retries run the same for every purpose
    options.limits = generousLimits(5);
    options.circuitFailureThreshold = 1000;
    return options;
}

EventLog::EventLog(ZohoClient *client)
{
    QObject::connect(client, &ZohoClient::retryEvent, client,
                     [state = m_state](const RetryEvent &event) {
                         const QMutexLocker locker(&state->mutex);
                         state->events.append(event);
                     },
                     Qt::DirectConnection);
}

QList<RetryEvent> EventLog::events() const
{
    const QMutexLocker locker(&m_state->mutex);
    return m_state->events;
}

WallClock ManualWallClock::clock() const
{
    return [now = m_nowMs] { return QDateTime::fromMSecsSinceEpoch(now->load(), Qt::UTC); };
}

void ManualWallClock::advanceSeconds(qint64 seconds) const
{
    *m_nowMs += seconds * 1000;
}

SteadyClock ManualSteadyClock::clock() const
{
    return [now = m_nowMs] { return now->load(); };
}

void ManualSteadyClock::advance(qint64 ms) const
{
    *m_nowMs += ms;
}

}  // namespace tiersync::test
