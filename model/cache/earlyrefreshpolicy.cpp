#include "cache/earlyrefreshpolicy.h"

#include <QRandomGenerator>

#include <algorithm>
#include <cmath>

namespace tiersync {

EarlyRefreshPolicy::EarlyRefreshPolicy(double beta, RandomSource random)
    : m_beta(beta)
    , m_random(std::move(random))
{
    if (!m_random) {
        // QRandomGenerator::global() is thread-safe; 1 - [0, 1) keeps log() finite.
        m_random = [] { return 1.0 - QRandomGenerator::global()->generateDouble(); };
    }
}

bool EarlyRefreshPolicy::shouldRefresh(qint64 nowMs, qint64 expiresAtMs, qint64 costMs) const
{
    if (m_beta <= 0)
        return false;
    if (nowMs >= expiresAtMs)
        return true;
    const double random = std::clamp(m_random(), 1e-300, 1.0);
    const double headStartMs = -double(qMax<qint64>(costMs, 1)) * m_beta * std::log(random);
    return double(nowMs) + headStartMs >= double(expiresAtMs);
}

}  // namespace tiersync
