#include "zoho/circuitbreaker.h"
#include "zoho/concurrencylimiter.h"
#include "zoho/ratelimiter.h"

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
    void bucketStartsFullAndDrains()
    {
        FakeClock clock;
        RateLimiter limiter(100.0, 5.0, clock.clock());
        QCOMPARE(limiter.tokens(), 5.0);
        for (int i = 0; i < 5; ++i)
            QVERIFY(limiter.tryAcquire());
        QVERIFY(!limiter.tryAcquire());
        // 100/minute = one token per 600 ms.
        const qint64 wait = limiter.msUntilAvailable();
        QVERIFY2(wait >= 600 && wait <= 602, qPrintable(QString::number(wait)));
        clock.advance(599);
        QVERIFY(!limiter.tryAcquire());
        clock.advance(2);
        QVERIFY(limiter.tryAcquire());
        QVERIFY(!limiter.tryAcquire());
    }

    void bucketRefillsToBurstOnly()
    {
        FakeClock clock;
        RateLimiter limiter(60.0, 3.0, clock.clock());
        for (int i = 0; i < 3; ++i)
            QVERIFY(limiter.tryAcquire());
        clock.advance(3600000);
        QCOMPARE(limiter.tokens(), 3.0);
        QCOMPARE(limiter.msUntilAvailable(), 0);
    }

    void bucketSustainsConfiguredRate()
    {
        FakeClock clock;
        RateLimiter limiter(100.0, 10.0, clock.clock());
        int granted = 0;
        // One simulated minute in 10 ms steps, asking greedily.
        for (int step = 0; step < 6000; ++step) {
            while (limiter.tryAcquire())
                ++granted;
            clock.advance(10);
        }
        // Burst plus one minute's worth.
        QVERIFY2(granted >= 109 && granted <= 111, qPrintable(QString::number(granted)));
    }

    void concurrencyCap()
    {
        ConcurrencyLimiter cap(2);
        QVERIFY(cap.tryAcquire());
        QVERIFY(cap.tryAcquire());
        QVERIFY(!cap.tryAcquire());
        QCOMPARE(cap.inFlight(), 2);
        cap.release();
        QVERIFY(cap.tryAcquire());
        cap.release();
        cap.release();
        cap.release();
        QCOMPARE(cap.inFlight(), 0);
    }

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
