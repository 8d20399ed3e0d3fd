// The Overview's view of the organisation's Zoho budget, against the fixture's real Redis
// and a scratch database: two RedisZohoBudgets with their own instance ids stand for two
// processes, a RedisTokenStore writes the shared token, and the console reads the
// figures back exactly (ZohoBudgetStore, then EngineStatisticsService on its loading thread) with
// the limits of tiersync.zoho_limits, never seeing the token. Time is pinned.
#include "budget/rediszohobudget.h"
#include "budget/redistokenstore.h"
#include "budget/zohobudgetstore.h"
#include "budget/zoholimitsrepository.h"
#include "cache/cacheengine.h"
#include "console/enginestatisticsservice.h"
#include "console/servicethread.h"
#include "manualepochclock.h"
#include "redis/redisconnection.h"
#include "scratchprofile.h"
#include "store/pgconnection.h"
#include "testsandbox.h"
#include "verifyok.h"
#include "zoho/zohoservice.h"

#include <QSemaphore>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace tiersync;

namespace {

constexpr int kDb = 37;  // this test class's own Redis database
constexpr int kTimeoutMs = 30000;
constexpr qint64 kTokenAgeMs = 12 * 60000;
const QString kA = QStringLiteral("host-a:101");
const QString kB = QStringLiteral("host-b:202");
const QString kAccessToken = QStringLiteral("1000.overview-access-token-in-clear");

ZohoBudgetRequest request(ZohoApiFamily family, ZohoCallPurpose purpose = ZohoCallPurpose::Read, int credits = 1)
{
    ZohoBudgetRequest r;
    r.family = family;
    r.purpose = purpose;
    r.credits = credits;
    return r;
}

Error rejection(const QString &code)
{
    Error e = makeError(ErrorKind::RateLimited, QStringLiteral("Zoho answered %1").arg(code));
    e.code = code;
    return e;
}

// Every text the snapshot carries, for "the token is nowhere in it".
QString allText(const OverviewSnapshot &s)
{
    QStringList parts{s.redisMessage, s.pgMessage, s.budgetMessage, s.budgetLimitsMessage, s.budget.token.refreshedBy,
                      s.budget.token.problem};
    for (const ZohoBudgetFamilySnapshot &family : s.budget.totals.families)
        parts << family.haltReason;
    for (const ZohoBudgetInstanceUse &use : s.budget.instances)
        parts << use.instanceId;
    for (const InstanceHeartbeat &beat : s.instances)
        parts << beat.host << beat.circuit;
    return parts.join(QLatin1Char('\n'));
}

}  // namespace

