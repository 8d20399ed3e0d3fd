#include "manualepochclock.h"
#include "scratchprofile.h"
#include "testsandbox.h"
#include "verifyok.h"

#include "host/engineservices.h"
#include "redis/redisconnection.h"
#include "schedule/schedulerepository.h"
#include "schedule/scheduler.h"
#include "store/advisorylock.h"
#include "store/pgconnection.h"
#include "store/syncrunrepository.h"
#include "sync/entityregistry.h"
#include "sync/syncorchestrator.h"
#include "sync/syncrunner.h"
#include "zoho/zohoservice.h"

#include <QEventLoop>
#include <QFutureWatcher>
#include <QSignalSpy>
#include <QTest>
#include <QtConcurrent/QtConcurrentRun>

#include <pqxx/pqxx>

#include <thread>

using namespace tiersync;

namespace {

constexpr int kRedisDb = 88;  // this test class's own Redis database

// Runs work on a pool thread while this thread's event loop keeps running.
template <typename Work>
auto onWorker(Work work) -> decltype(work())
{
    using R = decltype(work());
    QFutureWatcher<R> watcher;
    QEventLoop loop;
    QObject::connect(&watcher, &QFutureWatcherBase::finished, &loop, &QEventLoop::quit);
    watcher.setFuture(QtConcurrent::run(std::move(work)));
    if (!watcher.isFinished())
        loop.exec();
    return watcher.result();
}

Schedule incremental(const QString &type, int seconds, qint64 nextMs)
{
    Schedule schedule;
    schedule.entityType = type;
    schedule.name = Schedule::nameFor(type, SyncMode::Incremental);
    schedule.intervalSeconds = seconds;
    schedule.nextRunAt = QDateTime::fromMSecsSinceEpoch(nextMs, Qt::UTC);
    return schedule;
}

Result<int> scheduledRuns(const PgSettings &pg, const QString &type)
{
    int count = 0;
    Status status = PgConnection::forCurrentThread(pg).transaction(QStringLiteral("counting"), [&](pqxx::transaction_base &txn) {
        count = txn.exec_params1("SELECT count(*) FROM tiersync.sync_runs WHERE trigger = 'schedule' AND entity_type = $1",
                                 type.toStdString())[0]
                    .as<int>();
        return Status();
    });
    if (!status)
        return status.error();
    return count;
}

}  // namespace

