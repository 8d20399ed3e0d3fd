#pragma once

#include "core/retryevent.h"
#include "zoho/zohoclientoptions.h"

#include <QList>
#include <QMutex>

#include <atomic>
#include <memory>

namespace tiersync {
class ZohoClient;
}

namespace tiersync::test {

// Limits no test reaches by accident: a million calls per 1 s window (so a 44 from the
// sim's faults holds a family for 1 s), no daily budget.
[[nodiscard]] ZohoLimits generousLimits(int concurrency);
// Options for tests: millisecond backoff (the same for reads), generous limits, real
// clocks unless replaced.
[[nodiscard]] ZohoClientOptions fastOptions();

// Records retry events on the client's thread (direct connection, so every event is in
// before the future that follows it is fulfilled).
class EventLog final {
public:
    explicit EventLog(ZohoClient *client);
    [[nodiscard]] QList<RetryEvent> events() const;

private:
    struct State {
        QMutex mutex;
        QList<RetryEvent> events;
    };
    std::shared_ptr<State> m_state = std::make_shared<State>();
};

// A wall clock that stands at a fixed instant until the test moves it, readable from any
// thread: expiries and windows are reached by advanceSeconds, never by time passing.
class ManualWallClock final {
public:
    [[nodiscard]] WallClock clock() const;
    void advanceSeconds(qint64 seconds) const;

private:
    std::shared_ptr<std::atomic<qint64>> m_nowMs = std::make_shared<std::atomic<qint64>>(1718117130000);  // 2024-06-11T14:45:30Z
};

// A steady clock moved by hand.
class ManualSteadyClock final {
public:
    [[nodiscard]] SteadyClock clock() const;
    void advance(qint64 ms) const;

private:
    std::shared_ptr<std::atomic<qint64>> m_nowMs = std::make_shared<std::atomic<qint64>>(1000000);
};

}  // namespace tiersync::test