class TestOverviewBudget final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::ScratchProfile> m_scratch;
    ConnectionProfile m_profile;
    ZohoLimits m_limits;
    test::ManualEpochClock m_clock;
    QByteArray m_sealed;  // the token record's sealed part, as Redis holds it
    qint64 m_refreshedAtMs = 0;

    std::unique_ptr<RedisZohoBudget> budget(const QString &instanceId) const
    {
        RedisZohoBudget::Options options;
        options.clock = m_clock.clock();
        options.instanceId = instanceId;
        return std::make_unique<RedisZohoBudget>(m_profile.redis, m_profile.zoho, m_limits, options);
    }

    // The organisation's limits, stored where every process (and the console) reads them.
    void storeLimits()
    {
        m_limits.books.perWindow = 10;
        m_limits.books.concurrency = 6;  // syncs may hold 6 less the read reserve: 4
        m_limits.books.perDay = 500;
        m_limits.inventory.perWindow = 8;
        m_limits.inventory.concurrency = 3;
        m_limits.inventory.perDay = 400;
        m_limits.crm.perWindow = 20;
        m_limits.crm.concurrency = 6;
        m_limits.crm.perDay = 7000;
        PgConnection connection(m_profile.pg);
        ZohoLimitsRepository repository(connection);
        auto rows = repository.rows();
        VERIFY_OK(rows);
        for (ZohoLimitsRepository::Row row : *rows) {
            row.limits = m_limits.of(row.family);
            VERIFY_OK(repository.save(row, QStringLiteral("tst_overviewbudget")));
        }
        auto loaded = repository.load();
        VERIFY_OK(loaded);
        QCOMPARE(loaded->books.perWindow, 10);
    }

    // A refreshes the shared token; twelve minutes later the two processes spend budget:
    //   A: Books 3 calls (1 released), Inventory 1 call held, then Zoho's 44 on Inventory;
    //   B: Books 2 syncs held, CRM 1 call of 2 credits held, then Zoho's 45 on Books.
    void spend()
    {
        RedisTokenStore::Options tokenOptions;
        tokenOptions.clock = m_clock.clock();
        tokenOptions.owner = kA;
        RedisTokenStore tokens(m_profile.redis, m_profile.zoho, tokenOptions);
        auto ticket = tokens.beginRefresh(30000);
        VERIFY_OK(ticket);
        QCOMPARE(ticket->kind, RefreshTicket::Kind::Granted);
        OAuthToken token;
        token.accessToken = Secret(kAccessToken);
        token.expiresInMs = 3540000;
        VERIFY_OK(tokens.finishRefresh(*ticket, token));
        m_refreshedAtMs = m_clock.nowMs();
        auto record = RedisConnection(m_profile.redis).command({"GET", tokens.key()});
        VERIFY_OK(record);
        const QList<QByteArray> fields = record->bytes().split('.');
        QCOMPARE(fields.size(), 5);
        m_sealed = fields.last();
        QVERIFY(!record->bytes().contains(kAccessToken.toUtf8()));
        m_clock.advance(kTokenAgeMs);

        auto a = budget(kA);
        auto b = budget(kB);
        QList<ZohoLease> leases;
        for (int i = 0; i < 3; ++i) {
            const auto d = a->acquire(request(ZohoApiFamily::Books));
            QVERIFY(std::holds_alternative<ZohoBudget::Granted>(d));
            leases << std::get<ZohoBudget::Granted>(d).lease;
        }
        a->release(leases.first(), ZohoLeaseRelease::Now);
        QVERIFY(std::holds_alternative<ZohoBudget::Granted>(a->acquire(request(ZohoApiFamily::Inventory))));
        QCOMPARE(a->pendingReleases(), 0);  // the release went with that acquire
        for (int i = 0; i < 2; ++i)
            QVERIFY(std::holds_alternative<ZohoBudget::Granted>(
                b->acquire(request(ZohoApiFamily::Books, ZohoCallPurpose::Sync))));
        QVERIFY(std::holds_alternative<ZohoBudget::Granted>(b->acquire(request(ZohoApiFamily::Crm,
                                                                               ZohoCallPurpose::Read, 2))));
        a->reportRejection(ZohoApiFamily::Inventory, rejection(QStringLiteral("44")), {});
        b->reportRejection(ZohoApiFamily::Books, rejection(QStringLiteral("45")), {});
    }

    void verifyUsage(const ZohoBudgetUsage &usage) const
    {
        const qint64 now = m_clock.nowMs();
        const qint64 midnight = (now / 86400000 + 1) * 86400000;
        QCOMPARE(usage.totals.atMs, now);
        QCOMPARE(usage.liveInstances, 2);

        const ZohoBudgetFamilySnapshot &books = usage.totals.of(ZohoApiFamily::Books);
        QCOMPARE(books.windowUsed, 5);
        QCOMPARE(books.windowLimit, 10);
        QCOMPARE(books.inFlight, 4);
        QCOMPARE(books.concurrency, 6);
        QCOMPARE(books.dayUsed, 5);
        QCOMPARE(books.dayLimit, 500);
        QCOMPARE(books.haltedUntilMs, midnight);
        QVERIFY2(books.haltReason.contains(QLatin1String("45")), qPrintable(books.haltReason));
        // 44 filled Inventory's window to its limit: A's one call and 7 slots of nobody's.
        const ZohoBudgetFamilySnapshot &inventory = usage.totals.of(ZohoApiFamily::Inventory);
        QCOMPARE(inventory.windowUsed, 8);
        QCOMPARE(inventory.windowLimit, 8);
        QCOMPARE(inventory.inFlight, 1);
        QCOMPARE(inventory.dayUsed, 1);
        QCOMPARE(inventory.haltedUntilMs, 0);
        QCOMPARE(usage.otherWindowUsed[size_t(ZohoApiFamily::Inventory)], 7);
        QCOMPARE(usage.otherWindowUsed[size_t(ZohoApiFamily::Books)], 0);
        const ZohoBudgetFamilySnapshot &crm = usage.totals.of(ZohoApiFamily::Crm);
        QCOMPARE(crm.windowUsed, 1);
        QCOMPARE(crm.windowLimit, 20);
        QCOMPARE(crm.inFlight, 1);
        QCOMPARE(crm.concurrency, 6);
        QCOMPARE(crm.dayUsed, 2);  // credits
        QCOMPARE(crm.dayLimit, 7000);

        QCOMPARE(usage.instances.size(), 2);
        const ZohoBudgetInstanceUse *a = usage.instance(kA);
        const ZohoBudgetInstanceUse *b = usage.instance(kB);
        QVERIFY(a && b);
        QCOMPARE(a->lastAcquireMs, now);
        QCOMPARE(b->lastAcquireMs, now);
        QCOMPARE(a->windowUsed, (std::array<int, 3>{3, 1, 0}));
        QCOMPARE(a->inFlight, (std::array<int, 3>{2, 1, 0}));
        QCOMPARE(b->windowUsed, (std::array<int, 3>{2, 0, 1}));
        QCOMPARE(b->inFlight, (std::array<int, 3>{2, 0, 1}));
        // The parts add up to the totals.
        for (int f = 0; f < kZohoApiFamilyCount; ++f) {
            QCOMPARE(a->windowUsed[size_t(f)] + b->windowUsed[size_t(f)] + usage.otherWindowUsed[size_t(f)],
                     usage.totals.families[size_t(f)].windowUsed);
            QCOMPARE(a->inFlight[size_t(f)] + b->inFlight[size_t(f)], usage.totals.families[size_t(f)].inFlight);
        }

        QVERIFY2(usage.token.present, qPrintable(usage.token.problem));
        QCOMPARE(usage.token.refreshedAtMs, m_refreshedAtMs);
        QCOMPARE(now - usage.token.refreshedAtMs, kTokenAgeMs);
        QCOMPARE(usage.token.expiresAtMs, m_refreshedAtMs + 3540000);
        QCOMPARE(usage.token.refreshedBy, kA);
    }

