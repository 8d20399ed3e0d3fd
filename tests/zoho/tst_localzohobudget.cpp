#include "manualepochclock.h"

#include "zoho/localzohobudget.h"
#include "zoho/zohorequest.h"

#include <QRandomGenerator>
#include <QTest>

#include <vector>

using namespace tiersync;
using namespace tiersync::test;

namespace {

using Granted = ZohoBudget::Granted;
using Wait = ZohoBudget::Wait;
using Stopped = ZohoBudget::Stopped;

ZohoBudgetRequest ask(ZohoCallPurpose purpose, ZohoApiFamily family = ZohoApiFamily::Books, int credits = 1)
{
    ZohoBudgetRequest request;
    request.family = family;
    request.purpose = purpose;
    request.credits = credits;
    request.leaseMs = 35000;
    return request;
}

const ZohoBudgetRequest kRead = ask(ZohoCallPurpose::Read);
const ZohoBudgetRequest kSync = ask(ZohoCallPurpose::Sync);

// Per-window and concurrency only (no daily budget unless a test sets one).
FamilyLimits windowOnly(int perWindow, int concurrency = 1000)
{
    FamilyLimits limits;
    limits.perWindow = perWindow;
    limits.perDay = 0;
    limits.concurrency = concurrency;
    return limits;
}

// Takes one call and gives its slot straight back; whether it was granted.
bool take(LocalZohoBudget &budget, const ZohoBudgetRequest &request)
{
    const ZohoBudget::Decision decision = budget.acquire(request);
    if (const auto *granted = std::get_if<Granted>(&decision)) {
        budget.release(granted->lease, ZohoLeaseRelease::Now);
        return true;
    }
    return false;
}

int takeAll(LocalZohoBudget &budget, const ZohoBudgetRequest &request, int most = 100000)
{
    int granted = 0;
    while (granted < most && take(budget, request))
        ++granted;
    return granted;
}

QString describe(const ZohoBudget::Decision &decision)
{
    if (std::holds_alternative<Granted>(decision))
        return QStringLiteral("granted");
    if (const auto *wait = std::get_if<Wait>(&decision))
        return QStringLiteral("wait %1 ms (reason %2)").arg(wait->ms).arg(int(wait->reason));
    return QStringLiteral("stopped: ") + std::get<Stopped>(decision).error.toString();
}

}  // namespace

class TestLocalZohoBudget final : public QObject {
    Q_OBJECT

private slots:
    // charge() counts calls made elsewhere in the window: they leave it like the budget's
    // own grants, a window after the time they were made.
    void chargedCallsCountUntilTheyLeaveTheWindow()
    {
        ManualEpochClock clock;
        const FamilyLimits limits = windowOnly(10);
        LocalZohoBudget budget(ZohoLimits::uniform(limits), clock.clock());
        const qint64 madeAt = clock.nowMs();
        budget.charge(ZohoApiFamily::Books, 6, madeAt);
        clock.advance(1000);
        QCOMPARE(takeAll(budget, kRead, 20), 4);
        QCOMPARE(budget.snapshot().of(ZohoApiFamily::Books).windowUsed, 10);
        clock.advance(limits.effectiveWindowMs() - 1000);  // the charged six have left
        QCOMPARE(takeAll(budget, kRead, 20), 6);  // the own four still count
        ZohoBudgetRequest crm = kRead;
        crm.family = ZohoApiFamily::Crm;
        QCOMPARE(takeAll(budget, crm, 20), 10);  // per family
    }

