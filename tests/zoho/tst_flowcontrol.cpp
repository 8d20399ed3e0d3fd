#include "zoho/circuitbreaker.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace tiersync;

namespace {

// A clock the test moves by hand.
struct FakeClock {
    std::shared_ptr<qint64> now = std::make_shared<qint64>(1000000);
    SteadyClock clock() const
    {
        return [n = now] { return *n; };
    }
    void advance(qint64 ms) const { *now += ms; }
};

}  // namespace

class TestFlowControl final : public QObject {
    Q_OBJECT

private slots:
    void breakerOpensAfterConsecutiveFailures()
    {
        FakeClock clock;
        CircuitBreaker breaker(3, 10000, clock.clock());
        QSignalSpy spy(&breaker, &CircuitBreaker::stateChanged);
        breaker.recordFailure();
        breaker.recordFailure();
        breaker.recordSuccess();  // resets the streak
        breaker.recordFailure();
        breaker.recordFailure();
        QCOMPARE(breaker.state(), CircuitState::Closed);
        QVERIFY(breaker.allowRequest());
        breaker.recordFailure();
        QCOMPARE(breaker.state(), CircuitState::Open);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).value<CircuitState>(), CircuitState::Open);
        QVERIFY(!breaker.allowRequest());
        QCOMPARE(breaker.msUntilProbe(), 10000);
    }

    void halfOpenLetsOneProbeThrough()
    {
        FakeClock clock;
        CircuitBreaker breaker(1, 1000, clock.clock());
        breaker.recordFailure();
        QCOMPARE(breaker.state(), CircuitState::Open);
        clock.advance(999);
        QVERIFY(!breaker.allowRequest());
        clock.advance(1);
        QVERIFY(breaker.allowRequest());  // the probe
        QCOMPARE(breaker.state(), CircuitState::HalfOpen);
        QVERIFY(!breaker.allowRequest());  // others wait for its outcome
        breaker.recordFailure();          // probe failed: open again, full cool-down
        QCOMPARE(breaker.state(), CircuitState::Open);
        QCOMPARE(breaker.msUntilProbe(), 1000);
        clock.advance(1000);
        QVERIFY(breaker.allowRequest());
        breaker.recordSuccess();
        QCOMPARE(breaker.state(), CircuitState::Closed);
        QVERIFY(breaker.allowRequest());
        QVERIFY(breaker.allowRequest());
    }

    void releasedProbeLetsAnotherThrough()
    {
        FakeClock clock;
        CircuitBreaker breaker(1, 0, clock.clock());
        breaker.recordFailure();
        QVERIFY(breaker.allowRequest());
        QVERIFY(!breaker.allowRequest());
        breaker.releaseProbe();
        QVERIFY(breaker.allowRequest());
        QCOMPARE(breaker.state(), CircuitState::HalfOpen);
    }
};

QTEST_GUILESS_MAIN(TestFlowControl)
#include "tst_flowcontrol.moc"
