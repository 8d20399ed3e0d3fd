#include "zoho/ratelimiter.h"

#include <algorithm>
#include <cmath>

namespace tiersync {

RateLimiter::RateLimiter(double requestsPerMinute, double burst, SteadyClock clock)
    : m_perMinute(std::max(requestsPerMinute, 0.001))
    , m_burst(std::max(burst, 1.0))
    , m_clock(std::move(clock))
    , m_tokens(m_burst)
    , m_lastRefillMs(m_clock())
{
}

void RateLimiter::refill()
{
    const qint64 now = m_clock();
    const qint64 elapsed = now - m_lastRefillMs;
    if (elapsed <= 0)
        return;
    m_tokens = std::min(m_burst, m_tokens + double(elapsed) * m_perMinute / 60'000.0);
    m_lastRefillMs = now;
}

bool RateLimiter::tryAcquire()
{
    refill();
    if (m_tokens < 1.0)
        return false;
    m_tokens -= 1.0;
    return true;
}

qint64 RateLimiter::msUntilAvailable()
{
    refill();
    if (m_tokens >= 1.0)
        return 0;
    const double msPerToken = 60'000.0 / m_perMinute;
    // Round up and add one so the timer never fires just before the token exists.
    return qint64(std::ceil((1.0 - m_tokens) * msPerToken)) + 1;
}

double RateLimiter::tokens()
{
    refill();
    return m_tokens;
}

}  // namespace tiersync
