// EngineSyncRunService, the Sync page's runs and history, against the fixture's
// PostgreSQL and Redis and a zoho-sim of its own (faults are injected): a run's counters
// arrive and equal what sync_runs holds and what the sim counted; the history answers
// while a run waits on Zoho; cancel stops a run (and only that one); a run another
// instance holds is refused; stop() cancels the run still going, then joins.
#include "console/enginesyncrunservice.h"
#include "host/engineservices.h"
#include "privatezohosim.h"
#include "redis/redisconnection.h"
#include "scratchprofile.h"
#include "simcontrol.h"
#include "store/advisorylock.h"
#include "store/pgconnection.h"
#include "store/syncrunrepository.h"
#include "testsandbox.h"
#include "verifyok.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace tiersync;

namespace {

constexpr int kDb = 110;  // this test class's own Redis database
constexpr int kTimeoutMs = 120000;
constexpr int kProducts = 1312;  // the sim's default data set
// A request the sim holds this long keeps a run waiting on Zoho (the client waits longer):
// whatever the test checks meanwhile takes milliseconds.
constexpr int kHoldMs = 20000;
const QString kItems = QStringLiteral("/books/v3/items");

// The answers to one startRun.
struct RunSpies {
    explicit RunSpies(SyncRunService &service)
        : started(&service, &SyncRunService::runStarted),
          progress(&service, &SyncRunService::runProgress),
          finished(&service, &SyncRunService::runFinished),
          refused(&service, &SyncRunService::runRefused),
          failed(&service, &SyncRunService::failed)
    {
    }
    [[nodiscard]] int ended() const { return int(finished.size() + refused.size() + failed.size()); }
    [[nodiscard]] SyncRunRepository::Run run() const
    {
        return finished.isEmpty() ? SyncRunRepository::Run{} : finished.first().at(1).value<SyncRunRepository::Run>();
    }
    [[nodiscard]] QString why() const
    {
        if (!failed.isEmpty())
            return failed.first().at(2).value<ServiceError>().describe();
        if (!refused.isEmpty())
            return refused.first().at(2).value<ServiceError>().describe();
        return {};
    }

    QSignalSpy started;
    QSignalSpy progress;
    QSignalSpy finished;
    QSignalSpy refused;
    QSignalSpy failed;
};

}  // namespace

class TestSyncRunService final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::ScratchProfile> m_scratch;
    std::unique_ptr<test::PrivateZohoSim> m_sim;
    ConnectionProfile m_profile;
    std::shared_ptr<EngineServicesPool> m_pool;
    std::unique_ptr<EngineSyncRunService> m_service;

    void setFaults(const QJsonObject &faults)
    {
        VERIFY_OK(test::simPost(m_sim->apiBase(), QStringLiteral("/_sim/faults"), faults));
    }

    // The row as sync_runs holds it (an empty run when there is none).
    SyncRunRepository::Run stored(qint64 runId)
    {
        PgConnection connection(m_profile.pg);
        auto run = SyncRunRepository(connection).get(runId);
        return run && run->has_value() ? **run : SyncRunRepository::Run{};
    }

    int storedRuns()
    {
        PgConnection connection(m_profile.pg);
        auto runs = SyncRunRepository(connection).recent(1000);
        return runs ? int(runs->size()) : -1;
    }

    qint64 simItemRequests()
    {
        return test::simRequestsUnder(m_sim->apiBase(), kItems).valueOr(-1);
    }

    // A run's answers as they arrived: started (with the run's id), then finished.
    SyncRunRepository::Run runToTheEnd(const QString &type, SyncMode mode)
    {
        RunSpies spies(*m_service);
        const quint64 request = m_service->startRun(type, mode, 200);
        [&] {
            QVERIFY(request != 0);
            QTRY_VERIFY_WITH_TIMEOUT(spies.ended() == 1, kTimeoutMs);
            QVERIFY2(spies.finished.size() == 1, qPrintable(spies.why()));
            QCOMPARE(spies.finished.first().at(0).toULongLong(), request);
            QCOMPARE(spies.started.size(), 1);
            QCOMPARE(spies.started.first().at(0).toULongLong(), request);
            QCOMPARE(spies.started.first().at(1).toLongLong(), spies.run().id);
        }();
        return spies.run();
    }

    // The run's counters, as they arrived, are what sync_runs holds and what the sim counted.
    void verifyCounted(const SyncRunRepository::Run &run)
    {
        const SyncRunRepository::Run row = stored(run.id);
        QCOMPARE(row.id, run.id);
        QCOMPARE(row.status, run.status);
        QCOMPARE(row.counters, run.counters);
        // A page asked ahead may still be on its way to the sim when the run ends.
        QTRY_COMPARE_WITH_TIMEOUT(simItemRequests(), qint64(run.counters.zohoCalls), 5000);
    }

