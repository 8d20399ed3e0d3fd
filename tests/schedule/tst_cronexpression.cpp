#include "schedule/cronexpression.h"
#include "schedule/schedule.h"

#include <QDateTime>
#include <QTest>

using namespace tiersync;

namespace {

qint64 utc(const char *iso)
{
    QDateTime time = QDateTime::fromString(QLatin1String(iso), Qt::ISODate);
    time.setTimeSpec(Qt::UTC);
    return time.toMSecsSinceEpoch();
}

QString iso(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate);
}

}  // namespace

// The 5-field cron expressions of tiersync.schedules, read in UTC, and the cadence of a
// schedule (interval slots keep their phase; no catch-up after a gap).
class TestCronExpression final : public QObject {
    Q_OBJECT

private slots:
    void next_data()
    {
        QTest::addColumn<QString>("expression");
        QTest::addColumn<QString>("after");
        QTest::addColumn<QString>("expected");
        QTest::newRow("every minute") << "* * * * *" << "2026-12-07T13:44:03" << "2026-12-07T13:45:00Z";
        QTest::newRow("on a minute: strictly after") << "* * * * *" << "2026-12-07T13:44:00" << "2026-12-07T13:45:00Z";
        QTest::newRow("nightly, before 3") << "0 3 * * *" << "2026-12-07T02:59:59" << "2026-12-07T03:00:00Z";
        QTest::newRow("nightly, at 3") << "0 3 * * *" << "2026-12-07T03:00:00" << "2026-12-08T03:00:00Z";
        QTest::newRow("year end") << "0 3 * * *" << "2026-12-31T03:00:00" << "2027-01-01T03:00:00Z";
        QTest::newRow("step") << "*/15 * * * *" << "2026-12-07T13:44:03" << "2026-12-07T13:45:00Z";
        QTest::newRow("step wraps the hour") << "*/15 * * * *" << "2026-12-07T13:45:00" << "2026-12-07T14:00:00Z";
        QTest::newRow("start/step") << "5/20 * * * *" << "2026-12-07T13:26:00" << "2026-12-07T13:45:00Z";
        QTest::newRow("range with step") << "0 8-18/4 * * *" << "2026-12-07T12:00:00" << "2026-12-07T16:00:00Z";
        QTest::newRow("list") << "10,40 1,13 * * *" << "2026-12-07T13:11:00" << "2026-12-07T13:40:00Z";
        QTest::newRow("weekday names") << "30 9 * * mon-fri" << "2026-12-11T10:00:00" << "2026-12-14T09:30:00Z";
        QTest::newRow("sunday as 7") << "0 0 * * 7" << "2026-12-07T00:00:00" << "2026-12-13T00:00:00Z";
        QTest::newRow("sunday as 0") << "0 0 * * SUN" << "2026-12-07T00:00:00" << "2026-12-13T00:00:00Z";
        QTest::newRow("month names") << "0 0 1 JAN,jul *" << "2026-12-07T00:00:00" << "2027-01-01T00:00:00Z";
        QTest::newRow("31st skips short months") << "0 12 31 * *" << "2027-01-31T12:00:00" << "2027-03-31T12:00:00Z";
        QTest::newRow("29 February: next leap year") << "0 0 29 2 *" << "2026-12-07T00:00:00" << "2028-02-29T00:00:00Z";
        QTest::newRow("29 February across 2100") << "0 0 29 2 *" << "2096-03-01T00:00:00" << "2104-02-29T00:00:00Z";
        // Both day fields restricted: either matches (Vixie cron).
        QTest::newRow("day of month or weekday") << "0 0 13 * FRI" << "2026-12-07T00:00:00" << "2026-12-11T00:00:00Z";
        QTest::newRow("whitespace") << "  0   3 *  * * " << "2026-12-07T02:00:00" << "2026-12-07T03:00:00Z";
    }

    void next()
    {
        QFETCH(QString, expression);
        QFETCH(QString, after);
        QFETCH(QString, expected);
        auto cron = CronExpression::parse(expression);
        QVERIFY2(cron.ok(), qPrintable(cron.ok() ? QString() : cron.error().message));
        const auto next = cron->nextMs(utc(after.toLatin1().constData()));
        QVERIFY(next.has_value());
        QCOMPARE(iso(*next), expected);
    }

    void nextIsAlwaysAWholeMinuteAfter()
    {
        auto cron = CronExpression::parse(QStringLiteral("* * * * *"));
        QVERIFY(cron.ok());
        const qint64 start = utc("2026-12-07T13:44:59") + 999;
        const auto next = cron->nextMs(start);
        QVERIFY(next.has_value());
        QVERIFY(*next > start);
        QCOMPARE(*next % 60000, 0);
        QCOMPARE(cron->text(), QStringLiteral("* * * * *"));
    }