private Q_SLOTS:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("overviewzohobudget"), kDb);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
        m_profile = m_scratch->profile();
        m_profile.zoho.orgId = QStringLiteral("org-overview");
        m_profile.zoho.clientId = QStringLiteral("client-overview");
        m_profile.zoho.clientSecret = Secret(QStringLiteral("secret-overview"));
        storeLimits();
        spend();
    }

    void storeReadsExactTotalsSplitsAndTokenAge()
    {
        RedisConnection redis(m_profile.redis);
        auto usage = ZohoBudgetStore(redis, m_profile.zoho).read(m_limits, m_clock.nowMs());
        VERIFY_OK(usage);
        verifyUsage(*usage);
        // A budget's own snapshot() runs the same script: the same totals.
        auto a = budget(kA);
        const ZohoBudgetSnapshot own = a->snapshot();
        QCOMPARE(own.mode, ZohoBudgetMode::Shared);
        for (int f = 0; f < kZohoApiFamilyCount; ++f) {
            QCOMPARE(own.families[size_t(f)].windowUsed, usage->totals.families[size_t(f)].windowUsed);
            QCOMPARE(own.families[size_t(f)].inFlight, usage->totals.families[size_t(f)].inFlight);
            QCOMPARE(own.families[size_t(f)].dayUsed, usage->totals.families[size_t(f)].dayUsed);
        }
    }

    void leavingTheWindowEmptiesTheSplitButNotTheDay()
    {
        RedisConnection redis(m_profile.redis);
        const qint64 window = m_limits.books.effectiveWindowMs();
        auto usage = ZohoBudgetStore(redis, m_profile.zoho).read(m_limits, m_clock.nowMs() + window);
        VERIFY_OK(usage);
        QCOMPARE(usage->totals.of(ZohoApiFamily::Books).windowUsed, 0);
        QCOMPARE(usage->totals.of(ZohoApiFamily::Books).dayUsed, 5);
        QCOMPARE(usage->totals.of(ZohoApiFamily::Books).inFlight, 0);  // unreleased leases expire after 35 s
        QCOMPARE(usage->totals.of(ZohoApiFamily::Crm).dayUsed, 2);
        QCOMPARE(usage->liveInstances, 0);
        QVERIFY(usage->instances.isEmpty());
        QVERIFY(usage->token.present);  // an hour's token, 13 minutes old
    }

    // Each process's heartbeat says where its budget is kept, from the budget's state
    // (no round trip): shared, or its fallback share while Redis cannot be reached.
    void heartbeatCarriesTheBudgetMode()
    {
        const auto describe = [](const std::shared_ptr<ZohoBudget> &budget) {
            ZohoClientOptions options;
            options.budget = budget;
            ZohoService service(ZohoSettings{}, options);
            InstanceHeartbeat beat;
            describeZohoClient(*service.client(), beat);
            return beat;
        };
        QCOMPARE(describe(nullptr).zohoBudgetMode, QStringLiteral("local"));
        std::shared_ptr<RedisZohoBudget> shared = budget(QStringLiteral("host-c:303"));
        QCOMPARE(describe(shared).zohoBudgetMode, QStringLiteral("shared"));
        // A process that calls only CRM is live too (its registry is the CRM scope's), in an
        // organisation of its own so the figures above stay as they are.
        {
            ZohoSettings other = m_profile.zoho;
            other.orgId = QStringLiteral("org-crm-only");
            other.clientId = QStringLiteral("client-crm-only");
            RedisZohoBudget::Options options;
            options.clock = m_clock.clock();
            options.instanceId = QStringLiteral("host-e:505");
            RedisZohoBudget crmOnly(m_profile.redis, other, m_limits, options);
            options.instanceId = QStringLiteral("host-f:606");
            RedisZohoBudget booksOnly(m_profile.redis, other, m_limits, options);
            QVERIFY(std::holds_alternative<ZohoBudget::Granted>(crmOnly.acquire(request(ZohoApiFamily::Crm))));
            QVERIFY(std::holds_alternative<ZohoBudget::Granted>(booksOnly.acquire(request(ZohoApiFamily::Books))));
            RedisConnection redis(m_profile.redis);
            auto usage = ZohoBudgetStore(redis, other).read(m_limits, m_clock.nowMs());
            VERIFY_OK(usage);
            QCOMPARE(usage->liveInstances, 2);
            QCOMPARE(usage->instances.size(), 2);
            QCOMPARE(usage->instance(QStringLiteral("host-e:505"))->windowUsed, (std::array<int, 3>{0, 0, 1}));
            QCOMPARE(usage->instance(QStringLiteral("host-f:606"))->windowUsed, (std::array<int, 3>{1, 0, 0}));
            QVERIFY(!usage->token.present);  // that client has no token yet
        }

        RedisSettings dead = m_profile.redis;
        dead.port = 1;  // nothing listens: refused at once
        RedisZohoBudget::Options options;
        options.clock = m_clock.clock();
        options.instanceId = QStringLiteral("host-d:404");
        auto cut = std::make_shared<RedisZohoBudget>(dead, m_profile.zoho, m_limits, options);
        (void)cut->acquire(request(ZohoApiFamily::Books));
        const InstanceHeartbeat beat = describe(cut);
        QCOMPARE(beat.zohoBudgetMode, QStringLiteral("fallback"));
        QCOMPARE(InstanceHeartbeat::fromFields(beat.toFields()).zohoBudgetMode, QStringLiteral("fallback"));
    }

    void statisticsServiceShowsTheBudgetFromItsLoadingThread()
    {
        // The loading thread the service is given, held by another lane's job: the read
        // waits its turn there, never runs on the caller's thread.
        auto loads = std::make_shared<ServiceThread>(QStringLiteral("test-loads"));
        EngineStatisticsService service(nullptr, m_clock.clock(), loads);
        ServiceLane other(loads);
        QSemaphore held;
        other.post([&held] { held.acquire(); });
        service.setProfile(m_profile);
        QSignalSpy loaded(&service, &StatisticsService::overviewLoaded);
        service.loadOverview();
        QCoreApplication::processEvents();
        QCOMPARE(loaded.size(), 0);  // returned at once; the answer comes later
        held.release();
        QTRY_VERIFY_WITH_TIMEOUT(loaded.size() == 1, kTimeoutMs);
        const auto snapshot = loaded.first().first().value<OverviewSnapshot>();
        QVERIFY2(snapshot.budgetKnown, qPrintable(snapshot.budgetMessage));
        QVERIFY2(snapshot.budgetLimitsMessage.isEmpty(), qPrintable(snapshot.budgetLimitsMessage));
        verifyUsage(snapshot.budget);  // limits from tiersync.zoho_limits: 10, 8, 20 per window
        QCOMPARE(snapshot.zohoBudgetPerMinute, 10.0);  // no engine reports one: the organisation's

        const QString text = allText(snapshot);
        QVERIFY(!text.contains(kAccessToken));
        QVERIFY(!text.contains(QString::fromLatin1(m_sealed)));
        QVERIFY(!text.contains(QString::fromLatin1(m_sealed.left(16))));
    }
};

QTEST_GUILESS_MAIN(TestOverviewBudget)
#include "tst_overviewbudget.moc"
