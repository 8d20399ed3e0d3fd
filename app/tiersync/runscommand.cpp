#include "runscommand.h"

#include "syncrunjson.h"

#include "host/engineservices.h"
#include "store/databaseopener.h"
#include "store/pgconnection.h"
#include "store/syncrunrepository.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTextStream>

namespace tiersync::cli {

int runRunsCommand(EngineServices &services, const QStringList &arguments)
{
    QStringList args = arguments;
    const bool json = args.removeAll(QStringLiteral("--json")) > 0;
    int limit = 20;
    QString type;
    for (qsizetype i = 0; i < args.size(); ++i) {
        if (args.at(i) == QLatin1String("--limit") && i + 1 < args.size()) {
            bool ok = false;
            limit = args.at(++i).toInt(&ok);
            if (!ok || limit < 1 || limit > 10000) {
                QTextStream(stderr) << "tiersync runs: --limit is a number from 1 to 10000\n";
                return 2;
            }
        } else if (args.at(i) == QLatin1String("--type") && i + 1 < args.size()) {
            type = args.at(++i);
        } else {
            QTextStream(stderr) << "tiersync runs: unexpected argument '" << args.at(i)
                                << "'\nusage: tiersync runs [--type T] [--limit N] [--json]\n";
            return 2;
        }
    }
    const ConnectionProfile &profile = services.profile();
    PgConnection connection(profile.pg);
    if (auto migrated = services.database()->ensureMigrated(connection); !migrated) {
        QTextStream(stderr) << "tiersync runs: " << migrated.error().toString() << '\n';
        return 1;
    }
    auto runs = SyncRunRepository(connection).recent(limit, type);
    if (!runs) {
        QTextStream(stderr) << "tiersync runs: " << runs.error().toString() << '\n';
        return 1;
    }
    QTextStream out(stdout);
    if (json) {
        QJsonArray array;
        for (const SyncRunRepository::Run &run : std::as_const(*runs))
            array.append(syncRunToJson(run));
        out << QJsonDocument(QJsonObject{{QStringLiteral("runs"), array}}).toJson(QJsonDocument::Compact) << '\n';
        return 0;
    }
    out << QStringLiteral("%1  %2 %3 %4 %5 %6 %7 %8 %9\n")
               .arg(QStringLiteral("id"), 6)
               .arg(QStringLiteral("started (UTC)"), -20)
               .arg(QStringLiteral("type"), -10)
               .arg(QStringLiteral("mode"), -12)
               .arg(QStringLiteral("trigger"), -9)
               .arg(QStringLiteral("status"), -10)
               .arg(QStringLiteral("synced"), 8)
               .arg(QStringLiteral("skipped"), 8)
               .arg(QStringLiteral("ms"), 8);
    for (const SyncRunRepository::Run &run : std::as_const(*runs))
        out << QStringLiteral("%1  %2 %3 %4 %5 %6 %7 %8 %9%10%11\n")
                   .arg(run.id, 6)
                   .arg(run.startedAt.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")), -20)
                   .arg(run.entityType, -10)
                   .arg(run.mode, -12)
                   .arg(run.trigger, -9)
                   .arg(syncRunStatusName(run.status), -10)
                   .arg(run.counters.synced, 8)
                   .arg(run.counters.skipped, 8)
                   .arg(run.durationMs >= 0 ? QString::number(run.durationMs) : QStringLiteral("-"), 8)
                   .arg(run.counters.listingShifted
                            ? QStringLiteral("  listing shifted: %1 caught up, %2 listings")
                                  .arg(run.counters.caughtUp)
                                  .arg(run.counters.listingPasses)
                            : QString())
                   .arg(run.error.isEmpty() ? QString() : QStringLiteral("  ") + run.error);
    return 0;
}

}  // namespace tiersync::cli
