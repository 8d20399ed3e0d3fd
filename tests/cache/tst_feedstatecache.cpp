// FeedStateCache: the read path's view of the feeds, loaded at most once per window of
// its injected clock; a failed load means "no feed state" (the per-student path).
#include "manualepochclock.h"

#include "cache/feedstatecache.h"

#include <QTest>

using namespace tiersync;
using namespace tiersync::test;

class TestFeedStateCache final : public QObject {
    Q_OBJECT

private slots:
    void loadsOncePerWindow()
    {
        const ManualEpochClock clock;
        QHash<QString, qint64> states{{QStringLiteral("grades"), 1000}};
        int calls = 0;
        FeedStateCache cache([&]() -> Result<QHash<QString, qint64>> { ++calls; return states; }, clock.clock(), 1000);

        QCOMPARE(cache.dataAsOfMs(QStringLiteral("grades")), std::optional<qint64>(1000));
        QCOMPARE(cache.dataAsOfMs(QStringLiteral("students")), std::nullopt);
        states.insert(QStringLiteral("students"), 2000);
        clock.advance(999);
        QCOMPARE(cache.dataAsOfMs(QStringLiteral("students")), std::nullopt);  // still the first load
        QCOMPARE(calls, 1);
        clock.advance(1);
        QCOMPARE(cache.dataAsOfMs(QStringLiteral("students")), std::optional<qint64>(2000));
        QCOMPARE(calls, 2);
        QCOMPARE(cache.loads(), 2);
        // A clock that went back does not keep an answer from "the future".
        clock.advance(-5000);
        states[QStringLiteral("grades")] = 3000;
        QCOMPARE(cache.dataAsOfMs(QStringLiteral("grades")), std::optional<qint64>(3000));
        QCOMPARE(calls, 3);
    }

    void aFailedLoadMeansNoFeedState()
    {
        const ManualEpochClock clock;
        bool fail = false;
        int calls = 0;
        FeedStateCache cache(
            [&]() -> Result<QHash<QString, qint64>> {
                ++calls;
                if (fail)
                    return makeError(ErrorKind::Unavailable, QStringLiteral("PostgreSQL is down"));
                return QHash<QString, qint64>{{QStringLiteral("grades"), 1000}};
            },
            clock.clock(), 1000);
        QCOMPARE(cache.dataAsOfMs(QStringLiteral("grades")), std::optional<qint64>(1000));
        fail = true;
        clock.advance(1000);
        QCOMPARE(cache.dataAsOfMs(QStringLiteral("grades")), std::nullopt);
        // The failure is remembered for the window too: a dead server costs one try a second.
        QCOMPARE(cache.dataAsOfMs(QStringLiteral("grades")), std::nullopt);
        QCOMPARE(calls, 2);
        fail = false;
        clock.advance(1000);
        QCOMPARE(cache.dataAsOfMs(QStringLiteral("grades")), std::optional<qint64>(1000));
        QCOMPARE(calls, 3);
    }

    void zeroWindowLoadsEveryTime()
    {
        const ManualEpochClock clock;
        int calls = 0;
        FeedStateCache cache([&]() -> Result<QHash<QString, qint64>> { ++calls; return QHash<QString, qint64>(); },
                             clock.clock(), 0);
        (void)cache.dataAsOfMs(QStringLiteral("grades"));
        (void)cache.dataAsOfMs(QStringLiteral("grades"));
        QCOMPARE(calls, 2);
    }
};

QTEST_GUILESS_MAIN(TestFeedStateCache)
#include "tst_feedstatecache.moc"
