// The rules of a feed's cadence, without servers: a channel's health (ChannelHealthFacts)
// and what FeedCadence makes of it for a schedule with a safety net.
#include "cache/channelhealthfacts.h"
#include "schedule/feedcadence.h"
#include "schedule/schedule.h"

#include <QTest>

using namespace tiersync;

namespace {

constexpr qint64 kNowMs = 1796645400000;  // 2026-12-07 12:10:00 UTC
constexpr qint64 kMinuteMs = 60 * 1000;
constexpr qint64 kHourMs = 60 * kMinuteMs;

ChannelHealthFacts healthy(const QString &entityType = QStringLiteral("students"))
{
    ChannelHealthFacts facts;
    facts.entityType = entityType;
    facts.active = true;
    facts.expiresAtMs = kNowMs + 6 * 24 * kHourMs;
    facts.confirmedAtMs = kNowMs - 10 * kMinuteMs;
    return facts;
}

Schedule feed(qint64 lastStartedMs)
{
    Schedule schedule;
    schedule.entityType = QStringLiteral("students");
    schedule.mode = SyncMode::Incremental;
    schedule.name = Schedule::nameFor(schedule.entityType, schedule.mode);
    schedule.intervalSeconds = 300;
    schedule.safetyNetIntervalSeconds = 7200;
    schedule.nextRunAt = QDateTime::fromMSecsSinceEpoch(kNowMs + 5 * kMinuteMs, Qt::UTC);
    if (lastStartedMs > 0)
        schedule.lastStartedAt = QDateTime::fromMSecsSinceEpoch(lastStartedMs, Qt::UTC);
    return schedule;
}

}  // namespace

class TestChannelHealth final : public QObject {
    Q_OBJECT

private slots:
    void healthIsTheFirstRuleThatApplies()
    {
        QCOMPARE(healthy().healthAt(kNowMs), ChannelHealth::Healthy);

        ChannelHealthFacts facts = healthy();
        facts.active = false;  // dropped, failed, disabled
        QCOMPARE(facts.healthAt(kNowMs), ChannelHealth::Inactive);

        facts = healthy();
        facts.expiresAtMs = kNowMs;
        QCOMPARE(facts.healthAt(kNowMs), ChannelHealth::Expired);
        facts.expiresAtMs = kNowMs + ChannelHealthFacts::kExpiryMarginMs;  // Zoho's clock may run ahead
        QCOMPARE(facts.healthAt(kNowMs), ChannelHealth::Expired);
        facts.expiresAtMs = kNowMs + ChannelHealthFacts::kExpiryMarginMs + 1;
        QCOMPARE(facts.healthAt(kNowMs), ChannelHealth::Healthy);
        facts.expiresAtMs = 0;  // never enabled
        QCOMPARE(facts.healthAt(kNowMs), ChannelHealth::Expired);

        facts = healthy();
        facts.failing = true;  // the keeper's renewal failed
        QCOMPARE(facts.healthAt(kNowMs), ChannelHealth::Failing);

        facts = healthy();
        facts.confirmedAtMs = kNowMs - ChannelHealthFacts::kMaxUnconfirmedMs;
        QCOMPARE(facts.healthAt(kNowMs), ChannelHealth::Healthy);
        facts.confirmedAtMs -= 1;
        QCOMPARE(facts.healthAt(kNowMs), ChannelHealth::Unconfirmed);

        facts = healthy();
        facts.degradedAtMs = kNowMs - kHourMs;
        QCOMPARE(facts.healthAt(kNowMs), ChannelHealth::Degraded);
        facts.failing = true;  // the worse state wins
        QCOMPARE(facts.healthAt(kNowMs), ChannelHealth::Failing);
        QCOMPARE(channelHealthName(ChannelHealth::Degraded), QStringLiteral("degraded"));
    }