    // The property Zoho's 44 punishes: never more than perWindow grants in ANY interval
    // of windowMs + slack, whatever the arrival pattern and purpose mix. 10,000 random
    // arrivals (fixed seed, so a failure reproduces), each grant's window counted by brute
    // force. A token bucket of 100/min with burst 20 fails this (120 in 60 s).
    void neverMoreThanLimitInAnyWindow()
    {
        ManualEpochClock clock;
        const FamilyLimits limits = windowOnly(100);
        LocalZohoBudget budget(ZohoLimits::uniform(limits), clock.clock());
        QRandomGenerator random(20240611);
        std::vector<qint64> grants;
        int readGrants = 0;
        int syncGrants = 0;
        for (int i = 0; i < 10000; ++i) {
            // Bursts (gap 0) and pauses mixed; about 3 arrivals a second on average.
            const int kind = int(random.bounded(10));
            clock.advance(kind < 3 ? 0 : kind < 9 ? qint64(random.bounded(400)) : qint64(random.bounded(5000)));
            const ZohoBudgetRequest &request = random.bounded(3) == 0 ? kRead : kSync;
            if (take(budget, request)) {
                grants.push_back(clock.nowMs());
                ++(request.purpose == ZohoCallPurpose::Read ? readGrants : syncGrants);
            }
        }
        const qint64 window = limits.effectiveWindowMs();
        int worst = 0;
        for (size_t i = 0; i < grants.size(); ++i) {
            int inWindow = 0;
            for (size_t j = i; j < grants.size() && grants[j] < grants[i] + window; ++j)
                ++inWindow;
            worst = std::max(worst, inWindow);
        }
        QVERIFY2(worst <= limits.perWindow, qPrintable(QStringLiteral("%1 grants in one window").arg(worst)));
        QVERIFY(readGrants > 0 && syncGrants > 0);
        QCOMPARE(worst, limits.perWindow);  // the demand (~3/s) does fill windows
    }

    // A sync alone asking every 10 ms gets exactly perWindow per window + slack, and
    // each window's calls as soon as the previous window's leave.
    void saturatingSyncUsesTheWholeWindow()
    {
        ManualEpochClock clock;
        LocalZohoBudget budget(ZohoLimits::uniform(windowOnly(100)), clock.clock());
        const qint64 start = clock.nowMs();
        int granted = 0;
        while (clock.nowMs() < start + 10 * 61000) {
            granted += take(budget, kSync) ? 1 : 0;
            clock.advance(10);
        }
        QCOMPARE(granted, 1000);
    }

    // A read that will not wait as long as it is told (the read path's 2,000 ms) gives
    // up and is served stale: it must not hold syncs back for a slot it will not take.
    void readThatGivesUpDoesNotBlockSyncs()
    {
        ManualEpochClock clock;
        LocalZohoBudget budget(ZohoLimits::uniform(windowOnly(10)), clock.clock());
        QCOMPARE(takeAll(budget, kSync), 10);
        clock.advance(30000);
        ZohoBudgetRequest impatient = kRead;
        impatient.maxWaitMs = 2000;
        QCOMPARE(std::get<Wait>(budget.acquire(impatient)).ms, 31000);
        clock.advance(31000);
        QVERIFY(take(budget, kSync));
    }

    void waitIsExactToTheMillisecond()
    {
        ManualEpochClock clock;
        LocalZohoBudget budget(ZohoLimits::uniform(windowOnly(100)), clock.clock());
        QCOMPARE(takeAll(budget, kSync), 100);
        clock.advance(10000);
        const ZohoBudget::Decision decision = budget.acquire(kSync);
        const auto *wait = std::get_if<Wait>(&decision);
        QVERIFY2(wait, qPrintable(describe(decision)));
        QCOMPARE(wait->ms, 51000);  // 60 s + 1 s slack after the first grant
        QCOMPARE(wait->reason, ZohoBudgetWaitReason::Window);
        clock.advance(50999);
        QVERIFY(!take(budget, kSync));
        clock.advance(1);
        QCOMPARE(takeAll(budget, kSync), 100);  // all 100 were granted at the same instant
    }

    void familiesAreCountedApart()
    {
        ManualEpochClock clock;
        LocalZohoBudget budget(ZohoLimits::uniform(windowOnly(10)), clock.clock());
        QCOMPARE(takeAll(budget, ask(ZohoCallPurpose::Sync, ZohoApiFamily::Books)), 10);
        QCOMPARE(takeAll(budget, ask(ZohoCallPurpose::Sync, ZohoApiFamily::Crm)), 10);
        QCOMPARE(takeAll(budget, ask(ZohoCallPurpose::Sync, ZohoApiFamily::Inventory)), 10);
    }

