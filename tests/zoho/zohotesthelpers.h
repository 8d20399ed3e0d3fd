#pragma once

#include "core/retryevent.h"
#include "zoho/zohoclient.h"
#include "zoho/zohoclientoptions.h"

#include <QList>
#include <QMutex>
#include <QMutexLocker>

#include <atomic>
#include <memory>

namespace tiersync::test {

// Options for tests: millisecond backoff, generous limits, real clocks unless replaced.
inline ZohoClientOptions fastOptions()
{
    ZohoClientOptions options;
    options.retry.baseDelayMs = 5;
    options.retry.maxDelayMs = 50;
    options.retry.maxRetryAfterMs = 5000;
    options.requestTimeoutMs = 5000;
    options.requestsPerMinute = 600000;
    options.burst = 1000;
    options.maxInFlight = 5;
    options.circuitFailureThreshold = 1000;
    return options;
}

// Records retry events from the client's thread (direct connection, so they are all
// in before the future that follows them is fulfilled).
class EventLog final {
public:
    explicit EventLog(ZohoClient *client)
    {
        QObject::connect(client, &ZohoClient::retryEvent, client,
                         [state = m_state](const RetryEvent &event) {
                             const QMutexLocker locker(&state->mutex);
                             state->events.append(event);
                         },
                         Qt::DirectConnection);
    }
    [[nodiscard]] QList<RetryEvent> events() const
    {
        const QMutexLocker locker(&m_state->mutex);
        return m_state->events;
    }

private:
    struct State {
        QMutex mutex;
        QList<RetryEvent> events;
    };
    std::shared_ptr<State> m_state = std::make_shared<State>();
};

// A wall clock offset by hand, readable from any thread.
struct ShiftedWallClock {
    std::shared_ptr<std::atomic<qint64>> offsetMs = std::make_shared<std::atomic<qint64>>(0);
    WallClock clock() const
    {
        return [offset = offsetMs] { return QDateTime::currentDateTimeUtc().addMSecs(offset->load()); };
    }
    void advanceSeconds(qint64 seconds) const { *offsetMs += seconds * 1000; }
};

// A steady clock moved by hand.
struct ManualSteadyClock {
    std::shared_ptr<std::atomic<qint64>> nowMs = std::make_shared<std::atomic<qint64>>(1000000);
    SteadyClock clock() const
    {
        return [now = nowMs] { return now->load(); };
    }
    void advance(qint64 ms) const { *nowMs += ms; }
};

}  // namespace tiersync::test