// The scheduler against the fixture's real servers: due schedules run real syncs of the
// sandbox's zoho-sim through the process's SyncRunner, outcomes are recorded on the row,
// a missed slot runs once, a locked type is skipped, two instances never run one slot
// twice, and stop() cancels the running sync.
class TestScheduler final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::ScratchProfile> m_scratch;
    ConnectionProfile m_profile;
    test::ManualEpochClock m_clock;

    Status clear()
    {
        return PgConnection::forCurrentThread(m_profile.pg).transaction(QStringLiteral("clearing"), [](pqxx::transaction_base &txn) {
            txn.exec("DELETE FROM tiersync.schedules");
            return Status();
        });
    }

    std::unique_ptr<Scheduler> schedulerOn(const std::shared_ptr<EngineServices> &services, const QString &instance)
    {
        Scheduler::Options options;
        options.clock = m_clock.clock();
        options.instanceId = instance;
        options.database = services->database();
        return std::make_unique<Scheduler>(
            Scheduler::runnerOf(SyncRunner(services->zoho(), services->database(), m_profile.redis)), m_profile.pg,
            options);
    }

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("scheduler"), kRedisDb);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
        m_profile = m_scratch->profile();
    }

    void init() { VERIFY_OK(clear()); }

    void cleanupTestCase()
    {
        if (m_scratch)
            (void)RedisConnection(m_profile.redis).command({"FLUSHDB"});
    }

    // products due three days ago (everything was down), customers due later: products runs
    // once, records its run, and its next slot is the first after now; nothing else runs.
    void aDueScheduleRunsARealSyncOnceAndRecordsIt()
    {
        const qint64 now = m_clock.nowMs();
        ScheduleRepository repository(PgConnection::forCurrentThread(m_profile.pg));
        VERIFY_OK(repository.upsert(incremental(QStringLiteral("products"), 3600, now - 3 * 86400000LL - 60000),
                                    QStringLiteral("tst"), now));
        VERIFY_OK(repository.upsert(incremental(QStringLiteral("customers"), 3600, now + 60000), QStringLiteral("tst"), now));

        auto services = EngineServices::create(m_profile);
        auto scheduler = schedulerOn(services, QStringLiteral("one"));
        QSignalSpy finished(scheduler.get(), &Scheduler::runFinished);
        auto outcomes = onWorker([&] { return scheduler->runDue(); });
        VERIFY_OK(outcomes);
        QCOMPARE(outcomes->size(), 1);
        const ScheduleOutcome &outcome = outcomes->constFirst();
        QCOMPARE(outcome.schedule, QStringLiteral("products:incremental"));
        QVERIFY2(outcome.status == ScheduleRunStatus::Succeeded, qPrintable(outcome.error));
        QVERIFY(outcome.runId > 0);
        QTRY_COMPARE(finished.size(), 1);

        auto run = SyncRunRepository(PgConnection::forCurrentThread(m_profile.pg)).get(outcome.runId);
        VERIFY_OK(run);
        QVERIFY(run->has_value());
        QCOMPARE((*run)->trigger, QStringLiteral("schedule"));
        QCOMPARE((*run)->mode, QStringLiteral("incremental"));
        QCOMPARE((*run)->status, SyncRunStatus::Succeeded);
        QVERIFY((*run)->counters.fetched > 0);

        auto row = repository.get(QStringLiteral("products:incremental"));
        VERIFY_OK(row);
        QCOMPARE((*row)->lastStatus, std::optional(ScheduleRunStatus::Succeeded));
        QCOMPARE((*row)->lastRunId, outcome.runId);
        QCOMPARE((*row)->lastStartedAt.toMSecsSinceEpoch(), now);
        QCOMPARE((*row)->lastFinishedAt.toMSecsSinceEpoch(), now);
        QCOMPARE((*row)->claimedBy, QStringLiteral("one"));
        QCOMPARE((*row)->nextRunAt.toMSecsSinceEpoch(), now - 60000 + 3600000);  // one slot, old phase
        auto untouched = repository.get(QStringLiteral("customers:incremental"));
        VERIFY_OK(untouched);
        QVERIFY(!(*untouched)->lastStatus.has_value());

        // The same instant again: nothing is due, no catch-up.
        outcomes = onWorker([&] { return scheduler->runDue(); });
        VERIFY_OK(outcomes);
        QVERIFY(outcomes->isEmpty());
        auto count = scheduledRuns(m_profile.pg, QStringLiteral("products"));
        VERIFY_OK(count);
        QCOMPARE(*count, 1);

        // An hour on: both are due, each runs once.
        m_clock.advance(3600000);
        outcomes = onWorker([&] { return scheduler->runDue(); });
        VERIFY_OK(outcomes);
        QCOMPARE(outcomes->size(), 2);
        QCOMPARE(outcomes->at(0).schedule, QStringLiteral("customers:incremental"));  // due first
        QCOMPARE(outcomes->at(1).schedule, QStringLiteral("products:incremental"));
        for (const ScheduleOutcome &o : std::as_const(*outcomes))
            QVERIFY2(o.status == ScheduleRunStatus::Succeeded, qPrintable(o.error));
    }

    // Another holder of the type's sync lock (a CLI sync, the console, another instance): skipped, not failed.
    void aLockedTypeIsSkippedNotFailed()
    {
        const qint64 now = m_clock.nowMs();
        ScheduleRepository repository(PgConnection::forCurrentThread(m_profile.pg));
        VERIFY_OK(repository.upsert(incremental(QStringLiteral("customers"), 3600, now - 1000), QStringLiteral("tst"), now));
        PgConnection holderConnection(m_profile.pg);
        AdvisoryLock lock(holderConnection, AdvisoryLock::syncLockName(QStringLiteral("customers")));
        auto locked = lock.tryLock();
        VERIFY_OK(locked);
        QVERIFY(*locked);

        auto services = EngineServices::create(m_profile);
        auto scheduler = schedulerOn(services, QStringLiteral("one"));
        auto outcomes = onWorker([&] { return scheduler->runDue(); });
        VERIFY_OK(outcomes);
        QCOMPARE(outcomes->size(), 1);
        QCOMPARE(outcomes->constFirst().status, ScheduleRunStatus::Skipped);
        QCOMPARE(outcomes->constFirst().runId, 0);
        auto row = repository.get(QStringLiteral("customers:incremental"));
        VERIFY_OK(row);
        QCOMPARE((*row)->lastStatus, std::optional(ScheduleRunStatus::Skipped));
        QVERIFY(!(*row)->lastError.isEmpty());
        QVERIFY((*row)->nextRunAt.toMSecsSinceEpoch() > now);
        VERIFY_OK(lock.unlock());
    }

    // Two processes' worth of services, each with its scheduler, ticking at the same
    // instant over the same due rows: each schedule runs once for its slot.
    void twoInstancesNeverRunOneSlotTwice()
    {
        const qint64 now = m_clock.nowMs();
        ScheduleRepository repository(PgConnection::forCurrentThread(m_profile.pg));
        auto registry = EntityRegistry::builtIn();
        VERIFY_OK(registry);
        VERIFY_OK(repository.upsert(incremental(QStringLiteral("products"), 3600, now - 1000), QStringLiteral("tst"), now));
        VERIFY_OK(repository.upsert(incremental(QStringLiteral("customers"), 3600, now - 2000), QStringLiteral("tst"), now));
        auto productsBefore = scheduledRuns(m_profile.pg, QStringLiteral("products"));
        auto customersBefore = scheduledRuns(m_profile.pg, QStringLiteral("customers"));
        VERIFY_OK(productsBefore);
        VERIFY_OK(customersBefore);

        auto first = EngineServices::create(m_profile);
        auto second = EngineServices::create(m_profile);
        auto a = schedulerOn(first, QStringLiteral("a"));
        auto b = schedulerOn(second, QStringLiteral("b"));
        Result<QList<ScheduleOutcome>> outcomesA = QList<ScheduleOutcome>();
        Result<QList<ScheduleOutcome>> outcomesB = QList<ScheduleOutcome>();
        onWorker([&] {
            std::thread other([&] { outcomesB = b->runDue(); });
            outcomesA = a->runDue();
            other.join();
            return 0;
        });
        VERIFY_OK(outcomesA);
        VERIFY_OK(outcomesB);
        QStringList ran;
        for (const auto *outcomes : {&*outcomesA, &*outcomesB})
            for (const ScheduleOutcome &o : *outcomes) {
                QVERIFY2(o.status == ScheduleRunStatus::Succeeded, qPrintable(o.error));
                ran.append(o.schedule);
            }
        ran.sort();
        QCOMPARE(ran, (QStringList{QStringLiteral("customers:incremental"), QStringLiteral("products:incremental")}));
        auto productsAfter = scheduledRuns(m_profile.pg, QStringLiteral("products"));
        auto customersAfter = scheduledRuns(m_profile.pg, QStringLiteral("customers"));
        VERIFY_OK(productsAfter);
        VERIFY_OK(customersAfter);
        QCOMPARE(*productsAfter, *productsBefore + 1);
        QCOMPARE(*customersAfter, *customersBefore + 1);
        // Each row names the instance that ran it.
        auto rows = repository.list();
        VERIFY_OK(rows);
        for (const Schedule &row : std::as_const(*rows)) {
            const bool byA = std::any_of(outcomesA->cbegin(), outcomesA->cend(),
                                         [&](const ScheduleOutcome &o) { return o.schedule == row.name; });
            QCOMPARE(row.claimedBy, byA ? QStringLiteral("a") : QStringLiteral("b"));
        }
    }

    // The scheduler's own thread: it seeds the defaults, ticks at once (running what is
    // due), and stop() cancels a sync in progress, which is recorded as cancelled.
    void itsThreadSeedsRunsAndStopsCancellingTheRunningSync()
    {
        auto registry = EntityRegistry::builtIn();
        VERIFY_OK(registry);
        std::atomic_bool runStarted{false};
        std::atomic<SyncOrchestrator *> running{nullptr};
        // A sync that runs until cancelled (bounded: a minute), as a real one would stop at
        // its next page.
        Scheduler::RunSync blocking = [&](const QString &type, SyncOptions options, const SyncRunner::Hooks &hooks)
            -> Result<SyncReport> {
            SyncOrchestrator sync(*registry->find(type), nullptr, m_profile.pg, m_profile.redis, options);
            hooks.attached(sync);
            runStarted = true;
            for (int i = 0; i < 6000 && !sync.isCancelled(); ++i)
                QThread::msleep(10);
            hooks.detached();
            SyncReport report;
            report.run.id = 0;
            report.run.entityType = type;
            report.run.status = sync.isCancelled() ? SyncRunStatus::Cancelled : SyncRunStatus::Succeeded;
            return report;
        };
        Scheduler::Options options;
        options.clock = m_clock.clock();
        options.tickIntervalMs = 50;
        options.seed = *registry;
        Scheduler scheduler(blocking, m_profile.pg, options);
        QSignalSpy started(&scheduler, &Scheduler::runStarted);
        QSignalSpy finished(&scheduler, &Scheduler::runFinished);
        scheduler.start();
        QVERIFY(scheduler.isRunning());
        QTRY_VERIFY_WITH_TIMEOUT(runStarted.load(), 30000);
        QTRY_COMPARE(started.size(), 1);
        scheduler.stop();
        QVERIFY(!scheduler.isRunning());
        QTRY_COMPARE(finished.size(), 1);
        const auto outcome = finished.at(0).at(0).value<ScheduleOutcome>();
        QCOMPARE(outcome.status, ScheduleRunStatus::Cancelled);

        ScheduleRepository repository(PgConnection::forCurrentThread(m_profile.pg));
        auto rows = repository.list();
        VERIFY_OK(rows);
        QCOMPARE(rows->size(), ScheduleRepository::defaultSchedules(*registry).size());
        auto row = repository.get(outcome.schedule);
        VERIFY_OK(row);
        QCOMPARE((*row)->lastStatus, std::optional(ScheduleRunStatus::Cancelled));
        // Stopped between runs: the other due incremental rows were left due for the next instance.
        int stillDue = 0;
        for (const Schedule &schedule : std::as_const(*rows))
            if (schedule.nextRunAt.toMSecsSinceEpoch() <= m_clock.nowMs())
                ++stillDue;
        QCOMPARE(stillDue, int(std::count_if(rows->cbegin(), rows->cend(),
                                             [](const Schedule &s) { return s.mode == SyncMode::Incremental; }))
                               - 1);
    }
};

QTEST_GUILESS_MAIN(TestScheduler)
#include "tst_scheduler.moc"