    void errorsNameTheField_data()
    {
        QTest::addColumn<QString>("expression");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("too few fields") << "0 3 * *" << "expected 5 fields";
        QTest::newRow("too many fields") << "0 3 * * * 2026" << "expected 5 fields";
        QTest::newRow("empty") << "" << "expected 5 fields";
        QTest::newRow("minute out of range") << "60 * * * *" << "cron minute: 60 is out of range 0-59";
        QTest::newRow("hour out of range") << "0 24 * * *" << "cron hour: 24 is out of range 0-23";
        QTest::newRow("day 0") << "0 0 0 * *" << "cron day-of-month: 0 is out of range 1-31";
        QTest::newRow("month 13") << "0 0 1 13 *" << "cron month: 13 is out of range 1-12";
        QTest::newRow("weekday 8") << "0 0 * * 8" << "cron day-of-week: 8 is out of range 0-7";
        QTest::newRow("unknown month name") << "0 0 1 FOO *" << "cron month: 'FOO' is neither";
        QTest::newRow("day names in the hour") << "0 MON * * *" << "cron hour: 'MON' is not a number";
        QTest::newRow("backwards range") << "0 10-2 * * *" << "cron hour: range '10-2' runs backwards";
        QTest::newRow("step 0") << "*/0 * * * *" << "cron minute: step '0'";
        QTest::newRow("step too big") << "*/61 * * * *" << "cron minute: step '61'";
        QTest::newRow("bad step") << "*/x * * * *" << "cron minute: step 'x'";
        QTest::newRow("empty list item") << "1,,2 * * * *" << "cron minute: empty item";
        QTest::newRow("negative") << "-1 * * * *" << "cron minute:";
        QTest::newRow("never: 31 February") << "0 0 31 2 *" << "cron day-of-month: '31' never occurs in month '2'";
        QTest::newRow("never: 30 February") << "0 0 30 FEB *" << "cron day-of-month: '30' never occurs";
        QTest::newRow("never: 31 in 30-day months") << "0 0 31 4,6,9,11 *" << "never occurs";
    }

    void errorsNameTheField()
    {
        QFETCH(QString, expression);
        QFETCH(QString, mentions);
        auto cron = CronExpression::parse(expression);
        QVERIFY(!cron.ok());
        QCOMPARE(cron.error().kind, ErrorKind::InvalidArgument);
        QVERIFY2(cron.error().message.contains(mentions), qPrintable(cron.error().message));
    }

    // Day-of-week restricted too: 31 February or any Monday of February; possible, and
    // next() finds the first Monday of February.
    void anImpossibleDayWithAWeekdayStillFires()
    {
        auto cron = CronExpression::parse(QStringLiteral("0 0 31 2 MON"));
        QVERIFY(cron.ok());
        const auto next = cron->nextMs(utc("2026-12-07T00:00:00"));
        QVERIFY(next.has_value());
        QCOMPARE(iso(*next), QStringLiteral("2027-02-01T00:00:00Z"));
    }

    // Every minute of a long stretch: each answer is strictly later and matches; the search
    // never runs away (bounded by kSearchDays even for rare expressions).
    void nextWalksForward()
    {
        auto cron = CronExpression::parse(QStringLiteral("*/7 */5 * * *"));
        QVERIFY(cron.ok());
        qint64 at = utc("2026-12-07T00:00:00");
        for (int i = 0; i < 500; ++i) {
            const auto next = cron->nextMs(at);
            QVERIFY(next.has_value());
            QVERIFY(*next > at);
            const QDateTime time = QDateTime::fromMSecsSinceEpoch(*next, Qt::UTC);
            QCOMPARE(time.time().minute() % 7, 0);
            QCOMPARE(time.time().hour() % 5, 0);
            at = *next;
        }
    }