    void anyHealthyChannelOfTheTypeVouches()
    {
        ChannelHealthFacts degraded = healthy();
        degraded.degradedAtMs = kNowMs;
        QVERIFY(!ChannelHealthFacts::anyHealthy({}, QStringLiteral("students"), kNowMs));
        QVERIFY(!ChannelHealthFacts::anyHealthy({degraded, healthy(QStringLiteral("grades"))},
                                                QStringLiteral("students"), kNowMs));
        QVERIFY(ChannelHealthFacts::anyHealthy({degraded, healthy()}, QStringLiteral("students"), kNowMs));
    }

    void theCadenceFollowsTheChannel()
    {
        const Schedule ranJustNow = feed(kNowMs - 5 * kMinuteMs);
        // No channel: exactly as before, every slot runs.
        QCOMPARE(FeedCadence().cadenceOf(ranJustNow, kNowMs), FeedCadence::Cadence::Own);
        QVERIFY(!FeedCadence().defers(ranJustNow, kNowMs));
        // A healthy channel: slots are deferred until 2 hours after the last start.
        const FeedCadence withChannel({healthy()});
        QCOMPARE(withChannel.cadenceOf(ranJustNow, kNowMs), FeedCadence::Cadence::SafetyNet);
        QVERIFY(withChannel.defers(ranJustNow, kNowMs));
        QVERIFY(withChannel.defers(feed(kNowMs - 2 * kHourMs + 1), kNowMs));
        QVERIFY(!withChannel.defers(feed(kNowMs - 2 * kHourMs), kNowMs));
        QVERIFY(!withChannel.defers(feed(0), kNowMs));  // never ran: run now
        Schedule requested = ranJustNow;
        requested.runRequested = true;  // an admin's Run now
        QVERIFY(!withChannel.defers(requested, kNowMs));
        // A degraded or expired channel: back at once.
        ChannelHealthFacts degraded = healthy();
        degraded.degradedAtMs = kNowMs - kMinuteMs;
        QVERIFY(!FeedCadence({degraded}).defers(ranJustNow, kNowMs));
        ChannelHealthFacts expired = healthy();
        expired.expiresAtMs = kNowMs - 1;
        QVERIFY(!FeedCadence({expired}).defers(ranJustNow, kNowMs));
        // Without a safety net, or a full run: never deferred.
        Schedule plain = ranJustNow;
        plain.safetyNetIntervalSeconds.reset();
        QCOMPARE(withChannel.cadenceOf(plain, kNowMs), FeedCadence::Cadence::Own);
        QVERIFY(!FeedCadence::checksChannels(plain));
        QVERIFY(FeedCadence::checksChannels(ranJustNow));
    }

    void theNextRunInForceIsOnTheGrid()
    {
        const Schedule ranJustNow = feed(kNowMs - 5 * kMinuteMs);
        QCOMPARE(FeedCadence::nextRunInForce(ranJustNow, FeedCadence::Cadence::Own), ranJustNow.nextRunAt);
        // Last start + 2 h = now + 1 h 55 min, on the grid of next_run_at (now + 5 min).
        QCOMPARE(FeedCadence::nextRunInForce(ranJustNow, FeedCadence::Cadence::SafetyNet).toMSecsSinceEpoch(),
                 kNowMs + 5 * kMinuteMs + 22 * 5 * kMinuteMs);
        const Schedule longAgo = feed(kNowMs - 3 * kHourMs);
        QCOMPARE(FeedCadence::nextRunInForce(longAgo, FeedCadence::Cadence::SafetyNet), longAgo.nextRunAt);
    }

    void aSafetyNetGoesWithAnIncrementalInterval()
    {
        Schedule schedule = feed(0);
        QVERIFY(schedule.validate().ok());
        QCOMPARE(schedule.cadence(), QStringLiteral("every 5m (2h with a healthy channel)"));
        schedule.safetyNetIntervalSeconds = 30;
        QVERIFY(!schedule.validate().ok());
        schedule.safetyNetIntervalSeconds = 7200;
        schedule.intervalSeconds.reset();
        schedule.cron = QStringLiteral("*/5 * * * *");
        QVERIFY(schedule.validate().error().message.contains(QLatin1String("safety net")));
    }
};

QTEST_GUILESS_MAIN(TestChannelHealth)
#include "tst_channelhealth.moc"
