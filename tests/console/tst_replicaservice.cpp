// EngineReplicaService, the Sync page's schedules and channels, against the fixture's
// PostgreSQL: a scratch database it migrates and seeds itself, a manual clock for "now".
#include "console/enginereplicaservice.h"
#include "host/engineservices.h"
#include "manualepochclock.h"
#include "schedule/cronexpression.h"
#include "schedule/schedulerepository.h"
#include "scratchprofile.h"
#include "store/feedstaterepository.h"
#include "store/pgconnection.h"
#include "store/syncrunrepository.h"
#include "testsandbox.h"
#include "verifyok.h"
#include "webhook/channelrepository.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace tiersync;

namespace {

// This test class's own Redis database (the services share token and budget through it).
constexpr int kDb = 91;
constexpr int kTimeoutMs = 60000;

using Request = ReplicaService::Request;

// One answer of the service: the value of `loaded`, or the error of `failed`.
template <typename Signal>
QVariant awaitAnswer(ReplicaService &service, Signal loaded, int argument = 0)
{
    QSignalSpy done(&service, loaded);
    QSignalSpy failed(&service, &ReplicaService::failed);
    [&] { QTRY_VERIFY_WITH_TIMEOUT(done.size() + failed.size() == 1, kTimeoutMs); }();
    if (!failed.isEmpty())
        return failed.first().at(2);
    return done.isEmpty() ? QVariant() : done.first().at(argument);
}

}  // namespace

class TestReplicaService final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::ScratchProfile> m_scratch;
    ConnectionProfile m_profile;
    test::ManualEpochClock m_clock{1796645400000};  // 2026-12-07 12:10:00 UTC
    std::unique_ptr<EngineReplicaService> m_service;

    ScheduleSnapshot loadSchedules()
    {
        m_service->loadSchedules();
        const QVariant answer = awaitAnswer(*m_service, &ReplicaService::schedulesLoaded);
        if (answer.canConvert<ServiceError>())
            qWarning().noquote() << answer.value<ServiceError>().describe();
        return answer.value<ScheduleSnapshot>();
    }

    // The change's answer: the stored row, or the error.
    QVariant change(const std::function<void()> &call)
    {
        call();
        return awaitAnswer(*m_service, &ReplicaService::scheduleChanged, 1);
    }

    Schedule stored(const QString &name)
    {
        PgConnection connection(m_profile.pg);
        auto row = ScheduleRepository(connection).get(name);
        return row && row->has_value() ? **row : Schedule{};
    }

    static const ScheduleState *find(const ScheduleSnapshot &snapshot, const QString &name)
    {
        for (const ScheduleState &state : snapshot.schedules)
            if (state.schedule.name == name)
                return &state;
        return nullptr;
    }

