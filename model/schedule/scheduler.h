#pragma once

#include "core/epochclock.h"
#include "core/pgsettings.h"
#include "core/result.h"
#include "schedule/schedule.h"
#include "webhook/channelrepository.h"
#include "sync/entityregistry.h"
#include "sync/syncoptions.h"
#include "sync/syncreport.h"
#include "sync/syncrunner.h"

#include <QList>
#include <QMetaType>
#include <QMutex>
#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

class QThread;
class QTimer;

namespace tiersync {

class DatabaseOpener;
class SyncOrchestrator;

// What one scheduled run came to.
struct ScheduleOutcome final {
    QString schedule;
    QString entityType;
    ScheduleRunStatus status = ScheduleRunStatus::Failed;
    qint64 runId = 0;  // its sync_runs row; 0 when none was recorded (skipped, or failed to start)
    QString error;
    // The feed's self-check of its notification channels (FeedCadence::check), one per
    // active channel; empty when the run made none (no channel, not a feed, not succeeded).
    QList<ChannelRepository::CheckResult> channelChecks;
};

// Runs the due schedules of tiersync.schedules (issue 10 "Schedules"). Every few seconds
// (Options::tickIntervalMs) it claims the rows due at its clock's now
// (ScheduleRepository::claimDue: each slot goes to one instance) and runs them one after
// the other through the process's SyncRunner, recording each outcome on the row. A run
// the sync's advisory lock refuses (another instance, the CLI or the console is syncing
// that type) is recorded as skipped, not failed. A feed whose module's notification
// channel is healthy is on its safety net (FeedCadence): its slots in between are
// deferred, and each succeeded run checks the channel.
//
// start() ticks on a thread of its own, first at once (a slot missed while nothing ran
// is claimed then, once); stop() (and the destructor) cancels the running sync, which
// ends at its next page or batch boundary and is recorded as cancelled, and joins the
// thread. runDue() is one tick on the calling thread, for tests and the CLI.
class Scheduler final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Scheduler)

public:
    // One sync of entityType; SyncRunner::run's contract (an Error with kind Conflict:
    // the type's lock is held elsewhere).
    using RunSync =
        std::function<Result<SyncReport>(const QString &entityType, SyncOptions options, const SyncRunner::Hooks &hooks)>;

    struct Options {
        EpochClock clock;            // "now" for claiming and recording; null: the system clock
        int tickIntervalMs = 5000;
        QString instanceId;          // recorded as claimed_by; empty: host:pid:random
        SyncOptions sync;            // each run's options; mode and trigger ("schedule") are set per run
        // Migrated before the first claim (ensureMigrated); null: the caller did.
        std::shared_ptr<DatabaseOpener> database;
        // Seeded (ScheduleRepository::seedDefaults) before the first claim, retried each
        // tick until it succeeds; nullopt: no seeding.
        std::optional<EntityRegistry> seed;
    };

    Scheduler(RunSync run, PgSettings pg, Options options, QObject *parent = nullptr);
    ~Scheduler() override;

    // A RunSync on the process's SyncRunner.
    [[nodiscard]] static RunSync runnerOf(SyncRunner runner);
    [[nodiscard]] static QString makeInstanceId();

    void start();
    // Cancels the running sync, stops ticking and joins the thread; a no-op when stopped.
    // Call from the thread that called start().
    void stop();
    [[nodiscard]] bool isRunning() const;
    [[nodiscard]] const QString &instanceId() const { return m_options.instanceId; }

    // One tick on the calling thread (which must not be the scheduler's own while it runs):
    // seed if asked, claim what is due now, run it. Stops between runs once stop() was called.
    [[nodiscard]] Result<QList<ScheduleOutcome>> runDue();
    // Runs one schedule now on the calling thread and records its outcome on the row,
    // whatever its next_run_at (`tiersync schedule run --wait`).
    [[nodiscard]] ScheduleOutcome runSchedule(const Schedule &schedule);

signals:
    void runStarted(const QString &schedule);
    // A claimed slot not run: the feed is on its safety net (FeedCadence::defers).
    void runDeferred(const QString &schedule);
    void runFinished(const tiersync::ScheduleOutcome &outcome);
    // After each tick of the scheduler's thread: how many schedules it ran, or why it could not claim.
    void tickFinished(int ran);
    void tickFailed(const QString &error);

private:
    void tick();
    // After a succeeded run: the feed's self-check of its channels (FeedCadence::check).
    void checkChannels(const Schedule &schedule, ScheduleOutcome &outcome, qint64 startedAtMs);

    RunSync m_run;
    PgSettings m_pg;
    Options m_options;
    EpochClock m_clock;
    bool m_seeded = false;  // touched only by the ticking thread

    std::atomic_bool m_stopping{false};
    QMutex m_mutex;
    SyncOrchestrator *m_current = nullptr;  // guarded by m_mutex

    std::unique_ptr<QThread> m_thread;
    QTimer *m_timer = nullptr;  // lives in m_thread, deleted when it finishes
};

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::ScheduleOutcome)