    void intervals_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("seconds");
        QTest::newRow("bare seconds") << "300" << 300;
        QTest::newRow("seconds") << "90s" << 90;
        QTest::newRow("minutes") << "5m" << 300;
        QTest::newRow("hours") << "1h" << 3600;
        QTest::newRow("days") << "2d" << 172800;
        QTest::newRow("upper case") << "15M" << 900;
        QTest::newRow("too short") << "30s" << -1;
        QTest::newRow("too long") << "400d" << -1;
        QTest::newRow("unit only") << "m" << -1;
        QTest::newRow("weeks") << "1w" << -1;
        QTest::newRow("negative") << "-5m" << -1;
        QTest::newRow("huge") << "99999999999" << -1;
    }

    void intervals()
    {
        QFETCH(QString, text);
        QFETCH(int, seconds);
        auto parsed = parseScheduleInterval(text);
        if (seconds < 0) {
            QVERIFY(!parsed.ok());
            QVERIFY(parsed.error().message.contains(QStringLiteral("interval '%1'").arg(text)));
            return;
        }
        QVERIFY(parsed.ok());
        QCOMPARE(*parsed, seconds);
    }

    void intervalsAreFormattedInTheirLargestUnit()
    {
        QCOMPARE(formatScheduleInterval(300), QStringLiteral("5m"));
        QCOMPARE(formatScheduleInterval(3600), QStringLiteral("1h"));
        QCOMPARE(formatScheduleInterval(86400), QStringLiteral("1d"));
        QCOMPARE(formatScheduleInterval(90), QStringLiteral("90s"));
    }

    // A missed slot runs once: the next slot is the first one after now, on the old phase.
    void intervalSlotsKeepTheirPhaseWithoutCatchUp()
    {
        Schedule schedule;
        schedule.name = QStringLiteral("grades:incremental");
        schedule.entityType = QStringLiteral("grades");
        schedule.intervalSeconds = 300;
        schedule.nextRunAt = QDateTime::fromMSecsSinceEpoch(utc("2026-12-07T10:00:00"), Qt::UTC);
        QVERIFY(schedule.validate().ok());
        // Down for three and a half hours: one slot after now, not 42 to catch up.
        auto next = schedule.nextSlotAfter(utc("2026-12-07T13:32:10"));
        QVERIFY(next.ok());
        QCOMPARE(iso(*next), QStringLiteral("2026-12-07T13:35:00Z"));
        // Exactly on a slot: strictly after.
        next = schedule.nextSlotAfter(utc("2026-12-07T13:35:00"));
        QVERIFY(next.ok());
        QCOMPARE(iso(*next), QStringLiteral("2026-12-07T13:40:00Z"));
        // No phase yet: now + interval.
        schedule.nextRunAt = {};
        next = schedule.nextSlotAfter(utc("2026-12-07T13:32:10"));
        QVERIFY(next.ok());
        QCOMPARE(iso(*next), QStringLiteral("2026-12-07T13:37:10Z"));
    }

    void cronSlots()
    {
        Schedule schedule;
        schedule.name = QStringLiteral("grades:full");
        schedule.entityType = QStringLiteral("grades");
        schedule.mode = SyncMode::Full;
        schedule.cron = QStringLiteral("0 3 * * *");
        QVERIFY(schedule.validate().ok());
        QCOMPARE(schedule.cadence(), QStringLiteral("cron 0 3 * * *"));
        auto next = schedule.nextSlotAfter(utc("2026-12-07T13:32:10"));
        QVERIFY(next.ok());
        QCOMPARE(iso(*next), QStringLiteral("2026-12-08T03:00:00Z"));
    }

    void validation_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("type");
        QTest::addColumn<int>("interval");  // 0: none
        QTest::addColumn<QString>("cron");
        QTest::addColumn<QString>("mentions");  // empty: valid
        QTest::newRow("interval") << "grades:incremental" << "grades" << 300 << "" << "";
        QTest::newRow("cron") << "grades:incremental" << "grades" << 0 << "*/5 * * * *" << "";
        QTest::newRow("both") << "grades:incremental" << "grades" << 300 << "0 3 * * *" << "either an interval or";
        QTest::newRow("neither") << "grades:incremental" << "grades" << 0 << "" << "either an interval or";
        QTest::newRow("name disagrees") << "grades:full" << "grades" << 300 << "" << "should be 'grades:incremental'";
        QTest::newRow("bad type") << "Grades!:incremental" << "Grades!" << 300 << "" << "entity type 'Grades!'";
        // $ would match before a final newline; the pattern ends with \z.
        QTest::newRow("type with a newline") << "grades\n:incremental" << "grades\n" << 300 << "" << "entity type 'grades\n'";
        QTest::newRow("short interval") << "grades:incremental" << "grades" << 10 << "" << "the interval is from 1m";
        QTest::newRow("bad cron") << "grades:incremental" << "grades" << 0 << "0 0 31 2 *" << "cron day-of-month";
    }

    void validation()
    {
        QFETCH(QString, name);
        QFETCH(QString, type);
        QFETCH(int, interval);
        QFETCH(QString, cron);
        QFETCH(QString, mentions);
        Schedule schedule;
        schedule.name = name;
        schedule.entityType = type;
        if (interval > 0)
            schedule.intervalSeconds = interval;
        schedule.cron = cron;
        const Status valid = schedule.validate();
        if (mentions.isEmpty()) {
            QVERIFY2(valid.ok(), qPrintable(valid.ok() ? QString() : valid.error().message));
            return;
        }
        QVERIFY(!valid.ok());
        QVERIFY2(valid.error().message.contains(mentions), qPrintable(valid.error().message));
    }

    void statusNamesRoundTrip()
    {
        for (ScheduleRunStatus status : {ScheduleRunStatus::Running, ScheduleRunStatus::Succeeded,
                                         ScheduleRunStatus::Failed, ScheduleRunStatus::Cancelled,
                                         ScheduleRunStatus::Skipped})
            QCOMPARE(scheduleRunStatusFromName(scheduleRunStatusName(status)), status);
        QVERIFY(!scheduleRunStatusFromName(QStringLiteral("bogus")).has_value());
    }
};

QTEST_GUILESS_MAIN(TestCronExpression)
#include "tst_cronexpression.moc"
