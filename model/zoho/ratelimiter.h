#pragma once

#include "zoho/zohoclock.h"

namespace tiersync {

// Token bucket that keeps calls under an organisation's rate limit (Books: 100
// requests/minute). Pure and single-threaded: the client asks it before each request
// and, when it says no, waits msUntilAvailable() on a timer instead of failing.
class RateLimiter final {
public:
    explicit RateLimiter(double requestsPerMinute = 100.0, double burst = 100.0,
                         SteadyClock clock = systemSteadyClock());

    // Takes one token when there is one.
    [[nodiscard]] bool tryAcquire();
    // 0 when a token is available now, else the wait until the next one.
    [[nodiscard]] qint64 msUntilAvailable();
    // Tokens in the bucket right now (fractional while refilling).
    [[nodiscard]] double tokens();

    [[nodiscard]] double requestsPerMinute() const { return m_perMinute; }
    [[nodiscard]] double burst() const { return m_burst; }

private:
    void refill();

    double m_perMinute;
    double m_burst;
    SteadyClock m_clock;
    double m_tokens;
    qint64 m_lastRefillMs;
};

}  // namespace tiersync
