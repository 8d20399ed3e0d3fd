// A feed's cadence follows its notification channel's health (FeedCadence), on the real
// servers: the serving stack of `tiersync serve` (ServeStack: the read path and the CRM
// webhook endpoint), the product's Scheduler running the default schedules through
// SyncRunner, and the product's ChannelManager enabling CRM notification channels at a
// private zoho-sim, which posts to the stack when records change. One virtual clock
// (ManualEpochClock) is everybody's "now"; the sim's clock is frozen and moved in step.
//
// The functions build on each other, in order: no channel (the feeds every 5 minutes,
// reads past the 900 s max lag go to Zoho); healthy channels (the feed deferred to its
// 2-hour safety net, reads stay on the replica past 900 s, a delivered change keeps the
// channel healthy); a notification missed (the safety-net run finds the change, the
// channel is degraded and the feed is back every 5 minutes); the channel proving itself
// again; an expired channel unhealthy at once.
#include "manualepochclock.h"
#include "privatezohosim.h"
#include "scratchprofile.h"
#include "simcontrol.h"
#include "testsandbox.h"
#include "verifyok.h"

#include "cache/cacheengine.h"
#include "cache/channelhealthfacts.h"
#include "host/engineservices.h"
#include "host/servestack.h"
#include "schedule/feedcadence.h"
#include "schedule/schedulerepository.h"
#include "schedule/scheduler.h"
#include "store/pgconnection.h"
#include "sync/entityregistry.h"
#include "sync/syncrunner.h"
#include "webhook/channelmanager.h"
#include "webhook/channelrepository.h"
#include "webhook/webhooksettings.h"
#include "zoho/zoholimits.h"
#include "zoho/zohoservice.h"

#include <QJsonArray>
#include <QTest>

#include <memory>

using namespace tiersync;

namespace {

constexpr int kRedisDb = 125;  // this test's Redis database on the fixture's server
constexpr char kToken[] = "feed-cadence-crm-token";
constexpr qint64 kMinuteMs = 60LL * 1000;
constexpr qint64 kSlotMs = 5 * kMinuteMs;  // the feeds' own interval
const QString kStudents = QStringLiteral("students");
const QString kProfile = QStringLiteral("profile");
const QString kStudentsFeed = Schedule::nameFor(kStudents, SyncMode::Incremental);

const ScheduleOutcome *find(const QList<ScheduleOutcome> &outcomes, const QString &name)
{
    for (const ScheduleOutcome &outcome : outcomes)
        if (outcome.schedule == name)
            return &outcome;
    return nullptr;
}

}  // namespace

