#include "warmcommand.h"

#include "progressbar.h"

#include "cache/endpointregistry.h"
#include "host/engineservices.h"
#include "store/databaseopener.h"
#include "store/pgconnection.h"
#include "sync/cachewarmer.h"
#include "sync/entityregistry.h"

#include <QEventLoop>
#include <QFutureWatcher>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>
#include <QtConcurrent/QtConcurrentRun>

namespace tiersync::cli {

namespace {

int usage(const QString &message)
{
    QTextStream(stderr) << "tiersync warm: " << message
                        << "\nusage: tiersync warm entities|endpoints [--type T] [--json]\n";
    return 2;
}

}  // namespace

int runWarmCommand(EngineServices &services, const QStringList &arguments)
{
    const ConnectionProfile &profile = services.profile();
    QStringList args = arguments;
    const bool json = args.removeAll(QStringLiteral("--json")) > 0;
    QString what;
    QString type;
    for (qsizetype i = 0; i < args.size(); ++i) {
        if (args.at(i) == QLatin1String("--type") && i + 1 < args.size())
            type = args.at(++i);
        else if (what.isEmpty() && (args.at(i) == QLatin1String("entities") || args.at(i) == QLatin1String("endpoints")))
            what = args.at(i);
        else
            return usage(QStringLiteral("unexpected argument '%1'").arg(args.at(i)));
    }
    if (what.isEmpty())
        return usage(QStringLiteral("warm entities or endpoints?"));
    auto entities = EntityRegistry::builtIn();
    auto endpoints = EndpointRegistry::builtIn();
    if (!entities || !endpoints) {
        QTextStream(stderr) << "tiersync warm: "
                            << (!entities ? entities.error().message : endpoints.error().message) << '\n';
        return 1;
    }
    QStringList types = entities->names();
    if (what == QLatin1String("entities") && !type.isEmpty()) {
        if (!entities->contains(type))
            return usage(QStringLiteral("unknown entity type '%1' (known: %2)").arg(type, types.join(QStringLiteral(", "))));
        types = {type};
    }
    if (what == QLatin1String("endpoints") && !type.isEmpty() && !endpoints->contains(type))
        return usage(QStringLiteral("unknown endpoint '%1' (known: %2)")
                         .arg(type, endpoints->names().join(QStringLiteral(", "))));
    {
        if (auto migrated = services.database()->ensureMigrated(); !migrated) {
            QTextStream(stderr) << "tiersync warm: " << migrated.error().toString() << '\n';
            return 1;
        }
    }

    CacheWarmer warmer(profile.pg, profile.redis, *endpoints);
    ProgressBar bar(QStringLiteral("warm %1").arg(what));
    QObject::connect(&warmer, &CacheWarmer::progress, &warmer,
                     [&bar](qint64 done, qint64 total) { bar.update(done, total); });
    QFutureWatcher<Result<CacheWarmer::Report>> watcher;
    QEventLoop loop;
    QObject::connect(&watcher, &QFutureWatcher<Result<CacheWarmer::Report>>::finished, &loop, &QEventLoop::quit);
    watcher.setFuture(QtConcurrent::run([&] {
        return what == QLatin1String("entities") ? warmer.warmEntities(types) : warmer.warmEndpoints(type);
    }));
    if (!watcher.isFinished())
        loop.exec();
    bar.finish();
    const Result<CacheWarmer::Report> report = watcher.result();
    if (!report) {
        QTextStream(stderr) << "tiersync warm: " << report.error().toString() << '\n';
        return 1;
    }
    QTextStream out(stdout);
    if (json)
        out << QJsonDocument(QJsonObject{{QStringLiteral("what"), what},
                                         {QStringLiteral("type"), type.isEmpty() ? QJsonValue() : QJsonValue(type)},
                                         {QStringLiteral("rows"), double(report->rows)},
                                         {QStringLiteral("keys"), double(report->keys)},
                                         {QStringLiteral("skipped"), double(report->skipped)},
                                         {QStringLiteral("duration_ms"), double(report->durationMs)}})
                   .toJson(QJsonDocument::Compact)
            << '\n';
    else
        out << QStringLiteral("warmed %1 Redis keys from %2 rows (%3 skipped) in %4 ms\n")
                   .arg(report->keys)
                   .arg(report->rows)
                   .arg(report->skipped)
                   .arg(report->durationMs);
    return 0;
}

}  // namespace tiersync::cli
