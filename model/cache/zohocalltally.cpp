#include "cache/zohocalltally.h"

#include <algorithm>

namespace tiersync {

void ZohoCallTally::raiseTo(qint64 totalCalls)
{
    std::lock_guard lock(m_mutex);
    m_total = std::max(m_total, totalCalls);
}

qint64 ZohoCallTally::take()
{
    std::lock_guard lock(m_mutex);
    const qint64 calls = m_total - m_taken;
    m_taken = m_total;
    return calls;
}

void ZohoCallTally::giveBack(qint64 calls)
{
    std::lock_guard lock(m_mutex);
    m_taken = std::max<qint64>(0, m_taken - std::max<qint64>(0, calls));
}

qint64 ZohoCallTally::total() const
{
    std::lock_guard lock(m_mutex);
    return m_total;
}

qint64 ZohoCallTally::pending() const
{
    std::lock_guard lock(m_mutex);
    return m_total - m_taken;
}

}  // namespace tiersync
