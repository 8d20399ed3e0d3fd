#include "console/engineconnectioncheckservice.h"
#include "console/embeddedserver.h"
#include "console/enginestudentreadservice.h"
#include "console/enginesyncrunservice.h"
#include "console/workerthreads.h"
#include "host/engineservices.h"
#include "privatezohosim.h"
#include "redis/redisconnection.h"
#include "scratchprofile.h"
#include "simcontrol.h"
#include "testsandbox.h"
#include "verifyok.h"

#include <QSignalSpy>
#include <QTest>

#include <httplib.h>

#include <memory>

using namespace tiersync;

namespace {

constexpr int kDb = 44;  // this test class's own Redis database
constexpr int kTimeoutMs = 120000;

}  // namespace

// The console's pages share one Zoho client per profile (EngineServicesPool): a sync
// run, a student read, "Test connection" and the embedded server together cost Zoho one
// token refresh, where each used to refresh a token of its own. Against a private
// zoho-sim, whose refresh counter no other test touches.
class TestOneService final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::ScratchProfile> m_scratch;
    std::unique_ptr<test::PrivateZohoSim> m_sim;
    ConnectionProfile m_profile;

    int simRefreshes()
    {
        auto state = test::simPost(m_sim->apiBase(), QStringLiteral("/_sim/oauth"));
        return state ? state->value(QLatin1String("refreshes")).toInt(-1) : -1;
    }

private Q_SLOTS:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("oneservice"), kDb,
                                                    test::ScratchProfile::Schema::Empty);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
        auto sim = test::PrivateZohoSim::start();
        VERIFY_OK(sim);
        m_sim = std::move(*sim);
        m_profile = m_scratch->profile();
        m_profile.zoho = m_sim->settings();
    }

    void cleanupTestCase() { (void)RedisConnection(m_profile.redis).command({"FLUSHDB"}); }

    void everyPageSharesOneTokenAndOneMigration()
    {
        QCOMPARE(simRefreshes(), 0);
        auto pool = std::make_shared<EngineServicesPool>();
        WorkerThreads threads;
        EngineSyncRunService sync(pool, {});
        EngineStudentReadService students(pool, {});
        EngineConnectionCheckService tester(pool);
        auto *server = new EmbeddedServer;
        server->setServicesPool(pool);
        threads.adopt(server, QStringLiteral("test-serve"));
        const ConnectionProfile profile = m_profile;
        sync.setProfile(profile);
        students.setProfile(profile);

        // A sync run (it migrates the empty database first).
        QSignalSpy finished(&sync, &SyncRunService::runFinished);
        QSignalSpy refused(&sync, &SyncRunService::runRefused);
        QSignalSpy notStarted(&sync, &SyncRunService::failed);
        QVERIFY(sync.startRun(QStringLiteral("products"), SyncMode::Full, 500) != 0);
        QTRY_VERIFY_WITH_TIMEOUT(finished.size() + refused.size() + notStarted.size() == 1, kTimeoutMs);
        QVERIFY(refused.isEmpty());
        QVERIFY2(notStarted.isEmpty(),
                 qPrintable(notStarted.isEmpty() ? QString() : notStarted.first().at(2).value<ServiceError>().describe()));
        const auto run = finished.first().at(1).value<SyncRunRepository::Run>();
        QCOMPARE(run.status, SyncRunStatus::Succeeded);
        QVERIFY(run.counters.zohoCalls > 0);

        // A student read straight from Zoho.
        QSignalSpy looked(&students, &StudentReadService::lookupFinished);
        QSignalSpy lookupFailed(&students, &StudentReadService::failed);
        QVERIFY(students.lookup(5, QStringLiteral("profile"), true) != 0);
        QTRY_VERIFY_WITH_TIMEOUT(looked.size() + lookupFailed.size() == 1, kTimeoutMs);
        QVERIFY(lookupFailed.isEmpty());
        const auto lookup = looked.first().first().value<StudentLookup>();
        QCOMPARE(lookup.reads.size(), 1);
        QVERIFY2(lookup.reads.first().ok, qPrintable(lookup.reads.first().error));
        QCOMPARE(readSourceName(lookup.reads.first().source), QStringLiteral("zoho"));

        // "Test connection" on the active profile.
        QSignalSpy tested(&tester, &ConnectionCheckService::testFinished);
        tester.test(ConnectionCheck::Service::Zoho, profile);
        QTRY_VERIFY_WITH_TIMEOUT(tested.size() == 1, kTimeoutMs);
        const auto check = tested.first().first().value<ConnectionCheck>();
        QVERIFY2(check.ok, qPrintable(check.message));

        // The embedded server answers a forced read from Zoho.
        QSignalSpy started(server, &EmbeddedServer::started);
        QSignalSpy startFailed(server, &EmbeddedServer::failed);
        QMetaObject::invokeMethod(server, [server, profile] { server->start(profile, QStringLiteral("127.0.0.1"), 0); },
                                  Qt::QueuedConnection);
        QTRY_VERIFY_WITH_TIMEOUT(started.size() + startFailed.size() == 1, kTimeoutMs);
        QVERIFY(startFailed.isEmpty());
        const QUrl url(started.first().first().toString());
        httplib::Client client(url.host().toStdString(), url.port());
        client.set_read_timeout(60, 0);
        // With its own key (EmbeddedServer::apiKey(); a server that asks for keys).
        client.set_bearer_token_auth(server->apiKey().reveal().toStdString());
        const auto answer = client.Get("/api/v1/extension/students/academics?moodle_user_id=6&force_refresh=true");
        QVERIFY(answer);
        QCOMPARE(answer->status, 200);

        // One client, so one token for all four.
        QCOMPARE(pool->liveCount(), 1);
        QCOMPARE(simRefreshes(), 1);
        threads.stopAll();
        students.stop();
        sync.stop();
    }
};

QTEST_GUILESS_MAIN(TestOneService)
#include "tst_oneservice.moc"
