#include "budget/rediszohobudget.h"
#include "budget/zoholimitsrepository.h"
#include "host/engineservices.h"
#include "redis/redisconnection.h"
#include "scratchprofile.h"
#include "store/pgconnection.h"
#include "testsandbox.h"
#include "verifyok.h"
#include "zoho/zohoclient.h"
#include "zoho/zohoservice.h"

#include <QTest>

#include <memory>

using namespace tiersync;

namespace {

constexpr int kDb = 39;  // this test class's own Redis database
constexpr int kNotifyTimeoutMs = 20000;

// One process's budget as the composition root made it.
std::shared_ptr<ZohoBudget> budgetOf(EngineServices &services)
{
    return services.zoho()->client()->budget();
}

ZohoBudgetRequest read(ZohoApiFamily family)
{
    ZohoBudgetRequest request;
    request.family = family;
    request.purpose = ZohoCallPurpose::Read;
    request.leaseMs = 60000;
    return request;
}

}  // namespace

// The organisation's budget as the composition root wires it: every EngineServices (one
// per process and profile) shares Zoho's limits through Redis, with the limits kept in
// PostgreSQL (tiersync.zoho_limits) and followed as an admin changes them. Two
// EngineServices on one profile stand for two processes (the instance ids differ).
class TestOrgBudget final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::ScratchProfile> m_scratch;
    ConnectionProfile m_profile;

    Status saveBooks(int perWindow, int concurrency, qint64 perDay)
    {
        ZohoLimitsRepository repository(PgConnection::forCurrentThread(m_profile.pg));
        ZohoLimitsRepository::Row row;
        row.family = ZohoApiFamily::Books;
        row.plan = QStringLiteral("standard");
        row.limits = ZohoLimits{}.books;
        row.limits.perWindow = perWindow;
        row.limits.concurrency = concurrency;
        row.limits.perDay = perDay;
        return repository.save(row, QStringLiteral("tst_orgbudget"));
    }

