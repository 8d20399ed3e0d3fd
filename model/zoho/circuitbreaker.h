#pragma once

#include "zoho/zohoclock.h"

#include <QObject>

namespace tiersync {

enum class CircuitState { Closed, Open, HalfOpen };

[[nodiscard]] QString circuitStateName(CircuitState state);

// Stops hammering a Zoho that keeps failing: after `failureThreshold` consecutive
// failures the circuit opens and calls fail fast (ErrorKind::CircuitOpen) for
// `coolDownMs`; then one probe is let through (half-open) and its outcome closes or
// re-opens the circuit. Single-threaded; the clock is injected for tests.
class CircuitBreaker final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CircuitBreaker)

public:
    explicit CircuitBreaker(int failureThreshold = 5, qint64 coolDownMs = 30000,
                            SteadyClock clock = systemSteadyClock(), QObject *parent = nullptr);

    // Whether a request may go out now. In half-open state only the first caller gets
    // true (the probe) until its outcome is recorded.
    [[nodiscard]] bool allowRequest();
    void recordSuccess();
    void recordFailure();
    // The probe ended without telling anything about Zoho's health (e.g. cancelled).
    void releaseProbe();

    [[nodiscard]] CircuitState state() const { return m_state; }
    [[nodiscard]] int consecutiveFailures() const { return m_consecutiveFailures; }
    // Time left before an open circuit lets a probe through (0 when not open).
    [[nodiscard]] qint64 msUntilProbe() const;

signals:
    void stateChanged(tiersync::CircuitState state);

private:
    void setState(CircuitState state);

    int m_failureThreshold;
    qint64 m_coolDownMs;
    SteadyClock m_clock;
    CircuitState m_state = CircuitState::Closed;
    int m_consecutiveFailures = 0;
    qint64 m_openedAtMs = 0;
    bool m_probeInFlight = false;
};

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::CircuitState)
