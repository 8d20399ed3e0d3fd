#pragma once

namespace tiersync {

// Caps the requests in flight (Zoho answers 429/1070 beyond 5 concurrent calls on free
// plans, 10 on paid ones). Pure and single-threaded, like RateLimiter.
class ConcurrencyLimiter final {
public:
    explicit ConcurrencyLimiter(int limit = 5);

    [[nodiscard]] bool tryAcquire();
    void release();

    [[nodiscard]] int inFlight() const { return m_inFlight; }
    [[nodiscard]] int limit() const { return m_limit; }

private:
    int m_limit;
    int m_inFlight = 0;
};

}  // namespace tiersync
