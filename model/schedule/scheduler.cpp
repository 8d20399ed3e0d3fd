#include "schedule/scheduler.h"

#include "core/logging.h"
#include "schedule/feedcadence.h"
#include "schedule/schedulerepository.h"
#include "store/databaseopener.h"
#include "store/pgconnection.h"
#include "sync/syncorchestrator.h"

#include <QCoreApplication>
#include <QMutexLocker>
#include <QRandomGenerator>
#include <QSysInfo>
#include <QThread>
#include <QTimer>

namespace tiersync {

Scheduler::Scheduler(RunSync run, PgSettings pg, Options options, QObject *parent)
    : QObject(parent)
    , m_run(std::move(run))
    , m_pg(std::move(pg))
    , m_options(std::move(options))
    , m_clock(orSystemEpochClock(m_options.clock))
{
    qRegisterMetaType<ScheduleOutcome>();
    if (m_options.instanceId.isEmpty())
        m_options.instanceId = makeInstanceId();
    if (m_options.tickIntervalMs < 10)
        m_options.tickIntervalMs = 10;
}

Scheduler::~Scheduler()
{
    stop();
}

Scheduler::RunSync Scheduler::runnerOf(SyncRunner runner)
{
    return [runner = std::move(runner)](const QString &entityType, SyncOptions options,
                                        const SyncRunner::Hooks &hooks) {
        return runner.run(entityType, std::move(options), hooks);
    };
}

QString Scheduler::makeInstanceId()
{
    return QStringLiteral("%1:%2:%3")
        .arg(QSysInfo::machineHostName())
        .arg(QCoreApplication::applicationPid())
        .arg(QRandomGenerator::global()->generate() & 0xffffff, 6, 16, QLatin1Char('0'));
}

void Scheduler::start()
{
    if (m_thread)
        return;
    m_stopping = false;
    m_thread = std::make_unique<QThread>();
    m_thread->setObjectName(QStringLiteral("tiersync-scheduler"));
    m_timer = new QTimer;
    m_timer->setInterval(m_options.tickIntervalMs);
    m_timer->moveToThread(m_thread.get());
    connect(m_timer, &QTimer::timeout, m_timer, [this] { tick(); });
    connect(m_thread.get(), &QThread::started, m_timer, [this] {
        tick();  // at once: what came due while nothing ran goes first
        m_timer->start();
    });
    connect(m_thread.get(), &QThread::finished, m_timer, &QObject::deleteLater);
    m_thread->start();
    qCInfo(lcSync).noquote() << "scheduler" << m_options.instanceId << "started, a tick every"
                             << m_options.tickIntervalMs << "ms";
}

void Scheduler::stop()
{
    m_stopping = true;
    {
        QMutexLocker lock(&m_mutex);
        if (m_current)
            m_current->cancel();
    }
    if (!m_thread)
        return;
    m_thread->quit();
    m_thread->wait();
    m_thread.reset();
    m_timer = nullptr;
    qCInfo(lcSync).noquote() << "scheduler" << m_options.instanceId << "stopped";
}

bool Scheduler::isRunning() const
{
    return m_thread && m_thread->isRunning();
}

void Scheduler::tick()
{
    if (m_stopping)
        return;
    auto outcomes = runDue();
    if (!outcomes) {
        qCWarning(lcSync).noquote() << "scheduler: cannot claim the due schedules:" << outcomes.error().toString();
        emit tickFailed(outcomes.error().toString());
        return;
    }
    emit tickFinished(int(outcomes->size()));
}

Result<QList<ScheduleOutcome>> Scheduler::runDue()
{
    if (m_options.database) {
        if (auto migrated = m_options.database->ensureMigrated(); !migrated)
            return migrated.error();
    }
    ScheduleRepository repository(PgConnection::forCurrentThread(m_pg));
    const qint64 nowMs = m_clock();
    if (m_options.seed && !m_seeded) {
        auto seeded = repository.seedDefaults(*m_options.seed, nowMs);
        if (!seeded)
            return seeded.error();
        m_seeded = true;
        if (*seeded > 0)
            qCInfo(lcSync) << "scheduler: seeded" << *seeded << "default schedules";
    }
    // The channels' health once a tick. Unreadable: every feed on its own cadence, as
    // without channels (the safe side: more runs, never fewer).
    auto cadence = FeedCadence::load(PgConnection::forCurrentThread(m_pg));
    if (!cadence)
        qCWarning(lcSync).noquote() << "scheduler: cannot read the notification channels, every feed on its own "
                                       "interval:"
                                    << cadence.error().toString();
    const FeedCadence feeds = cadence ? *cadence : FeedCadence();
    // One row at a time, all at the tick's now: a row claimed here moves past now, so the
    // loop ends; a stop between runs leaves the rest due for whoever ticks next.
    QList<ScheduleOutcome> outcomes;
    while (!m_stopping) {
        auto claimed = repository.claimDue(nowMs, m_options.instanceId, 1);
        if (!claimed)
            return claimed.error();
        if (claimed->isEmpty())
            break;
        const Schedule &schedule = claimed->constFirst();
        if (feeds.defers(schedule, nowMs)) {
            qCDebug(lcSync).noquote() << "scheduler:" << schedule.name << "deferred: on its safety net";
            emit runDeferred(schedule.name);
            continue;
        }
        outcomes.append(runSchedule(schedule));
    }
    return outcomes;
}

ScheduleOutcome Scheduler::runSchedule(const Schedule &schedule)
{
    ScheduleRepository repository(PgConnection::forCurrentThread(m_pg));
    const qint64 startedAtMs = m_clock();
    if (Status recorded = repository.recordStart(schedule.name, startedAtMs); !recorded)
        qCWarning(lcSync).noquote() << "scheduler: cannot record the start of" << schedule.name << ':'
                                    << recorded.error().toString();
    emit runStarted(schedule.name);
    qCInfo(lcSync).noquote() << "scheduler: running" << schedule.name;

    SyncOptions options = m_options.sync;
    options.mode = schedule.mode;
    options.trigger = QStringLiteral("schedule");
    if (!options.clock)
        options.clock = m_options.clock;
    std::atomic<qint64> startedRunId{0};
    SyncRunner::Hooks hooks;
    hooks.attached = [this, &startedRunId](SyncOrchestrator &sync) {
        // Direct: emitted by run() on this thread before the first page.
        QObject::connect(&sync, &SyncOrchestrator::started, &sync,
                         [&startedRunId](qint64 runId, const QString &) { startedRunId = runId; },
                         Qt::DirectConnection);
        QMutexLocker lock(&m_mutex);
        m_current = &sync;
        if (m_stopping)
            sync.cancel();
    };
    hooks.detached = [this] {
        QMutexLocker lock(&m_mutex);
        m_current = nullptr;
    };
    const Result<SyncReport> report = m_run(schedule.entityType, std::move(options), hooks);

    ScheduleOutcome outcome;
    outcome.schedule = schedule.name;
    outcome.entityType = schedule.entityType;
    if (report) {
        const SyncRunRepository::Run &run = report->run;
        outcome.runId = run.id;
        outcome.error = run.error;
        outcome.status = run.status == SyncRunStatus::Succeeded   ? ScheduleRunStatus::Succeeded
                         : run.status == SyncRunStatus::Cancelled ? ScheduleRunStatus::Cancelled
                                                                  : ScheduleRunStatus::Failed;
    } else {
        outcome.runId = startedRunId;
        outcome.error = report.error().message;
        outcome.status = report.error().kind == ErrorKind::Conflict ? ScheduleRunStatus::Skipped
                                                                    : ScheduleRunStatus::Failed;
    }
    if (Status recorded = repository.recordFinish(schedule.name, outcome.status, outcome.runId, m_clock(),
                                                  outcome.error);
        !recorded)
        qCWarning(lcSync).noquote() << "scheduler: cannot record the outcome of" << schedule.name << ':'
                                    << recorded.error().toString();
    qCInfo(lcSync).noquote() << "scheduler:" << schedule.name << scheduleRunStatusName(outcome.status)
                             << (outcome.runId > 0 ? QStringLiteral("(run %1)").arg(outcome.runId) : QString());
    if (outcome.status == ScheduleRunStatus::Succeeded)
        checkChannels(schedule, outcome, startedAtMs);
    emit runFinished(outcome);
    return outcome;
}

void Scheduler::checkChannels(const Schedule &schedule, ScheduleOutcome &outcome, qint64 startedAtMs)
{
    auto checks = FeedCadence::check(PgConnection::forCurrentThread(m_pg), schedule, outcome.runId, startedAtMs);
    if (!checks) {
        // Not checked this time; the next run checks again (its rows include nothing of this one's).
        qCWarning(lcSync).noquote() << "scheduler: cannot check the notification channels of" << schedule.entityType
                                    << ':' << checks.error().toString();
        return;
    }
    outcome.channelChecks = *checks;
    for (const ChannelRepository::CheckResult &check : std::as_const(outcome.channelChecks)) {
        if (check.verdict == ChannelRepository::Verdict::Degraded)
            qCWarning(lcSync).noquote() << "scheduler: channel" << check.channelId << "of" << schedule.entityType
                                        << "missed" << check.missed
                                        << "change(s): degraded, the feed is back on its own interval";
        else if (check.verdict == ChannelRepository::Verdict::Recovered)
            qCInfo(lcSync).noquote() << "scheduler: channel" << check.channelId << "of" << schedule.entityType
                                     << "proved itself again: the feed is back on its safety net";
    }
}

}  // namespace tiersync
