#include "synccommand.h"

#include "progressbar.h"
#include "syncrunjson.h"

#include "host/engineservices.h"
#include "sync/entityregistry.h"
#include "sync/syncorchestrator.h"
#include "sync/syncrunner.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QFutureWatcher>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>
#include <QtConcurrent/QtConcurrentRun>

#include <atomic>
#include <csignal>

namespace tiersync::cli {

namespace {

std::atomic<SyncOrchestrator *> g_running{nullptr};

extern "C" void cancelOnSignal(int)
{
    if (SyncOrchestrator *sync = g_running.load())
        sync->cancel();  // an atomic store: safe in a signal handler
}

int usage(const QString &message)
{
    QTextStream(stderr) << "tiersync sync: " << message << "\n"
                        << "usage: tiersync sync products|customers|students|grades|payments|classes|requests [--mode incremental|full] "
                           "[--batch-size N] [--json]\n";
    return 2;
}

}  // namespace

int runSyncCommand(EngineServices &services, const QStringList &arguments)
{
    QStringList args = arguments;
    const bool json = args.removeAll(QStringLiteral("--json")) > 0;
    SyncOptions options;
    options.trigger = QStringLiteral("cli");
    QString type;
    for (qsizetype i = 0; i < args.size(); ++i) {
        const QString &arg = args.at(i);
        if (arg == QLatin1String("--mode") && i + 1 < args.size()) {
            const auto mode = syncModeFromName(args.at(++i));
            if (!mode)
                return usage(QStringLiteral("--mode is incremental or full"));
            options.mode = *mode;
        } else if (arg == QLatin1String("--batch-size") && i + 1 < args.size()) {
            bool ok = false;
            options.batchSize = args.at(++i).toInt(&ok);
            if (!ok || options.batchSize < 1 || options.batchSize > 10000)
                return usage(QStringLiteral("--batch-size is a number from 1 to 10000"));
        } else if (!arg.startsWith(QLatin1String("--")) && type.isEmpty()) {
            type = arg;
        } else {
            return usage(QStringLiteral("unexpected argument '%1'").arg(arg));
        }
    }
    auto registry = EntityRegistry::builtIn();
    if (!registry) {
        QTextStream(stderr) << "tiersync sync: " << registry.error().message << '\n';
        return 1;
    }
    const EntityDefinition *entity = registry->find(type);
    if (!entity)
        return usage(type.isEmpty() ? QStringLiteral("which entity type?")
                                    : QStringLiteral("unknown entity type '%1' (known: %2)")
                                          .arg(type, registry->names().join(QStringLiteral(", "))));

    const SyncRunner runner(services.zoho(), services.database(), services.profile().redis);
    ProgressBar bar(QStringLiteral("sync %1").arg(entity->name));
    auto previousInt = std::signal(SIGINT, cancelOnSignal);
    auto previousTerm = std::signal(SIGTERM, cancelOnSignal);
    QFutureWatcher<Result<SyncReport>> watcher;
    QEventLoop loop;
    QObject::connect(&watcher, &QFutureWatcher<Result<SyncReport>>::finished, &loop, &QEventLoop::quit);
    SyncRunner::Hooks hooks;
    hooks.attached = [&bar](SyncOrchestrator &sync) {
        // Queued to the main thread, whose event loop runs while the sync does.
        QObject::connect(&sync, &SyncOrchestrator::progress, qApp, [&bar](const SyncProgress &progress) {
            bar.update(progress.done, progress.total, progress.ratePerSecond);
        });
        g_running.store(&sync);
    };
    hooks.detached = [] { g_running.store(nullptr); };
    watcher.setFuture(QtConcurrent::run([&runner, &hooks, name = entity->name, options] {
        return runner.run(name, options, hooks);
    }));
    if (!watcher.isFinished())
        loop.exec();
    QCoreApplication::sendPostedEvents();  // the last progress signals
    std::signal(SIGINT, previousInt);
    std::signal(SIGTERM, previousTerm);
    g_running.store(nullptr);
    bar.finish();

    const Result<SyncReport> report = watcher.result();
    QTextStream out(stdout);
    if (!report) {
        const bool refused = report.error().kind == ErrorKind::Conflict;
        if (json)
            out << QJsonDocument(QJsonObject{{QStringLiteral("entity_type"), entity->name},
                                             {QStringLiteral("status"), refused ? QStringLiteral("refused")
                                                                                : QStringLiteral("failed")},
                                             {QStringLiteral("error"), report.error().message}})
                       .toJson(QJsonDocument::Compact)
                << '\n';
        else
            QTextStream(stderr) << "tiersync sync: " << (refused ? report.error().message : report.error().toString())
                                << '\n';
        return refused ? 3 : 1;
    }
    const SyncRunRepository::Run &run = report->run;
    if (json) {
        out << QJsonDocument(syncRunToJson(run)).toJson(QJsonDocument::Compact) << '\n';
    } else {
        out << QStringLiteral("run %1: %2 %3 (%4) — fetched %5, synced %6, skipped %7, failed %8, deleted %9")
                   .arg(run.id)
                   .arg(run.entityType, run.mode, syncRunStatusName(run.status))
                   .arg(run.counters.fetched)
                   .arg(run.counters.synced)
                   .arg(run.counters.skipped)
                   .arg(run.counters.failed)
                   .arg(run.counters.deleted)
            << QStringLiteral("; %1 pages, %2 Zoho calls, %3 retries, %4 ms\n")
                   .arg(run.counters.pages)
                   .arg(run.counters.zohoCalls)
                   .arg(run.counters.retries)
                   .arg(run.durationMs);
        if (!run.error.isEmpty())
            QTextStream(stderr) << "tiersync sync: " << run.error << '\n';
    }
    if (run.status == SyncRunStatus::Succeeded)
        return 0;
    return run.status == SyncRunStatus::Cancelled ? 130 : 1;
}

}  // namespace tiersync::cli
