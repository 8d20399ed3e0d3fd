#pragma once

#include "zoho/zohoclock.h"

#include <QtGlobal>

#include <atomic>
#include <memory>

namespace tiersync::test {

// The system's steady clock plus an offset the test moves, readable from any thread:
// time flows as usual (rate limiters refill, timeouts run), and a test jumps it past a
// wait it would otherwise sit out, such as the circuit breaker's cool-down.
class ShiftedSteadyClock final {
public:
    // Copies share this clock's offset.
    [[nodiscard]] SteadyClock clock() const;
    void advance(qint64 ms) const;

private:
    std::shared_ptr<std::atomic<qint64>> m_offsetMs = std::make_shared<std::atomic<qint64>>(0);
};

}  // namespace tiersync::test
