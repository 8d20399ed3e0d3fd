// kill -9 of a process holding CRM leases: its slots come back when the leases expire,
// not before and not later (pinned time on both sides, so no waiting on the real clock).
#include "budget/rediszohobudget.h"
#include "core/connectionprofile.h"
#include "manualepochclock.h"
#include "redis/redisconnection.h"
#include "testsandbox.h"

#include <QProcess>
#include <QTest>

using namespace tiersync;

class TestLeaseExpiry final : public QObject {
    Q_OBJECT

private slots:
    void killedHolderGivesSlotsBackAtExpiry();
};

void TestLeaseExpiry::killedHolderGivesSlotsBackAtExpiry()
{
    TIERSYNC_REQUIRE_SANDBOX(profile);
    RedisSettings redis = profile.redis;
    redis.db = 32;
    constexpr int kLeases = 3;
    constexpr qint64 kLeaseMs = 30000;
    test::ManualEpochClock clock;
    const qint64 start = clock.nowMs();
    const QString scope = QStringLiteral("kill9-%1").arg(QCoreApplication::applicationPid());

    QProcess holder;
    holder.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QString::fromLatin1(env::kRedisUrl), redis.toUrl(/*withPassword=*/true));
    holder.setProcessEnvironment(environment);
    holder.start(QStringLiteral(BUDGET_LEASE_HOLDER),
                 {scope, QString::number(start), QString::number(kLeases), QString::number(kLeaseMs)});
    QVERIFY2(holder.waitForStarted(10000), qPrintable(holder.errorString()));
    QByteArray said;
    while (!said.contains('\n') && holder.state() == QProcess::Running && holder.waitForReadyRead(30000))
        said += holder.readAllStandardOutput();
    QCOMPARE(said.trimmed(), QByteArray("held 3"));

    ZohoSettings zoho;
    zoho.orgId = scope + QStringLiteral("-org");
    zoho.clientId = scope + QStringLiteral("-client");
    FamilyLimits crm = ZohoLimits::crmDefaults();
    crm.concurrency = kLeases;
    ZohoLimits limits;
    limits.crm = crm;
    RedisZohoBudget::Options options;
    options.clock = clock.clock();
    options.instanceId = scope + QStringLiteral(":test");
    RedisZohoBudget budget(redis, zoho, limits, options);
    ZohoBudgetRequest request;
    request.family = ZohoApiFamily::Crm;
    request.leaseMs = kLeaseMs;

    clock.advance(1);
    auto denied = budget.acquire(request);
    QVERIFY(std::holds_alternative<ZohoBudget::Wait>(denied));
    QCOMPARE(std::get<ZohoBudget::Wait>(denied).reason, ZohoBudgetWaitReason::Concurrency);
    QCOMPARE(budget.snapshot().of(ZohoApiFamily::Crm).inFlight, kLeases);

    holder.kill();  // SIGKILL: no release, no goodbye
    QVERIFY(holder.waitForFinished(10000));
    QCOMPARE(holder.exitStatus(), QProcess::CrashExit);

    clock.advance(start + kLeaseMs - 1 - clock.nowMs());
    denied = budget.acquire(request);
    QVERIFY(std::holds_alternative<ZohoBudget::Wait>(denied));
    QCOMPARE(std::get<ZohoBudget::Wait>(denied).reason, ZohoBudgetWaitReason::Concurrency);
    QCOMPARE(std::get<ZohoBudget::Wait>(denied).ms, 1);

    clock.advance(1);  // the holder's leases expire now
    for (int i = 0; i < kLeases; ++i)
        QVERIFY(std::holds_alternative<ZohoBudget::Granted>(budget.acquire(request)));
    QVERIFY(!std::holds_alternative<ZohoBudget::Granted>(budget.acquire(request)));
    QCOMPARE(budget.snapshot().of(ZohoApiFamily::Crm).inFlight, kLeases);
}

QTEST_GUILESS_MAIN(TestLeaseExpiry)
#include "tst_leaseexpiry.moc"