private Q_SLOTS:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("orgbudget"), kDb,
                                                    test::ScratchProfile::Schema::Empty);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
        m_profile = m_scratch->profile();
        // Nothing here calls Zoho: the budget is asked directly.
        m_profile.zoho.apiBase = QStringLiteral("http://127.0.0.1:1");
        m_profile.zoho.accountsUrl = QStringLiteral("http://127.0.0.1:1");
    }

    void init() { VERIFY_OK(RedisConnection(m_profile.redis).command({"FLUSHDB"})); }

    void cleanupTestCase()
    {
        if (m_scratch)
            (void)RedisConnection(m_profile.redis).command({"FLUSHDB"});
    }

    void theBudgetIsSharedAndStartsFromTheStoredLimits()
    {
        auto services = EngineServices::create(m_profile);
        const std::shared_ptr<ZohoBudget> budget = budgetOf(*services);
        auto *shared = dynamic_cast<RedisZohoBudget *>(budget.get());
        QVERIFY2(shared != nullptr, "the composition root shares the budget through Redis");
        // The migration seeds Zoho's defaults for a free organisation.
        QCOMPARE(budget->limits(), ZohoLimits{});
        ZohoLimitsRepository repository(PgConnection::forCurrentThread(m_profile.pg));
        auto rows = repository.rows();
        VERIFY_OK(rows);
        QCOMPARE(rows->size(), 3);
        QCOMPARE(rows->at(0).updatedBy, QStringLiteral("migration"));
        QVERIFY(rows->at(0).updatedAt.isValid());
    }

    void twoProcessesNeverPassTheLimitTogether()
    {
        VERIFY_OK(saveBooks(/*perWindow=*/6, /*concurrency=*/3, /*perDay=*/1000));
        auto first = EngineServices::create(m_profile);
        auto second = EngineServices::create(m_profile);
        const std::shared_ptr<ZohoBudget> a = budgetOf(*first);
        const std::shared_ptr<ZohoBudget> b = budgetOf(*second);
        QVERIFY(a != b);
        QCOMPARE(a->limits().books.perWindow, 6);
        QVERIFY(static_cast<RedisZohoBudget *>(a.get())->instanceId()
                != static_cast<RedisZohoBudget *>(b.get())->instanceId());

        // Concurrency: 3 slots for the organisation, whichever process holds them.
        QList<std::pair<ZohoBudget *, ZohoLease>> held;
        int granted = 0;
        for (int i = 0; i < 4; ++i) {
            ZohoBudget *budget = i % 2 == 0 ? a.get() : b.get();
            const ZohoBudget::Decision decision = budget->acquire(read(ZohoApiFamily::Books));
            if (const auto *grant = std::get_if<ZohoBudget::Granted>(&decision)) {
                held.append({budget, grant->lease});
                ++granted;
            } else {
                const auto *wait = std::get_if<ZohoBudget::Wait>(&decision);
                QVERIFY(wait != nullptr);
                QCOMPARE(wait->reason, ZohoBudgetWaitReason::Concurrency);
            }
        }
        QCOMPARE(granted, 3);
        for (const auto &[budget, lease] : std::as_const(held))
            budget->release(lease, ZohoLeaseRelease::Now);

        // The window: 6 calls a minute for both; 3 are spent already.
        for (int i = 0; i < 3; ++i) {
            ZohoBudget *budget = i % 2 == 0 ? b.get() : a.get();
            const ZohoBudget::Decision decision = budget->acquire(read(ZohoApiFamily::Books));
            const auto *grant = std::get_if<ZohoBudget::Granted>(&decision);
            QVERIFY(grant != nullptr);
            budget->release(grant->lease, ZohoLeaseRelease::Now);
        }
        for (ZohoBudget *budget : {a.get(), b.get()}) {
            const ZohoBudget::Decision decision = budget->acquire(read(ZohoApiFamily::Books));
            const auto *wait = std::get_if<ZohoBudget::Wait>(&decision);
            QVERIFY(wait != nullptr);
            QCOMPARE(wait->reason, ZohoBudgetWaitReason::Window);
        }
        const ZohoBudgetSnapshot total = a->snapshot();
        QCOMPARE(total.mode, ZohoBudgetMode::Shared);
        QCOMPARE(total.of(ZohoApiFamily::Books).windowUsed, 6);
        QCOMPARE(total.of(ZohoApiFamily::Books).dayUsed, 6);
        // CRM is another family with a budget of its own.
        const ZohoBudget::Decision crm = b->acquire(read(ZohoApiFamily::Crm));
        QVERIFY(std::holds_alternative<ZohoBudget::Granted>(crm));
        b->release(std::get<ZohoBudget::Granted>(crm).lease, ZohoLeaseRelease::Now);
    }

    void aChangeReachesEveryRunningProcess()
    {
        VERIFY_OK(saveBooks(100, 5, 1000));
        auto first = EngineServices::create(m_profile);
        auto second = EngineServices::create(m_profile);
        const std::shared_ptr<ZohoBudget> a = budgetOf(*first);
        const std::shared_ptr<ZohoBudget> b = budgetOf(*second);
        QCOMPARE(a->limits().books.perWindow, 100);

        VERIFY_OK(saveBooks(40, 10, 5000));
        // NOTIFY tiersync_settings, 'zoho_limits' reaches each process's listener.
        QTRY_COMPARE_WITH_TIMEOUT(a->limits().books.perWindow, 40, kNotifyTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(b->limits().books.perWindow, 40, kNotifyTimeoutMs);
        QCOMPARE(a->limits().books.concurrency, 10);
        QCOMPARE(b->limits().books.perDay, 5000);
        QCOMPARE(a->limits().crm, ZohoLimits{}.crm);  // only what was saved changed
    }

    void badLimitsAreRefusedAndNothingIsStored()
    {
        VERIFY_OK(saveBooks(100, 5, 1000));
        const Status zeroWindow = saveBooks(0, 5, 1000);
        QVERIFY(!zeroWindow);
        QCOMPARE(zeroWindow.error().kind, ErrorKind::InvalidArgument);
        QVERIFY2(zeroWindow.error().message.contains(QLatin1String("books")), qPrintable(zeroWindow.error().message));
        QVERIFY(!saveBooks(100, 0, 1000));
        QVERIFY(!saveBooks(100, 5, -1));
        ZohoLimitsRepository repository(PgConnection::forCurrentThread(m_profile.pg));
        auto limits = repository.load();
        VERIFY_OK(limits);
        QCOMPARE(limits->books.perWindow, 100);
        QCOMPARE(limits->books.concurrency, 5);
    }

    void withoutADatabaseTheDefaultsHold()
    {
        ConnectionProfile broken = m_profile;
        broken.pg = PgSettings::fromDsn(QStringLiteral("host=127.0.0.1 port=1 dbname=none connect_timeout=1")).value();
        auto services = EngineServices::create(broken);
        const std::shared_ptr<ZohoBudget> budget = budgetOf(*services);
        QVERIFY(dynamic_cast<RedisZohoBudget *>(budget.get()) != nullptr);
        QCOMPARE(budget->limits(), ZohoLimits{});
    }
};

QTEST_GUILESS_MAIN(TestOrgBudget)
#include "tst_orgbudget.moc"
