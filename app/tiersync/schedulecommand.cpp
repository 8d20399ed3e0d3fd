#include "schedulecommand.h"

#include "cliprofile.h"

#include "core/epochclock.h"
#include "host/engineservices.h"
#include "schedule/cronexpression.h"
#include "schedule/feedcadence.h"
#include "schedule/schedulerepository.h"
#include "schedule/scheduler.h"
#include "store/databaseopener.h"
#include "store/pgconnection.h"
#include "sync/entityregistry.h"
#include "sync/syncrunner.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QEventLoop>
#include <QFutureWatcher>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>
#include <QtConcurrent/QtConcurrentRun>

#include <optional>

namespace tiersync::cli {

namespace {

const char kUsage[] = "usage: tiersync schedule list [--json]\n"
                      "       tiersync schedule set NAME (--every 5m | --cron \"EXPR\") [--mode incremental|full]\n"
                      "                                  [--safety-net 2h|off] [--json]\n"
                      "       tiersync schedule pause|resume NAME [--json]\n"
                      "       tiersync schedule run NAME [--wait] [--json]\n"
                      "NAME is <entity type>:<mode>, e.g. students:incremental; EXPR has 5 fields in UTC.\n"
                      "--safety-net: the interval of an incremental feed while its module's notification channel\n"
                      "is healthy (kept when not given; off: always --every).\n";

int usage(const QString &message)
{
    QTextStream(stderr) << "tiersync schedule: " << message << '\n' << kUsage;
    return 2;
}

int fail(const Error &error)
{
    QTextStream(stderr) << "tiersync schedule: " << error.message << '\n';
    return error.kind == ErrorKind::InvalidArgument || error.kind == ErrorKind::NotFound ? 2 : 1;
}

QJsonValue isoTime(const QDateTime &at)
{
    return at.isValid() ? QJsonValue(at.toUTC().toString(Qt::ISODateWithMs)) : QJsonValue();
}

// Seconds a due slot has waited unclaimed (no serve running, or all busy); 0 when not due.
qint64 lagSeconds(const Schedule &schedule, qint64 nowMs)
{
    if (!schedule.enabled || !schedule.nextRunAt.isValid())
        return 0;
    return std::max<qint64>(0, (nowMs - schedule.nextRunAt.toMSecsSinceEpoch()) / 1000);
}

QJsonObject toJson(const Schedule &s, const FeedCadence &feeds, qint64 nowMs)
{
    const FeedCadence::Cadence cadence = feeds.cadenceOf(s, nowMs);
    return QJsonObject{
        {QStringLiteral("safety_net_seconds"),
         s.safetyNetIntervalSeconds ? QJsonValue(*s.safetyNetIntervalSeconds) : QJsonValue()},
        {QStringLiteral("cadence_in_force"), feedCadenceName(cadence)},
        {QStringLiteral("next_run_in_force"), isoTime(FeedCadence::nextRunInForce(s, cadence))},
        {QStringLiteral("name"), s.name},
        {QStringLiteral("entity_type"), s.entityType},
        {QStringLiteral("mode"), syncModeName(s.mode)},
        {QStringLiteral("interval_seconds"), s.intervalSeconds ? QJsonValue(*s.intervalSeconds) : QJsonValue()},
        {QStringLiteral("cron"), s.cron.isEmpty() ? QJsonValue() : QJsonValue(s.cron)},
        {QStringLiteral("enabled"), s.enabled},
        {QStringLiteral("next_run_at"), isoTime(s.nextRunAt)},
        {QStringLiteral("last_run_id"), s.lastRunId > 0 ? QJsonValue(double(s.lastRunId)) : QJsonValue()},
        {QStringLiteral("last_status"), s.lastStatus ? QJsonValue(scheduleRunStatusName(*s.lastStatus)) : QJsonValue()},
        {QStringLiteral("last_started_at"), isoTime(s.lastStartedAt)},
        {QStringLiteral("last_finished_at"), isoTime(s.lastFinishedAt)},
        {QStringLiteral("last_error"), s.lastError.isEmpty() ? QJsonValue() : QJsonValue(s.lastError)},
        {QStringLiteral("claimed_by"), s.claimedBy.isEmpty() ? QJsonValue() : QJsonValue(s.claimedBy)},
        {QStringLiteral("lag_seconds"), double(lagSeconds(s, nowMs))},
        {QStringLiteral("updated_at"), isoTime(s.updatedAt)},
        {QStringLiteral("updated_by"), s.updatedBy},
    };
}

QString relative(qint64 seconds)
{
    const qint64 magnitude = std::abs(seconds);
    if (magnitude < 120)
        return QStringLiteral("%1s").arg(magnitude);
    if (magnitude < 2 * 3600)
        return QStringLiteral("%1m").arg(magnitude / 60);
    if (magnitude < 2 * 86400)
        return QStringLiteral("%1h").arg(magnitude / 3600);
    return QStringLiteral("%1d").arg(magnitude / 86400);
}

// "5m", "cron 0 3 * * 0"; a feed with a safety net "5m|2h", the one in force marked "*".
QString cadenceText(const Schedule &s, FeedCadence::Cadence cadence)
{
    if (!s.intervalSeconds)
        return s.cron;
    const QString own = formatScheduleInterval(*s.intervalSeconds);
    if (!s.safetyNetIntervalSeconds)
        return own;
    const QString net = formatScheduleInterval(*s.safetyNetIntervalSeconds);
    return cadence == FeedCadence::Cadence::SafetyNet ? own + QStringLiteral("|") + net + QStringLiteral("*")
                                                      : own + QStringLiteral("*|") + net;
}

void printTable(QTextStream &out, const QList<Schedule> &schedules, const FeedCadence &feeds, qint64 nowMs)
{
    const QString row = QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8\n");
    out << row.arg(QStringLiteral("name"), -24)
               .arg(QStringLiteral("entity"), -12)
               .arg(QStringLiteral("mode"), -11)
               .arg(QStringLiteral("every/cron"), -18)
               .arg(QStringLiteral("enabled"), -7)
               .arg(QStringLiteral("next run"), -28)
               .arg(QStringLiteral("last result"), -28)
               .arg(QStringLiteral("lag"));
    bool safetyNets = false;
    for (const Schedule &s : schedules) {
        const FeedCadence::Cadence cadence = feeds.cadenceOf(s, nowMs);
        safetyNets = safetyNets || s.safetyNetIntervalSeconds.has_value();
        const QDateTime nextRun = FeedCadence::nextRunInForce(s, cadence);
        QString next = nextRun.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        const qint64 inSeconds = (nextRun.toMSecsSinceEpoch() - nowMs) / 1000;
        next += inSeconds > 0 ? QStringLiteral(" (in %1)").arg(relative(inSeconds)) : QStringLiteral(" (due)");
        QString last = QStringLiteral("never ran");
        if (s.lastStatus) {
            last = scheduleRunStatusName(*s.lastStatus);
            if (s.lastRunId > 0)
                last += QStringLiteral(" run %1").arg(s.lastRunId);
            const QDateTime at = s.lastFinishedAt.isValid() ? s.lastFinishedAt : s.lastStartedAt;
            if (at.isValid())
                last += QStringLiteral(", %1 ago").arg(relative((nowMs - at.toMSecsSinceEpoch()) / 1000));
        }
        const qint64 lag = lagSeconds(s, nowMs);
        out << row.arg(s.name, -24)
                   .arg(s.entityType, -12)
                   .arg(syncModeName(s.mode), -11)
                   .arg(cadenceText(s, cadence), -18)
                   .arg(s.enabled ? QStringLiteral("yes") : QStringLiteral("paused"), -7)
                   .arg(s.enabled ? next : QStringLiteral("-"), -28)
                   .arg(last, -28)
                   .arg(lag > 0 ? relative(lag) : QStringLiteral("-"));
        if (s.lastError.size() > 0 && s.lastStatus != ScheduleRunStatus::Succeeded)
            out << "    " << s.lastError << '\n';
    }
    if (safetyNets)
        out << "every A|B: A without a healthy notification channel, B (the safety net) with one; * is in force "
               "(tiersync channels list)\n";
}

Error unknownSchedule(const QString &name, const QList<Schedule> &known)
{
    QStringList names;
    for (const Schedule &s : known)
        names.append(s.name);
    return makeError(ErrorKind::NotFound,
                     QStringLiteral("no schedule named '%1' (known: %2)").arg(name, names.join(QStringLiteral(", "))));
}

// The Scheduler's run of one schedule, on a pool thread while this one waits.
ScheduleOutcome runAndWait(EngineServices &services, const Schedule &schedule)
{
    Scheduler scheduler(Scheduler::runnerOf(SyncRunner(services.zoho(), services.database(), services.profile().redis)),
                        services.profile().pg, Scheduler::Options{});
    QFutureWatcher<ScheduleOutcome> watcher;
    QEventLoop loop;
    QObject::connect(&watcher, &QFutureWatcher<ScheduleOutcome>::finished, &loop, &QEventLoop::quit);
    watcher.setFuture(QtConcurrent::run([&scheduler, schedule] { return scheduler.runSchedule(schedule); }));
    if (!watcher.isFinished())
        loop.exec();
    return watcher.result();
}

}  // namespace

int runScheduleCommand(EngineServices &services, const QStringList &arguments)
{
    QStringList args = arguments;
    const bool json = args.removeAll(QStringLiteral("--json")) > 0;
    const bool wait = args.removeAll(QStringLiteral("--wait")) > 0;
    if (args.isEmpty())
        return usage(QStringLiteral("list, set, pause, resume or run?"));
    const QString action = args.takeFirst();
    const QStringList actions{QStringLiteral("list"), QStringLiteral("set"), QStringLiteral("pause"),
                              QStringLiteral("resume"), QStringLiteral("run")};
    if (!actions.contains(action))
        return usage(QStringLiteral("unknown action '%1'").arg(action));
    if (wait && action != QLatin1String("run"))
        return usage(QStringLiteral("--wait goes with run"));

    QString name;
    std::optional<int> every;
    QString cron;
    std::optional<SyncMode> mode;
    std::optional<std::optional<int>> safetyNet;  // given: a value, or off
    if (action != QLatin1String("list")) {
        if (args.isEmpty() || args.first().startsWith(QLatin1String("--")))
            return usage(QStringLiteral("which schedule?"));
        name = args.takeFirst();
    }
    for (qsizetype i = 0; i < args.size(); ++i) {
        const QString &flag = args.at(i);
        const bool takesValue = action == QLatin1String("set")
            && (flag == QLatin1String("--every") || flag == QLatin1String("--cron") || flag == QLatin1String("--mode")
                || flag == QLatin1String("--safety-net"));
        if (!takesValue)
            return usage(QStringLiteral("unexpected argument '%1'").arg(flag));
        if (i + 1 >= args.size())
            return usage(QStringLiteral("%1 needs a value").arg(flag));
        const QString value = args.at(++i);
        if (flag == QLatin1String("--every")) {
            auto seconds = parseScheduleInterval(value);
            if (!seconds)
                return usage(seconds.error().message);
            every = *seconds;
        } else if (flag == QLatin1String("--cron")) {
            cron = value;
        } else if (flag == QLatin1String("--safety-net")) {
            if (value == QLatin1String("off")) {
                safetyNet = std::optional<int>();
            } else {
                auto seconds = parseScheduleInterval(value);
                if (!seconds)
                    return usage(seconds.error().message);
                safetyNet = std::optional<int>(*seconds);
            }
        } else {
            mode = syncModeFromName(value);
            if (!mode)
                return usage(QStringLiteral("--mode is incremental or full"));
        }
    }
    if (action == QLatin1String("set") && every.has_value() == !cron.isEmpty())
        return usage(QStringLiteral("give either --every or --cron"));

    auto registry = EntityRegistry::builtIn();
    if (!registry)
        return fail(registry.error());
    PgConnection connection(services.profile().pg);
    if (auto migrated = services.database()->ensureMigrated(connection); !migrated)
        return fail(migrated.error());
    ScheduleRepository repository(connection);
    const qint64 nowMs = systemEpochClock()();
    // As serve does at start: the defaults exist before anyone edits them.
    if (auto seeded = repository.seedDefaults(*registry, nowMs); !seeded)
        return fail(seeded.error());
    auto schedules = repository.list();
    if (!schedules)
        return fail(schedules.error());
    auto feeds = FeedCadence::load(connection);
    if (!feeds)
        return fail(feeds.error());
    QTextStream out(stdout);

    if (action == QLatin1String("set")) {
        // "grades" with --mode, or "grades:full" (then --mode, if given, must agree).
        QString type = name;
        if (const qsizetype colon = name.indexOf(QLatin1Char(':')); colon >= 0) {
            type = name.left(colon);
            const auto named = syncModeFromName(name.mid(colon + 1));
            if (!named)
                return usage(QStringLiteral("'%1': the mode after ':' is incremental or full").arg(name));
            if (mode && *mode != *named)
                return usage(QStringLiteral("'%1' and --mode %2 disagree").arg(name, syncModeName(*mode)));
            mode = named;
        }
        if (!registry->contains(type))
            return fail(makeError(ErrorKind::InvalidArgument, QStringLiteral("unknown entity type '%1' (known: %2)")
                                                                  .arg(type, registry->names().join(QStringLiteral(", ")))));
        Schedule schedule;
        schedule.entityType = type;
        schedule.mode = mode.value_or(SyncMode::Incremental);
        schedule.name = Schedule::nameFor(type, schedule.mode);
        for (const Schedule &existing : std::as_const(*schedules))
            if (existing.name == schedule.name) {
                schedule.enabled = existing.enabled;
                if (every)  // an interval keeps the row's safety net; a cron has none
                    schedule.safetyNetIntervalSeconds = existing.safetyNetIntervalSeconds;
            }
        schedule.intervalSeconds = every;
        if (safetyNet)
            schedule.safetyNetIntervalSeconds = *safetyNet;
        if (!cron.isEmpty()) {
            auto parsed = CronExpression::parse(cron);
            if (!parsed)
                return usage(parsed.error().message);
            schedule.cron = parsed->text();
        }
        if (Status saved = repository.upsert(schedule, whoAmI(), nowMs); !saved)
            return fail(saved.error());
        name = schedule.name;
    } else if (action != QLatin1String("list")) {
        const bool known = std::any_of(schedules->cbegin(), schedules->cend(),
                                       [&](const Schedule &s) { return s.name == name; });
        if (!known)
            return fail(unknownSchedule(name, *schedules));
        Status changed;
        if (action == QLatin1String("pause") || action == QLatin1String("resume"))
            changed = repository.setEnabled(name, action == QLatin1String("resume"), whoAmI());
        else if (!wait)
            changed = repository.setNextRun(name, nowMs, whoAmI());
        if (!changed)
            return fail(changed.error());
    }

    if (action == QLatin1String("run") && wait) {
        auto schedule = repository.get(name);
        if (!schedule || !schedule->has_value())
            return fail(schedule ? unknownSchedule(name, *schedules) : schedule.error());
        const ScheduleOutcome outcome = runAndWait(services, **schedule);
        if (json) {
            out << QJsonDocument(QJsonObject{{QStringLiteral("schedule"), outcome.schedule},
                                             {QStringLiteral("status"), scheduleRunStatusName(outcome.status)},
                                             {QStringLiteral("run_id"), outcome.runId > 0
                                                                             ? QJsonValue(double(outcome.runId))
                                                                             : QJsonValue()},
                                             {QStringLiteral("error"), outcome.error.isEmpty()
                                                                           ? QJsonValue()
                                                                           : QJsonValue(outcome.error)}})
                       .toJson(QJsonDocument::Compact)
                << '\n';
        } else {
            out << outcome.schedule << ": " << scheduleRunStatusName(outcome.status);
            if (outcome.runId > 0)
                out << " (run " << outcome.runId << ")";
            out << '\n';
            if (!outcome.error.isEmpty())
                QTextStream(stderr) << "tiersync schedule: " << outcome.error << '\n';
        }
        switch (outcome.status) {
        case ScheduleRunStatus::Succeeded: return 0;
        case ScheduleRunStatus::Skipped: return 3;
        case ScheduleRunStatus::Cancelled: return 130;
        default: return 1;
        }
    }

    if (action == QLatin1String("list")) {
        if (json) {
            QJsonArray array;
            for (const Schedule &s : std::as_const(*schedules))
                array.append(toJson(s, *feeds, nowMs));
            out << QJsonDocument(QJsonObject{{QStringLiteral("schedules"), array}}).toJson(QJsonDocument::Compact)
                << '\n';
        } else {
            printTable(out, *schedules, *feeds, nowMs);
        }
        return 0;
    }
    auto changed = repository.get(name);
    if (!changed || !changed->has_value())
        return fail(changed ? unknownSchedule(name, *schedules) : changed.error());
    if (json) {
        out << QJsonDocument(toJson(**changed, *feeds, nowMs)).toJson(QJsonDocument::Compact) << '\n';
    } else {
        printTable(out, {**changed}, *feeds, nowMs);
        if (action == QLatin1String("run"))
            out << name << " is due now: a running `tiersync serve` runs it at its next tick "
                << "(or use --wait to run it here)\n";
    }
    return 0;
}

}  // namespace tiersync::cli
