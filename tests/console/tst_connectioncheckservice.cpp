// EngineConnectionCheckService, the status bar's health and the Settings page's "Test
// connection", against the fixture's Redis and PostgreSQL, and a server that accepts a
// connection and never answers (a dead PostgreSQL as a firewall makes it look): a check
// waiting on it holds up no page's loads, since checks run on a thread of their own.
#include "console/engineconnectioncheckservice.h"
#include "console/enginestatisticsservice.h"
#include "console/servicethread.h"
#include "manualepochclock.h"
#include "scratchprofile.h"
#include "testsandbox.h"
#include "verifyok.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>

using namespace tiersync;

namespace {

constexpr int kDb = 84;  // this test class's own Redis database
constexpr int kTimeoutMs = 30000;

ConnectionCheck checkOf(const QSignalSpy &spy, ConnectionCheck::Service service)
{
    for (const QList<QVariant> &arguments : spy) {
        const auto check = arguments.first().value<ConnectionCheck>();
        if (check.service == service)
            return check;
    }
    return {};
}

}  // namespace

class TestConnectionCheckService final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::ScratchProfile> m_scratch;
    ConnectionProfile m_profile;

private Q_SLOTS:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("connectionchecks"), kDb);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
        m_profile = m_scratch->profile();
    }

    void healthOfTheProfileInUse()
    {
        EngineConnectionCheckService checks(nullptr);
        QSignalSpy checked(&checks, &ConnectionCheckService::healthChecked);
        checks.checkHealth();  // no profile yet: nothing to check
        QCoreApplication::processEvents();
        QCOMPARE(checked.size(), 0);

        ConnectionProfile profile = m_profile;
        profile.zoho.accountsUrl.clear();
        checks.setProfile(profile);
        checks.checkHealth();
        QTRY_COMPARE_WITH_TIMEOUT(checked.size(), 3, kTimeoutMs);
        const ConnectionCheck redis = checkOf(checked, ConnectionCheck::Service::Redis);
        QVERIFY2(redis.ok, qPrintable(redis.message));
        QVERIFY2(redis.message.startsWith(QStringLiteral("Connected — Redis")), qPrintable(redis.message));
        QCOMPARE(redis.target, profile.redis.toUrl());
        const ConnectionCheck pg = checkOf(checked, ConnectionCheck::Service::Postgres);
        QVERIFY2(pg.ok, qPrintable(pg.message));
        QVERIFY2(pg.message.contains(QLatin1String("TierSync tables present")), qPrintable(pg.message));
        const ConnectionCheck zoho = checkOf(checked, ConnectionCheck::Service::Zoho);
        QVERIFY(!zoho.ok);
        QCOMPARE(zoho.message, QStringLiteral("No Zoho data centre configured."));
    }

    void aTestOnADeadServerHoldsUpNoLoads()
    {
        // Accepts (the kernel does) and never answers; PostgreSQL's client waits for its
        // greeting until the connect timeout the profile sets (a minute), or until the
        // test closes the connection.
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost));
        ConnectionProfile dead = m_profile;
        dead.pg.options.insert(QStringLiteral("host"), QStringLiteral("127.0.0.1"));
        dead.pg.options.insert(QStringLiteral("port"), QString::number(silent.serverPort()));
        dead.pg.options.insert(QStringLiteral("connect_timeout"), QStringLiteral("60"));

        auto loads = std::make_shared<ServiceThread>(QStringLiteral("test-loads"));
        const test::ManualEpochClock clock;
        EngineStatisticsService statistics(nullptr, clock.clock(), loads);
        EngineConnectionCheckService checks(nullptr);
        QSignalSpy tested(&checks, &ConnectionCheckService::testFinished);
        checks.test(ConnectionCheck::Service::Postgres, dead);
        QVERIFY(silent.waitForNewConnection(kTimeoutMs));  // the check is waiting on it now
        QTcpSocket *waiting = silent.nextPendingConnection();
        QVERIFY(waiting);

        // The pages' loads go on meanwhile.
        statistics.setProfile(m_profile);
        QSignalSpy loaded(&statistics, &StatisticsService::retryLogLoaded);
        statistics.loadRetryLog();
        QTRY_COMPARE_WITH_TIMEOUT(loaded.size(), 1, kTimeoutMs);
        QVERIFY2(loaded.first().first().value<RetryLogUpdate>().logOk,
                 qPrintable(loaded.first().first().value<RetryLogUpdate>().logMessage));
        QCOMPARE(tested.size(), 0);  // still waiting on the dead server

        // The server goes away: the test says so, in words naming it.
        waiting->abort();
        QTRY_COMPARE_WITH_TIMEOUT(tested.size(), 1, kTimeoutMs);
        const auto check = tested.first().first().value<ConnectionCheck>();
        QCOMPARE(check.service, ConnectionCheck::Service::Postgres);
        QVERIFY(!check.ok);
        QVERIFY2(check.message.contains(QLatin1String("PostgreSQL")), qPrintable(check.message));
    }
};

QTEST_GUILESS_MAIN(TestConnectionCheckService)
#include "tst_connectioncheckservice.moc"