private Q_SLOTS:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("syncrunservice"), kDb,
                                                    test::ScratchProfile::Schema::Empty);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
        auto sim = test::PrivateZohoSim::start({QStringLiteral("--students"), QStringLiteral("60"),
                                                QStringLiteral("--limits"), QStringLiteral("off")});
        VERIFY_OK(sim);
        m_sim = std::move(*sim);
        m_profile = m_scratch->profile();
        m_profile.zoho = m_sim->settings();
        EngineServices::Options options;
        options.zoho.retry.baseDelayMs = 5;  // retries injected below wait milliseconds, not seconds
        options.zoho.retry.maxDelayMs = 50;
        options.zoho.requestTimeoutMs = 3 * kHoldMs;  // a held request is the sim's to end, not the client's
        m_pool = std::make_shared<EngineServicesPool>(options);
        m_service = std::make_unique<EngineSyncRunService>(m_pool, ConsoleClocks{});
        m_service->setProfile(m_profile);
    }

    void cleanup() { setFaults(test::noSimFaults()); }

    void cleanupTestCase()
    {
        m_service.reset();
        (void)RedisConnection(m_profile.redis).command({"FLUSHDB"});
    }

    void answersNeedAProfileAndAKnownType()
    {
        EngineSyncRunService fresh(m_pool, {});
        QSignalSpy failed(&fresh, &SyncRunService::failed);
        const quint64 request = fresh.startRun(QStringLiteral("products"), SyncMode::Full, 50);
        QVERIFY(request != 0);
        QVERIFY(failed.isEmpty());  // answers arrive later, never inside the call
        QTRY_COMPARE(failed.size(), 1);
        QCOMPARE(failed.first().at(0).value<SyncRunService::Request>(), SyncRunService::Request::StartRun);
        QCOMPARE(failed.first().at(1).toULongLong(), request);
        QVERIFY(failed.first().at(2).value<ServiceError>().describe().contains(QStringLiteral("No connection profile")));

        fresh.setProfile(m_profile);
        const quint64 unknown = fresh.startRun(QStringLiteral("no-such-type"), SyncMode::Full, 50);
        QVERIFY(unknown > request);
        QTRY_COMPARE(failed.size(), 2);
        const auto error = failed.at(1).at(2).value<ServiceError>();
        QVERIFY(!error.service);
        QCOMPARE(error.error.kind, ErrorKind::InvalidArgument);
        fresh.stop();
        QCOMPARE(fresh.startRun(QStringLiteral("products"), SyncMode::Full, 50), quint64(0));
    }

    void countersArriveAsSyncRunsHoldsThem()
    {
        VERIFY_OK(test::simPost(m_sim->apiBase(), QStringLiteral("/_sim/reset-stats")));
        const SyncRunRepository::Run first = runToTheEnd(QStringLiteral("products"), SyncMode::Full);
        QCOMPARE(first.status, SyncRunStatus::Succeeded);
        QCOMPARE(first.trigger, QStringLiteral("console"));
        QCOMPARE(first.mode, QStringLiteral("full"));
        QCOMPARE(first.counters.fetched, kProducts);
        QCOMPARE(first.counters.synced, kProducts);
        QCOMPARE(first.counters.pages, (kProducts + 199) / 200);
        QCOMPARE(first.counters.retries, 0);
        verifyCounted(first);

        // Two requests fail (HTTP 502) and are retried: both counted, as requests and retries.
        VERIFY_OK(test::simPost(m_sim->apiBase(), QStringLiteral("/_sim/reset-stats")));
        setFaults(QJsonObject{{QStringLiteral("fail_next"), 2}, {QStringLiteral("fail_status"), 502}});
        const SyncRunRepository::Run retried = runToTheEnd(QStringLiteral("products"), SyncMode::Incremental);
        QCOMPARE(retried.status, SyncRunStatus::Succeeded);
        QCOMPARE(retried.counters.retries, 2);
        QCOMPARE(retried.counters.skipped, kProducts);
        verifyCounted(retried);

        // The history lists both, newest first, and the type's last run.
        QSignalSpy loaded(m_service.get(), &SyncRunService::runsLoaded);
        m_service->loadRuns(10);
        QTRY_COMPARE_WITH_TIMEOUT(loaded.size(), 1, kTimeoutMs);
        const auto recent = loaded.first().at(0).value<QList<SyncRunRepository::Run>>();
        const auto lastPerType = loaded.first().at(1).value<QList<SyncRunRepository::Run>>();
        QVERIFY(recent.size() >= 2);
        QCOMPARE(recent.at(0).id, retried.id);
        QCOMPARE(recent.at(0).counters, retried.counters);
        QCOMPARE(recent.at(1).counters, first.counters);
        bool sawProducts = false;
        for (const SyncRunRepository::Run &last : lastPerType) {
            if (last.entityType == QLatin1String("products")) {
                sawProducts = true;
                QCOMPARE(last.id, retried.id);
            }
        }
        QVERIFY(sawProducts);
    }

    void cancelStopsTheRunAndOnlyIt()
    {
        // The run's first request is held: it waits on Zoho until cancelled.
        setFaults(QJsonObject{{QStringLiteral("fail_next"), 1}, {QStringLiteral("fail_status"), 0},
                              {QStringLiteral("timeout_ms"), kHoldMs}});
        RunSpies spies(*m_service);
        const quint64 request = m_service->startRun(QStringLiteral("customers"), SyncMode::Full, 200);
        QTRY_VERIFY_WITH_TIMEOUT(spies.started.size() == 1 || spies.ended() > 0, kTimeoutMs);
        QVERIFY2(spies.started.size() == 1, qPrintable(spies.why()));
        const qint64 runId = spies.started.first().at(1).toLongLong();

        // The history answers meanwhile: it never waits behind a run.
        QSignalSpy loaded(m_service.get(), &SyncRunService::runsLoaded);
        m_service->loadRuns(10);
        QTRY_COMPARE_WITH_TIMEOUT(loaded.size(), 1, kTimeoutMs);
        QCOMPARE(spies.ended(), 0);
        const auto recent = loaded.first().at(0).value<QList<SyncRunRepository::Run>>();
        QCOMPARE(recent.first().id, runId);
        QCOMPARE(recent.first().status, SyncRunStatus::Running);

        m_service->cancel(request);
        QTRY_VERIFY_WITH_TIMEOUT(spies.ended() == 1, kTimeoutMs);
        QVERIFY2(spies.finished.size() == 1, qPrintable(spies.why()));
        QCOMPARE(spies.run().id, runId);
        QCOMPARE(spies.run().status, SyncRunStatus::Cancelled);
        QCOMPARE(stored(runId).status, SyncRunStatus::Cancelled);
        QCOMPARE(stored(runId).counters, spies.run().counters);

        // The ended request cancelled again, before and while the next run goes: that one
        // completes.
        setFaults(test::noSimFaults());
        m_service->cancel(request);
        RunSpies next(*m_service);
        const quint64 nextRequest = m_service->startRun(QStringLiteral("customers"), SyncMode::Full, 200);
        QVERIFY(nextRequest != request);
        m_service->cancel(request);
        QTRY_VERIFY_WITH_TIMEOUT(next.ended() == 1, kTimeoutMs);
        QVERIFY2(next.finished.size() == 1, qPrintable(next.why()));
        QCOMPARE(next.run().status, SyncRunStatus::Succeeded);
    }

    void anotherInstanceHoldingTheTypeIsRefused()
    {
        PgConnection otherInstance(m_profile.pg);
        AdvisoryLock held(otherInstance, AdvisoryLock::syncLockName(QStringLiteral("products")));
        auto locked = held.tryLock();
        QVERIFY(locked && *locked);
        const int runsBefore = storedRuns();
        RunSpies spies(*m_service);
        const quint64 request = m_service->startRun(QStringLiteral("products"), SyncMode::Incremental, 200);
        QTRY_VERIFY_WITH_TIMEOUT(spies.ended() == 1, kTimeoutMs);
        QVERIFY2(spies.refused.size() == 1, qPrintable(spies.why()));
        QCOMPARE(spies.refused.first().at(0).toULongLong(), request);
        QCOMPARE(spies.refused.first().at(1).toString(), QStringLiteral("products"));
        const auto error = spies.refused.first().at(2).value<ServiceError>();
        QCOMPARE(error.error.kind, ErrorKind::Conflict);
        QVERIFY2(error.describe().contains(QStringLiteral("already running")), qPrintable(error.describe()));
        QVERIFY(spies.started.isEmpty());
        QCOMPARE(storedRuns(), runsBefore);  // a refusal records no run
    }

    // Shutdown: stop() cancels the run still going, then joins; nobody else cancels it.
    void stopCancelsTheRunThenJoins()
    {
        setFaults(QJsonObject{{QStringLiteral("fail_next"), 1}, {QStringLiteral("fail_status"), 0},
                              {QStringLiteral("timeout_ms"), kHoldMs}});
        EngineSyncRunService closing(m_pool, {});
        closing.setProfile(m_profile);
        RunSpies spies(closing);
        (void)closing.startRun(QStringLiteral("products"), SyncMode::Full, 200);
        QTRY_VERIFY_WITH_TIMEOUT(spies.started.size() == 1 || spies.ended() > 0, kTimeoutMs);
        QVERIFY2(spies.started.size() == 1, qPrintable(spies.why()));
        const qint64 runId = spies.started.first().at(1).toLongLong();
        closing.stop();
        QCOMPARE(stored(runId).status, SyncRunStatus::Cancelled);
    }
};

QTEST_GUILESS_MAIN(TestSyncRunService)
#include "tst_syncrunservice.moc"