class TestFeedCadence final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::PrivateZohoSim> m_sim;
    std::unique_ptr<test::ScratchProfile> m_scratch;
    ConnectionProfile m_profile;
    std::unique_ptr<test::ManualEpochClock> m_clock;
    std::shared_ptr<EngineServices> m_services;
    std::unique_ptr<ServeStack> m_stack;
    std::unique_ptr<Scheduler> m_scheduler;
    std::unique_ptr<ChannelManager> m_channels;
    EntityRegistry m_registry;
    qint64 m_lastStudentsRunMs = 0;  // the start of the students feed's last run

    // Both clocks forward: the sim's (frozen, so it moves only here) and everybody else's.
    void advance(qint64 ms)
    {
        auto moved = test::simAdvanceClock(m_sim->apiBase(), ms);
        if (!moved)
            qFatal("%s", qPrintable(moved.error().toString()));
        m_clock->advance(ms);
        if (moved->value(QLatin1String("now_ms")).toInteger() != m_clock->nowMs())
            qFatal("the sim's clock and the test's are not in step");
    }
    QList<ScheduleOutcome> runDue()
    {
        auto ran = m_scheduler->runDue();
        if (!ran)
            qFatal("runDue: %s", qPrintable(ran.error().toString()));
        for (const ScheduleOutcome &outcome : std::as_const(*ran)) {
            if (outcome.status != ScheduleRunStatus::Succeeded)
                qFatal("%s: %s", qPrintable(outcome.schedule), qPrintable(outcome.error));
            if (outcome.schedule == kStudentsFeed)
                m_lastStudentsRunMs = m_clock->nowMs();
        }
        return *ran;
    }
    // Steps of 5 minutes with the scheduler's tick after each, until the students feed
    // runs (its outcome) or maxMs has passed (nullopt).
    std::optional<ScheduleOutcome> stepUntilStudentsRun(qint64 maxMs)
    {
        for (qint64 waited = 0; waited < maxMs; waited += kSlotMs) {
            advance(kSlotMs);
            const QList<ScheduleOutcome> ran = runDue();
            if (const ScheduleOutcome *students = find(ran, kStudentsFeed))
                return *students;
        }
        return std::nullopt;
    }
    ReadSource readSource(qint64 student)
    {
        auto read = m_stack->engine().read(kProfile, student, false);
        if (!read)
            qFatal("read %lld: %s", student, qPrintable(read.error().toString()));
        return read->source;
    }
    FeedCadence::Cadence studentsCadence()
    {
        auto feeds = FeedCadence::load(PgConnection::forCurrentThread(m_profile.pg));
        auto row = ScheduleRepository(PgConnection::forCurrentThread(m_profile.pg)).get(kStudentsFeed);
        if (!feeds || !row || !row->has_value())
            qFatal("cannot read the students feed's cadence");
        return feeds->cadenceOf(**row, m_clock->nowMs());
    }
    NotificationChannel studentsChannel()
    {
        const QString id = ChannelManager::channelIdFor(m_profile.zoho.clientId, QStringLiteral("Students"));
        auto row = ChannelRepository(PgConnection::forCurrentThread(m_profile.pg)).get(id);
        if (!row || !row->has_value())
            qFatal("no students channel recorded");
        return **row;
    }
    ChannelHealth studentsHealth()
    {
        return ChannelRepository::healthFacts(studentsChannel()).healthAt(m_clock->nowMs());
    }
    void ensureChannels()
    {
        auto pass = m_channels->ensure();
        if (!pass || pass->failed > 0 || pass->outcome != ChannelManager::Pass::Outcome::Done)
            qFatal("channel pass: %s", pass ? qPrintable(pass->errors.join(QStringLiteral("; ")))
                                            : qPrintable(pass.error().toString()));
    }
    std::unique_ptr<ChannelManager> channelManager(qint64 lifetimeMs, qint64 renewMarginMs) const
    {
        ChannelManager::Options options;
        options.publicUrl = m_stack->url();
        options.token = Secret(QLatin1String(kToken));
        options.clientId = m_profile.zoho.clientId;
        options.clock = m_clock->clock();
        options.lifetimeMs = lifetimeMs;
        options.renewMarginMs = renewMarginMs;
        return std::make_unique<ChannelManager>(m_registry, m_profile.pg, m_services->zoho()->client(), options);
    }
    // One student record of the module changed at the sim; notified when a channel is live.
    void mutateStudent(qint64 student, bool waitForNotifications)
    {
        QJsonObject fields{{QStringLiteral("moodle_user_id"), student}};  // a student has one Students record
        if (waitForNotifications)
            fields.insert(QStringLiteral("wait_notifications"), true);
        auto mutated = test::simMutateOp(m_sim->apiBase(), QStringLiteral("Students"), QStringLiteral("update"), fields);
        if (!mutated || mutated->value(QStringLiteral("ids")).toArray().size() != 1)
            qFatal("mutate: %s", mutated ? "no record" : qPrintable(mutated.error().toString()));
    }

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto sim = test::PrivateZohoSim::start({QStringLiteral("--students"), QStringLiteral("30"),
                                                QStringLiteral("--products"), QStringLiteral("5"),
                                                QStringLiteral("--customers"), QStringLiteral("5"),
                                                QStringLiteral("--limits"), QStringLiteral("off")});
        VERIFY_OK(sim);
        m_sim = std::move(*sim);
        auto frozen = test::simPost(m_sim->apiBase(), QStringLiteral("/_sim/clock"),
                                    QJsonObject{{QStringLiteral("freeze"), true}, {QStringLiteral("advance_ms"), 0}});
        VERIFY_OK(frozen);
        m_clock = std::make_unique<test::ManualEpochClock>(frozen->value(QLatin1String("now_ms")).toInteger());

        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("feedcadence"), kRedisDb);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
        m_profile = m_scratch->profile();
        m_profile.zoho = m_sim->settings();
        auto registry = EntityRegistry::builtIn();
        VERIFY_OK(registry);
        m_registry = *registry;

        EngineServices::Options servicesOptions;
        servicesOptions.zoho = CacheEngine::servingOptions(m_profile).zoho;
        FamilyLimits generous;  // the virtual clock stands still between steps: no minute ever ends
        generous.perWindow = 10000000;
        generous.perDay = 0;
        generous.concurrency = 8;
        servicesOptions.zoho.limits = ZohoLimits::uniform(generous);
        servicesOptions.zoho.epochClock = m_clock->clock();
        servicesOptions.clock = m_clock->clock();
        servicesOptions.shareThroughRedis = false;
        m_services = EngineServices::create(m_profile, servicesOptions);

        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QLatin1String(WebhookSettings::kCrmTokenVariable), QLatin1String(kToken));
        ServeStack::Options stackOptions;
        stackOptions.clock = m_clock->clock();
        stackOptions.environment = environment;
        auto stack = ServeStack::start(m_services, stackOptions);
        VERIFY_OK(stack);
        m_stack = std::move(*stack);

        // The default schedules as serve seeds them; Books and the monthly full reconciles
        // paused (not what this test is about).
        ScheduleRepository schedules(PgConnection::forCurrentThread(m_profile.pg));
        VERIFY_OK(schedules.seedDefaults(m_registry, m_clock->nowMs()));
        auto rows = schedules.list();
        VERIFY_OK(rows);
        for (const Schedule &row : std::as_const(*rows))
            if (row.mode == SyncMode::Full || !row.safetyNetIntervalSeconds)
                VERIFY_OK(schedules.setEnabled(row.name, false, QStringLiteral("test")));
        Scheduler::Options options;
        options.clock = m_clock->clock();
        options.database = m_services->database();
        options.sync.clock = m_clock->clock();
        m_scheduler = std::make_unique<Scheduler>(
            Scheduler::runnerOf(SyncRunner(m_services->zoho(), m_services->database(), m_profile.redis)), m_profile.pg,
            options);
        m_channels = channelManager(ChannelManager::kMaxLifetimeMs - 10 * kMinuteMs, 24 * 3600 * 1000LL);
    }

    void cleanupTestCase()
    {
        m_channels.reset();
        m_scheduler.reset();
        m_stack.reset();
        m_services.reset();
        m_scratch.reset();
        m_sim.reset();
    }

    void withoutChannelsTheFeedsRunEveryFiveMinutes()
    {
        // The first slot: every feed's cold listing.
        QCOMPARE(runDue().size(), 5);
        const std::optional<ScheduleOutcome> next = stepUntilStudentsRun(kSlotMs);
        QVERIFY(next.has_value());  // the very next slot
        QVERIFY(next->channelChecks.isEmpty());  // no channel to check
        QCOMPARE(studentsCadence(), FeedCadence::Cadence::Own);
        // Past the 900 s max lag with no run: the replica is too old, the read goes to Zoho.
        advance(16 * kMinuteMs);
        QCOMPARE(readSource(4), ReadSource::Zoho);
        QVERIFY(find(runDue(), kStudentsFeed));  // the missed slot, once
    }

    void aHealthyChannelPutsTheFeedOnItsSafetyNet()
    {
        ensureChannels();
        QCOMPARE(studentsHealth(), ChannelHealth::Healthy);
        QCOMPARE(studentsCadence(), FeedCadence::Cadence::SafetyNet);
        const qint64 lastRun = m_lastStudentsRunMs;

        // A change notified and committed by the webhook at once.
        advance(kSlotMs);
        QVERIFY(!find(runDue(), kStudentsFeed));  // deferred
        mutateStudent(3, true);

        // Half an hour after the feed's last run: well past the old max lag of 900 s, and
        // still answered from the replica, not from Zoho.
        for (int i = 0; i < 5; ++i) {
            advance(kSlotMs);
            QVERIFY(!find(runDue(), kStudentsFeed));
        }
        QVERIFY(m_clock->nowMs() - lastRun >= 30 * kMinuteMs);
        QCOMPARE(readSource(5), ReadSource::Postgres);

        // The safety net: 2 hours after the last run, the run finds nothing the channel missed.
        ensureChannels();  // the keeper's pass (serve: hourly)
        const std::optional<ScheduleOutcome> safetyNet = stepUntilStudentsRun(2 * 3600 * 1000LL);
        QVERIFY(safetyNet.has_value());
        QCOMPARE(m_lastStudentsRunMs - lastRun, 2 * 3600 * 1000LL);
        QCOMPARE(safetyNet->channelChecks.size(), 1);
        QCOMPARE(safetyNet->channelChecks.first().missed, 0);
        QCOMPARE(safetyNet->channelChecks.first().verdict, ChannelRepository::Verdict::Clean);
        QCOMPARE(studentsHealth(), ChannelHealth::Healthy);
        QCOMPARE(studentsCadence(), FeedCadence::Cadence::SafetyNet);
    }

    void aMissedNotificationDegradesTheChannel()
    {
        ensureChannels();
        // Zoho stops notifying without a word; the keeper has not looked since.
        VERIFY_OK(test::simDropChannel(m_sim->apiBase(), studentsChannel().channelId));
        mutateStudent(6, false);
        QCOMPARE(studentsHealth(), ChannelHealth::Healthy);  // nobody knows yet

        const std::optional<ScheduleOutcome> safetyNet = stepUntilStudentsRun(2 * 3600 * 1000LL);
        QVERIFY(safetyNet.has_value());
        QCOMPARE(safetyNet->channelChecks.size(), 1);
        QCOMPARE(safetyNet->channelChecks.first().missed, 1);
        QCOMPARE(safetyNet->channelChecks.first().verdict, ChannelRepository::Verdict::Degraded);
        const NotificationChannel channel = studentsChannel();
        QVERIFY(channel.degradedAt.isValid());
        QVERIFY2(channel.degradedReason.contains(QLatin1String("1 change")), qPrintable(channel.degradedReason));
        QCOMPARE(studentsHealth(), ChannelHealth::Degraded);
        QCOMPARE(studentsCadence(), FeedCadence::Cadence::Own);

        // Back every 5 minutes, and on the normal max lag: 16 minutes without a run go to Zoho.
        QVERIFY(stepUntilStudentsRun(kSlotMs).has_value());
        advance(16 * kMinuteMs);
        QCOMPARE(readSource(7), ReadSource::Zoho);
        QVERIFY(find(runDue(), kStudentsFeed));
    }

    void aDegradedChannelProvesItselfAgain()
    {
        ensureChannels();  // the keeper enables the dropped channel again
        QCOMPARE(studentsChannel().status, ChannelStatus::Active);
        QCOMPARE(studentsHealth(), ChannelHealth::Degraded);
        // An hour of clean 5-minute runs with changes delivered.
        std::optional<ChannelRepository::Verdict> verdict;
        for (int slot = 0; slot < 16 && verdict != ChannelRepository::Verdict::Recovered; ++slot) {
            mutateStudent(8 + slot % 10, true);
            const std::optional<ScheduleOutcome> run = stepUntilStudentsRun(kSlotMs);
            QVERIFY(run.has_value());  // every slot while degraded
            QCOMPARE(run->channelChecks.size(), 1);
            QCOMPARE(run->channelChecks.first().missed, 0);
            verdict = run->channelChecks.first().verdict;
            if (slot % 6 == 5)
                ensureChannels();
        }
        QVERIFY(verdict == ChannelRepository::Verdict::Recovered);
        QVERIFY(!studentsChannel().degradedAt.isValid());
        QCOMPARE(studentsHealth(), ChannelHealth::Healthy);
        QCOMPARE(studentsCadence(), FeedCadence::Cadence::SafetyNet);
        advance(kSlotMs);
        QVERIFY(!find(runDue(), kStudentsFeed));  // deferred again
        // An admin's Run now is never deferred.
        VERIFY_OK(ScheduleRepository(PgConnection::forCurrentThread(m_profile.pg))
                      .setNextRun(kStudentsFeed, m_clock->nowMs(), QStringLiteral("admin")));
        QVERIFY(find(runDue(), kStudentsFeed));
    }

    void anExpiredChannelIsUnhealthyAtOnce()
    {
        // Channels that live two hours, enabled anew (the manager holds the channels' lock:
        // the old one goes first).
        m_channels.reset();
        m_channels = channelManager(2 * 3600 * 1000LL, 30 * kMinuteMs);
        auto disabled = m_channels->disableAll();
        VERIFY_OK(disabled);
        ensureChannels();
        const qint64 expiresMs = studentsChannel().expiresAt.toMSecsSinceEpoch();
        QVERIFY(qAbs(expiresMs - (m_clock->nowMs() + 2 * 3600 * 1000LL)) < 1000);
        QCOMPARE(studentsHealth(), ChannelHealth::Healthy);
        auto row = ScheduleRepository(PgConnection::forCurrentThread(m_profile.pg)).get(kStudentsFeed);
        VERIFY_OK(row);
        const ScheduleOutcome fresh = m_scheduler->runSchedule(**row);  // data as of now
        QCOMPARE(fresh.status, ScheduleRunStatus::Succeeded);

        // No keeper, no scheduler: just before the expiry the replica is still vouched for…
        advance(expiresMs - m_clock->nowMs() - 2 * kMinuteMs);
        QCOMPARE(studentsHealth(), ChannelHealth::Healthy);
        QCOMPARE(readSource(11), ReadSource::Postgres);
        // …and at the expiry it is not: the normal max lag again, and the feed's own interval.
        advance(2 * kMinuteMs);
        QCOMPARE(studentsHealth(), ChannelHealth::Expired);
        QCOMPARE(studentsCadence(), FeedCadence::Cadence::Own);
        QCOMPARE(readSource(12), ReadSource::Zoho);
        QVERIFY(find(runDue(), kStudentsFeed));
    }
};

QTEST_GUILESS_MAIN(TestFeedCadence)
#include "tst_feedcadence.moc"
