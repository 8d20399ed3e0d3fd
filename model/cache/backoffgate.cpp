#include "cache/backoffgate.h"

namespace tiersync {

BackoffGate::BackoffGate(qint64 backoffMs)
    : m_backoffMs(qMax<qint64>(backoffMs, 1))
{
}

bool BackoffGate::allow(qint64 nowMs)
{
    qint64 retryAt = m_retryAtMs.load(std::memory_order_relaxed);
    if (retryAt == 0)
        return true;
    if (nowMs < retryAt)
        return false;
    // One caller wins the probe: it pushes the next retry out, the rest keep skipping.
    return m_retryAtMs.compare_exchange_strong(retryAt, nowMs + m_backoffMs, std::memory_order_relaxed);
}

void BackoffGate::recordFailure(qint64 nowMs)
{
    m_retryAtMs.store(nowMs + m_backoffMs, std::memory_order_relaxed);
}

void BackoffGate::recordSuccess()
{
    if (m_retryAtMs.load(std::memory_order_relaxed) != 0)
        m_retryAtMs.store(0, std::memory_order_relaxed);
}

}  // namespace tiersync
