#include "zoho/concurrencylimiter.h"

#include <algorithm>

namespace tiersync {

ConcurrencyLimiter::ConcurrencyLimiter(int limit)
    : m_limit(std::max(limit, 1))
{
}

bool ConcurrencyLimiter::tryAcquire()
{
    if (m_inFlight >= m_limit)
        return false;
    ++m_inFlight;
    return true;
}

void ConcurrencyLimiter::release()
{
    m_inFlight = std::max(0, m_inFlight - 1);
}

}  // namespace tiersync