    // Without reads a sync gets the whole window; while reads happened in the last
    // window it gets perWindow less the reserve, and reads get the rest.
    void readReserve()
    {
        ManualEpochClock clock;
        LocalZohoBudget budget(ZohoLimits::uniform(windowOnly(100)), clock.clock());
        QCOMPARE(takeAll(budget, kSync), 100);

        clock.advance(61000);  // a new window, no reads in the last one
        QVERIFY(take(budget, kRead));
        QCOMPARE(takeAll(budget, kSync), 79);  // 80 % of the window, the read included
        QCOMPARE(takeAll(budget, kRead), 20);  // reads may use all of it
        QVERIFY(!take(budget, kRead));

        // A webhook counts as a read.
        clock.advance(61000);
        QVERIFY(take(budget, ask(ZohoCallPurpose::Webhook)));
        QCOMPARE(takeAll(budget, kSync), 79);

        // Reads gone for a whole window: syncs get everything again.
        clock.advance(61000);
        clock.advance(61000);
        QCOMPARE(takeAll(budget, kSync), 100);
    }

    // A read waiting for the window blocks every sync grant, so the next free slot is
    // the read's, not the sync's that happened to ask first.
    void waitingReadGoesFirst()
    {
        ManualEpochClock clock;
        LocalZohoBudget budget(ZohoLimits::uniform(windowOnly(10)), clock.clock());
        QCOMPARE(takeAll(budget, kSync), 10);
        clock.advance(30000);
        const auto read = budget.acquire(kRead);  // the read now waits for the window
        QVERIFY2(std::holds_alternative<Wait>(read), qPrintable(describe(read)));
        QCOMPARE(std::get<Wait>(read).ms, 31000);
        clock.advance(31000);  // the whole window frees up; a sync asks before the read is back
        const ZohoBudget::Decision sync = budget.acquire(kSync);
        const auto *wait = std::get_if<Wait>(&sync);
        QVERIFY2(wait, qPrintable(describe(sync)));
        QCOMPARE(wait->reason, ZohoBudgetWaitReason::ReadFirst);
        QVERIFY(take(budget, kRead));
        // The read was served: syncs go on, within the reserve (8 of 10, the read's included).
        QCOMPARE(takeAll(budget, kSync), 7);
    }

    void readWaitExpiresWhenTheReadGivesUp()
    {
        ManualEpochClock clock;
        LocalZohoBudget budget(ZohoLimits::uniform(windowOnly(10)), clock.clock());
        QCOMPARE(takeAll(budget, kSync), 10);
        clock.advance(60500);
        QCOMPARE(std::get<Wait>(budget.acquire(kRead)).ms, 500);
        clock.advance(500 + LocalZohoBudget::kReadWaitMs - 1);
        QVERIFY(!take(budget, kSync));
        clock.advance(1);
        QVERIFY(take(budget, kSync));  // the read did not come back for its slot
    }

    void concurrencyReservesSlotsForReads()
    {
        ManualEpochClock clock;
        LocalZohoBudget budget(ZohoLimits::uniform(windowOnly(1000, 5)), clock.clock());
        std::vector<ZohoLease> leases;
        for (int i = 0; i < 4; ++i) {
            const auto decision = budget.acquire(kSync);
            QVERIFY2(std::holds_alternative<Granted>(decision), qPrintable(describe(decision)));
            leases.push_back(std::get<Granted>(decision).lease);
        }
        const auto fifth = budget.acquire(kSync);  // syncs: 5 less 20 % = 4
        QVERIFY2(std::holds_alternative<Wait>(fifth), qPrintable(describe(fifth)));
        QCOMPARE(std::get<Wait>(fifth).reason, ZohoBudgetWaitReason::Concurrency);
        const auto read = budget.acquire(kRead);
        QVERIFY(std::holds_alternative<Granted>(read));
        QVERIFY(std::holds_alternative<Wait>(budget.acquire(kRead)));  // 5 in flight
        QCOMPARE(budget.snapshot().of(ZohoApiFamily::Books).inFlight, 5);

        budget.release(std::get<Granted>(read).lease, ZohoLeaseRelease::Now);
        budget.release(leases[0], ZohoLeaseRelease::KeepUntilExpiry);  // timed out
        QCOMPARE(budget.snapshot().of(ZohoApiFamily::Books).inFlight, 4);
        QVERIFY(std::holds_alternative<Wait>(budget.acquire(kSync)));  // the kept one still counts
        clock.advance(35000);  // its lease expires
        QCOMPARE(budget.snapshot().of(ZohoApiFamily::Books).inFlight, 0);  // so did the others
        QVERIFY(take(budget, kSync));
    }