private Q_SLOTS:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("replicaservice"), kDb,
                                                    test::ScratchProfile::Schema::Empty);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
        m_profile = m_scratch->profile();
        EngineServices::Options options;
        options.clock = m_clock.clock();
        m_service = std::make_unique<EngineReplicaService>(std::make_shared<EngineServicesPool>(options),
                                                           m_clock.clock());
        m_service->setProfile(m_profile);
    }

    void cleanupTestCase() { m_service.reset(); }

    void listsTheDefaultSchedulesWithLagAndLastRun()
    {
        ScheduleSnapshot snapshot = loadSchedules();
        QCOMPARE(snapshot.asOf.toMSecsSinceEpoch(), m_clock.nowMs());
        // Issue 10's defaults: every feed incremental every 5 minutes (2 hours while its
        // channel is healthy) and full monthly, the 1st at 03:00 UTC; the Books types (not feeds) hourly.
        QStringList names;
        for (const ScheduleState &state : std::as_const(snapshot.schedules))
            names << state.schedule.name;
        QCOMPARE(names.size(), 12);
        for (const char *type : {"students", "grades", "payments", "classes", "requests"}) {
            const QString feed = QLatin1String(type);
            const ScheduleState *incremental = find(snapshot, feed + QStringLiteral(":incremental"));
            const ScheduleState *full = find(snapshot, feed + QStringLiteral(":full"));
            QVERIFY2(incremental && full, type);
            QCOMPARE(incremental->schedule.intervalSeconds, std::optional<int>(300));
            QCOMPARE(incremental->schedule.safetyNetIntervalSeconds, std::optional<int>(7200));
            QCOMPARE(incremental->cadence, FeedCadence::Cadence::Own);  // no channel
            QCOMPARE(full->schedule.cron, QStringLiteral("0 3 1 * *"));
            QVERIFY(incremental->feed && full->feed);
            QCOMPARE(incremental->maxLagSeconds, 900);  // endpoints.json
            QVERIFY(incremental->schedule.enabled);
            // Seeded due now (incremental) and at the next 1st, 03:00 (full).
            QCOMPARE(incremental->schedule.nextRunAt.toMSecsSinceEpoch(), m_clock.nowMs());
            QCOMPARE(full->schedule.nextRunAt.toUTC().toString(Qt::ISODate), QStringLiteral("2027-01-01T03:00:00Z"));
            QVERIFY(!snapshot.lagSeconds(*incremental));  // no feed run yet
        }
        for (const char *type : {"products", "customers"}) {
            const QString books = QLatin1String(type);
            const ScheduleState *incremental = find(snapshot, books + QStringLiteral(":incremental"));
            QVERIFY2(incremental, type);
            QCOMPARE(incremental->schedule.intervalSeconds, std::optional<int>(3600));
            QVERIFY(!incremental->feed);
            QVERIFY(!find(snapshot, books + QStringLiteral(":full")));
        }

        // A feed run that succeeded 10 minutes ago, recorded on its schedule: the lag is
        // now − data_as_of, the last result carries the run's records.
        PgConnection connection(m_profile.pg);
        SyncRunRepository runs(connection);
        auto runId = runs.start(QStringLiteral("grades"), QStringLiteral("incremental"), QStringLiteral("schedule"));
        VERIFY_OK(runId);
        SyncRunRepository::Counters counters;
        counters.fetched = 240;
        counters.synced = 12;
        counters.skipped = 228;
        VERIFY_OK(runs.finish(*runId, SyncRunStatus::Succeeded, counters));
        const qint64 startedMs = m_clock.nowMs() - 600'000;
        FeedStateRepository::Success success;
        success.entityType = QStringLiteral("grades");
        success.runId = *runId;
        success.startedAt = QDateTime::fromMSecsSinceEpoch(startedMs, Qt::UTC);
        success.finishedAt = QDateTime::fromMSecsSinceEpoch(startedMs + 5000, Qt::UTC);
        VERIFY_OK(FeedStateRepository(connection).recordSuccess(success));
        ScheduleRepository schedules(connection);
        VERIFY_OK(schedules.recordStart(QStringLiteral("grades:incremental"), startedMs));
        VERIFY_OK(schedules.recordFinish(QStringLiteral("grades:incremental"), ScheduleRunStatus::Succeeded, *runId,
                                         startedMs + 5000));

        m_clock.advance(60'000);
        snapshot = loadSchedules();
        const ScheduleState *grades = find(snapshot, QStringLiteral("grades:incremental"));
        QVERIFY(grades);
        QCOMPARE(snapshot.lagSeconds(*grades), std::optional<qint64>(660));
        QCOMPARE(grades->schedule.lastStatus, std::optional<ScheduleRunStatus>(ScheduleRunStatus::Succeeded));
        QCOMPARE(grades->schedule.lastRunId, *runId);
        QVERIFY(grades->lastRunCounters.has_value());
        QCOMPARE(*grades->lastRunCounters, counters);
        QVERIFY(!snapshot.lagSeconds(*find(snapshot, QStringLiteral("students:incremental"))));
    }

    void pauseResumeEditPersist()
    {
        const QString name = QStringLiteral("payments:incremental");
        QVariant answer = change([&] { m_service->pause(name); });
        QVERIFY(answer.canConvert<Schedule>());
        QVERIFY(!answer.value<Schedule>().enabled);
        QVERIFY(!stored(name).enabled);
        QVERIFY(!find(loadSchedules(), name)->schedule.enabled);
        answer = change([&] { m_service->resume(name); });
        QVERIFY(answer.value<Schedule>().enabled);
        QVERIFY(stored(name).enabled);

        // A new cron for the nightly reconcile: stored normalised, next run its next slot.
        const QString full = QStringLiteral("payments:full");
        answer = change([&] { m_service->edit(ScheduleEdit{full, std::nullopt, QStringLiteral("30  4 * * *"), true}); });
        QVERIFY(answer.canConvert<Schedule>());
        Schedule row = stored(full);
        QCOMPARE(row.cron, QStringLiteral("30 4 * * *"));
        QVERIFY(!row.intervalSeconds);
        QCOMPARE(row.nextRunAt.toUTC().toString(Qt::ISODate), QStringLiteral("2026-12-08T04:30:00Z"));
        QCOMPARE(row.mode, SyncMode::Full);

        // An interval instead, paused in the same edit: the phase starts now.
        answer = change([&] { m_service->edit(ScheduleEdit{name, 600, {}, false}); });
        row = stored(name);
        QCOMPARE(row.intervalSeconds, std::optional<int>(600));
        QVERIFY(row.cron.isEmpty());
        QVERIFY(!row.enabled);
        QCOMPARE(row.nextRunAt.toMSecsSinceEpoch(), m_clock.nowMs() + 600'000);

        // A bad cron expression: refused by the engine (no server's fault), nothing stored.
        answer = change([&] { m_service->edit(ScheduleEdit{full, std::nullopt, QStringLiteral("0 25 * * *"), true}); });
        QVERIFY(answer.canConvert<ServiceError>());
        ServiceError error = answer.value<ServiceError>();
        QVERIFY(!error.service);
        QCOMPARE(error.error.kind, ErrorKind::InvalidArgument);
        QCOMPARE(stored(full).cron, QStringLiteral("30 4 * * *"));
        // An unknown schedule likewise.
        answer = change([&] { m_service->pause(QStringLiteral("nothing:incremental")); });
        error = answer.value<ServiceError>();
        QVERIFY(!error.service);
        QCOMPARE(error.error.kind, ErrorKind::NotFound);
    }

    void runNowMakesItDue()
    {
        // As `tiersync schedule run`: due now, so the next claim of any serve runs it.
        const QString name = QStringLiteral("classes:full");
        QVERIFY(stored(name).nextRunAt.toMSecsSinceEpoch() > m_clock.nowMs());
        const QVariant answer = change([&] { m_service->runNow(name); });
        QVERIFY(answer.canConvert<Schedule>());
        QCOMPARE(answer.value<Schedule>().nextRunAt.toMSecsSinceEpoch(), m_clock.nowMs());
        PgConnection connection(m_profile.pg);
        auto claimed = ScheduleRepository(connection).claimDue(m_clock.nowMs(), QStringLiteral("test"));
        VERIFY_OK(claimed);
        QStringList claimedNames;
        for (const Schedule &s : std::as_const(*claimed))
            claimedNames << s.name;
        QVERIFY2(claimedNames.contains(name), qPrintable(claimedNames.join(QLatin1Char(' '))));
    }

    void channelsListReadsTheRows()
    {
        m_service->loadChannels();
        QVariant answer = awaitAnswer(*m_service, &ReplicaService::channelsLoaded);
        QVERIFY(answer.canConvert<ChannelSnapshot>());
        QVERIFY(answer.value<ChannelSnapshot>().channels.isEmpty());

        PgConnection connection(m_profile.pg);
        ChannelRepository repository(connection);
        const QDateTime now = QDateTime::fromMSecsSinceEpoch(m_clock.nowMs(), Qt::UTC);
        NotificationChannel students;
        students.channelId = QStringLiteral("1000001");
        students.entityType = QStringLiteral("students");
        students.module = QStringLiteral("Students");
        students.events = {QStringLiteral("Students.all")};
        students.notifyUrl = QStringLiteral("https://example.test/webhooks/crm");
        students.expiresAt = now.addDays(7);
        students.enabledAt = now;
        NotificationChannel grades = students;
        grades.channelId = QStringLiteral("1000002");
        grades.entityType = QStringLiteral("grades");
        grades.module = QStringLiteral("Grades");
        grades.status = ChannelStatus::Dropped;
        VERIFY_OK(repository.save(students));
        VERIFY_OK(repository.save(grades));
        auto recorded = repository.recordNotification(students.channelId, now.addSecs(-30));
        VERIFY_OK(recorded);
        QVERIFY(*recorded);

        m_service->loadChannels();
        answer = awaitAnswer(*m_service, &ReplicaService::channelsLoaded);
        const QList<NotificationChannel> channels = answer.value<ChannelSnapshot>().channels;
        QCOMPARE(channels.size(), 2);
        // By module: Grades, then Students.
        QCOMPARE(channels.at(0).module, QStringLiteral("Grades"));
        QCOMPARE(channels.at(0).status, ChannelStatus::Dropped);
        QCOMPARE(channels.at(1).channelId, QStringLiteral("1000001"));
        QCOMPARE(channels.at(1).expiresAt, students.expiresAt);
        QCOMPARE(channels.at(1).lastNotificationAt, now.addSecs(-30));
        QCOMPARE(channels.at(1).notifications, 1);
    }

    void anUnreachableDatabaseIsPostgresError()
    {
        ConnectionProfile broken = m_profile;
        broken.name = QStringLiteral("replicaservice-broken");
        broken.pg.options.insert(QStringLiteral("port"), QStringLiteral("1"));  // nothing listens there
        EngineReplicaService service(std::make_shared<EngineServicesPool>(), m_clock.clock());
        service.setProfile(broken);
        service.loadSchedules();
        const QVariant answer = awaitAnswer(service, &ReplicaService::schedulesLoaded);
        QVERIFY(answer.canConvert<ServiceError>());
        const ServiceError error = answer.value<ServiceError>();
        QCOMPARE(error.service, std::optional(ConnectionCheck::Service::Postgres));
        QVERIFY2(error.describe().contains(QStringLiteral("PostgreSQL")), qPrintable(error.describe()));
    }
};

QTEST_MAIN(TestReplicaService)
#include "tst_replicaservice.moc"
