#include "zoho/circuitbreaker.h"

#include "core/logging.h"

#include <algorithm>

namespace tiersync {

QString circuitStateName(CircuitState state)
{
    switch (state) {
    case CircuitState::Closed: return QStringLiteral("closed");
    case CircuitState::Open: return QStringLiteral("open");
    case CircuitState::HalfOpen: return QStringLiteral("half_open");
    }
    return QStringLiteral("unknown");
}

CircuitBreaker::CircuitBreaker(int failureThreshold, qint64 coolDownMs, SteadyClock clock,
                               QObject *parent)
    : QObject(parent)
    , m_failureThreshold(std::max(failureThreshold, 1))
    , m_coolDownMs(std::max<qint64>(coolDownMs, 0))
    , m_clock(std::move(clock))
{
    qRegisterMetaType<tiersync::CircuitState>();
}

bool CircuitBreaker::allowRequest()
{
    switch (m_state) {
    case CircuitState::Closed:
        return true;
    case CircuitState::Open:
        if (m_clock() - m_openedAtMs < m_coolDownMs)
            return false;
        setState(CircuitState::HalfOpen);
        m_probeInFlight = true;
        return true;
    case CircuitState::HalfOpen:
        if (m_probeInFlight)
            return false;
        m_probeInFlight = true;
        return true;
    }
    return false;
}

void CircuitBreaker::recordSuccess()
{
    m_consecutiveFailures = 0;
    m_probeInFlight = false;
    setState(CircuitState::Closed);
}

void CircuitBreaker::recordFailure()
{
    ++m_consecutiveFailures;
    if (m_state == CircuitState::HalfOpen
        || (m_state == CircuitState::Closed && m_consecutiveFailures >= m_failureThreshold)) {
        m_probeInFlight = false;
        m_openedAtMs = m_clock();
        setState(CircuitState::Open);
    }
}

void CircuitBreaker::releaseProbe()
{
    m_probeInFlight = false;
}

qint64 CircuitBreaker::msUntilProbe() const
{
    if (m_state != CircuitState::Open)
        return 0;
    return std::max<qint64>(0, m_coolDownMs - (m_clock() - m_openedAtMs));
}

void CircuitBreaker::setState(CircuitState state)
{
    if (state == m_state)
        return;
    m_state = state;
    qCInfo(lcZoho) << "circuit" << circuitStateName(state);
    emit stateChanged(state);
}

}  // namespace tiersync