    // Books: a calendar day in UTC. Syncs stop at 90 %, reads at 100 %, both start
    // again at midnight UTC.
    void dailyStopForSyncsThenReadsAndReset()
    {
        ManualEpochClock clock;  // 2024-06-11 14:45:30 UTC
        FamilyLimits books = windowOnly(100000);
        books.perDay = 1000;
        LocalZohoBudget budget(ZohoLimits::uniform(books), clock.clock());
        QCOMPARE(takeAll(budget, kSync), 900);
        const auto stopped = budget.acquire(kSync);
        QVERIFY2(std::holds_alternative<Stopped>(stopped), qPrintable(describe(stopped)));
        const Stopped &stop = std::get<Stopped>(stopped);
        QCOMPARE(stop.error.kind, ErrorKind::RateLimited);
        QCOMPARE(stop.untilMs, QDateTime(QDate(2024, 6, 12), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch());
        QVERIFY2(stop.error.message.contains(QLatin1String("900 of 1000 calls today"))
                     && stop.error.message.contains(QLatin1String("syncs stop at 90 %"))
                     && stop.error.message.contains(QLatin1String("until 2024-06-12 00:00:00 UTC")),
                 qPrintable(stop.error.message));
        QCOMPARE(takeAll(budget, kRead), 100);
        QVERIFY(std::holds_alternative<Stopped>(budget.acquire(kRead)));
        QCOMPARE(budget.snapshot().of(ZohoApiFamily::Books).dayUsed, 1000);

        clock.advance(stop.untilMs - clock.nowMs() - 1);
        QVERIFY(std::holds_alternative<Stopped>(budget.acquire(kSync)));
        clock.advance(1);
        QVERIFY(take(budget, kSync));
        QCOMPARE(budget.snapshot().of(ZohoApiFamily::Books).dayUsed, 1);
    }

    // CRM credits over a rolling 24 h, in 10-minute buckets: a bucket gives its credits
    // back only once all of it is older than 24 h, so the count is never below the truth.
    void crmCreditsRollOver24Hours()
    {
        ManualEpochClock clock;
        ZohoLimits limits = ZohoLimits::uniform(windowOnly(100000));
        limits.crm.perDay = 5000;
        limits.crm.dayKind = ZohoDayKind::Rolling24h;
        LocalZohoBudget budget(limits, clock.clock());
        const ZohoBudgetRequest bulk = ask(ZohoCallPurpose::Read, ZohoApiFamily::Crm, 50);
        const qint64 first = clock.nowMs();
        QCOMPARE(takeAll(budget, bulk), 100);  // 5,000 credits
        const auto stopped = budget.acquire(bulk);
        QVERIFY2(std::holds_alternative<Stopped>(stopped), qPrintable(describe(stopped)));
        QVERIFY(std::get<Stopped>(stopped).error.message.contains(QLatin1String("credits in the last 24 hours")));
        // Exactly 24 h later the calls are 24 h old, but their bucket is not all gone yet.
        clock.advance(86400000);
        QVERIFY(std::holds_alternative<Stopped>(budget.acquire(bulk)));
        const qint64 until = std::get<Stopped>(budget.acquire(bulk)).untilMs;
        QVERIFY(until > first + 86400000 && until <= first + 86400000 + 600000);
        clock.advance(until - clock.nowMs());
        QVERIFY(take(budget, bulk));
        QCOMPARE(budget.snapshot().of(ZohoApiFamily::Crm).dayUsed, 50);
    }

    void booksCode44HoldsTheFamilyForAWindow()
    {
        ManualEpochClock clock;
        LocalZohoBudget budget(ZohoLimits::uniform(windowOnly(100)), clock.clock());
        QCOMPARE(takeAll(budget, kSync, 10), 10);
        Error error = makeError(ErrorKind::RateLimited, QStringLiteral("too many"));
        error.code = QStringLiteral("44");
        budget.reportRejection(ZohoApiFamily::Books, error, {});
        const auto read = budget.acquire(kRead);
        QVERIFY2(std::holds_alternative<Wait>(read), qPrintable(describe(read)));
        QCOMPARE(std::get<Wait>(read).ms, 61000);
        QVERIFY(take(budget, ask(ZohoCallPurpose::Read, ZohoApiFamily::Crm)));  // other families unaffected
        clock.advance(61000);
        QVERIFY(take(budget, kRead));
    }

    void rateLimitRemainingZeroCountsAs44()
    {
        ManualEpochClock clock;
        LocalZohoBudget budget(ZohoLimits::uniform(windowOnly(100)), clock.clock());
        Error error = makeError(ErrorKind::RateLimited, QStringLiteral("429"));
        budget.reportRejection(ZohoApiFamily::Inventory, error, {{"x-rate-limit-remaining", "0"}});
        QVERIFY(std::holds_alternative<Wait>(budget.acquire(ask(ZohoCallPurpose::Read, ZohoApiFamily::Inventory))));
    }

    void booksCode45StopsEveryoneUntilTheNextDay()
    {
        ManualEpochClock clock;
        LocalZohoBudget budget(ZohoLimits{}, clock.clock());
        Error error = makeError(ErrorKind::RateLimited, QStringLiteral("daily"));
        error.code = QStringLiteral("45");
        budget.reportRejection(ZohoApiFamily::Books, error, {});
        for (const ZohoBudgetRequest &request : {kRead, kSync}) {
            const auto decision = budget.acquire(request);
            QVERIFY2(std::holds_alternative<Stopped>(decision), qPrintable(describe(decision)));
            QVERIFY(std::get<Stopped>(decision).error.message.contains(QLatin1String("until 2024-06-12 00:00:00 UTC")));
        }
        const ZohoBudgetSnapshot snapshot = budget.snapshot();
        QVERIFY(snapshot.of(ZohoApiFamily::Books).haltedUntilMs > 0);
        QVERIFY(!snapshot.of(ZohoApiFamily::Books).haltReason.isEmpty());
        clock.advance(QDateTime(QDate(2024, 6, 12), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch() - clock.nowMs());
        QVERIFY(take(budget, kSync));
    }

    void tooManyConcurrentPausesBriefly()
    {
        ManualEpochClock clock;
        LocalZohoBudget budget(ZohoLimits{}, clock.clock());
        Error error = makeError(ErrorKind::RateLimited, QStringLiteral("concurrent"));
        error.code = QStringLiteral("1070");
        budget.reportRejection(ZohoApiFamily::Books, error, {});
        const auto decision = budget.acquire(kRead);
        QVERIFY2(std::holds_alternative<Wait>(decision), qPrintable(describe(decision)));
        QCOMPARE(std::get<Wait>(decision).reason, ZohoBudgetWaitReason::Paused);
        QCOMPARE(std::get<Wait>(decision).ms, LocalZohoBudget::kPauseMs);
        clock.advance(LocalZohoBudget::kPauseMs);
        QVERIFY(take(budget, kRead));
    }

    void crmTooManyRequestsIsCreditsOnlyWhenTheyAreSpent()
    {
        ManualEpochClock clock;
        LocalZohoBudget budget(ZohoLimits{}, clock.clock());
        Error error = makeError(ErrorKind::RateLimited, QStringLiteral("too many"));
        error.code = QStringLiteral("TOO_MANY_REQUESTS");
        // Few credits used: concurrency, a short pause.
        budget.reportRejection(ZohoApiFamily::Crm, error, {});
        const ZohoBudgetRequest crm = ask(ZohoCallPurpose::Read, ZohoApiFamily::Crm);
        QCOMPARE(std::get<Wait>(budget.acquire(crm)).reason, ZohoBudgetWaitReason::Paused);
        clock.advance(LocalZohoBudget::kPauseMs);
        QVERIFY(take(budget, crm));
        // Zoho says no credits remain: stopped until our oldest credits roll out.
        budget.reportRejection(ZohoApiFamily::Crm, error, {{"X-API-CREDITS-REMAINING", "0"}});
        const auto decision = budget.acquire(crm);
        QVERIFY2(std::holds_alternative<Stopped>(decision), qPrintable(describe(decision)));
        QVERIFY(std::get<Stopped>(decision).error.message.contains(QLatin1String("credits")));
    }

    void setLimitsAppliesToTheNextAcquire()
    {
        ManualEpochClock clock;
        LocalZohoBudget budget(ZohoLimits::uniform(windowOnly(10)), clock.clock());
        QCOMPARE(takeAll(budget, kSync), 10);
        budget.setLimits(ZohoLimits::uniform(windowOnly(15)));
        QCOMPARE(takeAll(budget, kSync), 5);
        QCOMPARE(budget.limits().books.perWindow, 15);
        QCOMPARE(budget.snapshot().of(ZohoApiFamily::Books).windowUsed, 15);
    }

    void defaultsAndPlans()
    {
        const ZohoLimits defaults;
        QCOMPARE(defaults.books.perWindow, 100);
        QCOMPARE(defaults.books.windowMs, 60000);
        QCOMPARE(defaults.books.windowSlackMs, 1000);
        QCOMPARE(defaults.books.perDay, 1000);
        QCOMPARE(defaults.books.dayKind, ZohoDayKind::CalendarUtc);
        QCOMPARE(defaults.books.concurrency, 5);
        QCOMPARE(defaults.books.readReservePct, 20);
        QCOMPARE(defaults.books.syncDailyStopPct, 90);
        QCOMPARE(defaults.books.syncWindowCap(), 80);
        QCOMPARE(defaults.books.syncConcurrencyCap(), 4);
        QCOMPARE(defaults.books.syncDailyCap(), 900);
        QCOMPARE(defaults.crm.perDay, 5000);
        QCOMPARE(defaults.crm.dayKind, ZohoDayKind::Rolling24h);
        QVERIFY(defaults.validate().ok());

        QCOMPARE(ZohoLimits::forBooksPlan(QStringLiteral("Professional"))->perDay, 5000);
        QCOMPARE(ZohoLimits::forBooksPlan(QStringLiteral("professional"))->concurrency, 10);
        QCOMPARE(ZohoLimits::forBooksPlan(QStringLiteral("free"))->concurrency, 5);
        QCOMPARE(ZohoLimits::forBooksPlan(QStringLiteral("gold")).error().kind, ErrorKind::InvalidArgument);

        QCOMPARE(ZohoLimits::forCrmEdition(QStringLiteral("free"), 3)->perDay, 5000);
        QCOMPARE(ZohoLimits::forCrmEdition(QStringLiteral("standard"), 10)->perDay, 52500);
        QCOMPARE(ZohoLimits::forCrmEdition(QStringLiteral("standard"), 1000)->perDay, 100000);
        QCOMPARE(ZohoLimits::forCrmEdition(QStringLiteral("enterprise"), 10)->perDay, 60000);
        QCOMPARE(ZohoLimits::forCrmEdition(QStringLiteral("ultimate"), 1)->concurrency, 25);
        QCOMPARE(ZohoLimits::forCrmEdition(QStringLiteral("ultimate"), 1)->dayKind, ZohoDayKind::Rolling24h);
        QVERIFY(!ZohoLimits::forCrmEdition(QStringLiteral("standard"), 0).ok());
        // Free has no licences to count (the seeded row has 0); a negative count is refused.
        QCOMPARE(ZohoLimits::forCrmEdition(QStringLiteral("free"), 0)->perDay, 5000);
        QVERIFY(!ZohoLimits::forCrmEdition(QStringLiteral("free"), -1).ok());
        QVERIFY(!ZohoLimits::forCrmEdition(QStringLiteral("bronze"), 5).ok());

        FamilyLimits bad;
        bad.perWindow = 0;
        QVERIFY(!bad.validate().ok());
        bad = {};
        bad.readReservePct = 120;
        QVERIFY(!bad.validate().ok());
    }

    void familyFromPath()
    {
        QCOMPARE(ZohoRequest::get(QStringLiteral("/books/v3/items")).family(), ZohoApiFamily::Books);
        QCOMPARE(ZohoRequest::get(QStringLiteral("/inventory/v1/items")).family(), ZohoApiFamily::Inventory);
        QCOMPARE(ZohoRequest::get(QStringLiteral("/crm/v2/Students/search")).family(), ZohoApiFamily::Crm);
    }
};

QTEST_GUILESS_MAIN(TestLocalZohoBudget)
#include "tst_localzohobudget.moc"
