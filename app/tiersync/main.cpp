// tiersync: the headless engine — CLI commands, and later `tiersync serve`.
#include "cachingcommand.h"
#include "checkcommand.h"
#include "cliprofile.h"
#include "invalidatecommand.h"
#include "runscommand.h"
#include "sandboxcommand.h"
#include "servecommand.h"
#include "statscommand.h"
#include "synccommand.h"
#include "warmcommand.h"

#include <QCoreApplication>
#include <QTextStream>

#include <cstdio>

namespace {

int usage(int code)
{
    QTextStream(code == 0 ? stdout : stderr)
        << "usage: tiersync <command> [options]\n"
           "commands:\n"
           "  check [--json]               reach Redis, PostgreSQL (migrating it) and Zoho\n"
           "  sandbox up|down|status|env   private redis-server, PostgreSQL and zoho-sim\n"
           "  serve [--listen HOST:PORT] [--threads N]  the HTTP API (default 127.0.0.1:8001)\n"
           "  stats [--json] [--minutes N] per-endpoint read statistics (all instances, last hour)\n"
           "  caching on|off|status [--json]  the global caching switch (rollback: off)\n"
           "  sync products|customers|students [--mode incremental|full] [--batch-size N] [--json]\n"
           "  runs [--type T] [--limit N] [--json]  recent sync runs\n"
           "  warm entities|endpoints [--type T] [--json]  PostgreSQL -> Redis\n"
           "  invalidate student N | endpoint NAME | entity TYPE [ID] | all [--dry-run] [--json]\n"
           "  version                      print the version\n"
           "Connections come from --profile NAME or the TIERSYNC_* environment variables.\n";
    return code;
}

}  // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("TierSync"));
    QCoreApplication::setApplicationName(QStringLiteral("tiersync"));
    QCoreApplication::setApplicationVersion(QStringLiteral(TIERSYNC_VERSION));

    QStringList args = QCoreApplication::arguments().mid(1);
    if (args.isEmpty())
        return usage(2);
    const QString command = args.takeFirst();
    if (command == QLatin1String("sandbox"))
        return tiersync::cli::runSandboxCommand(args);
    if (command == QLatin1String("check")) {
        auto profile = tiersync::cli::takeConnectionProfile(args);
        if (!profile) {
            QTextStream(stderr) << "tiersync: " << profile.error().message << '\n';
            return 2;
        }
        return tiersync::cli::runCheckCommand(*profile, args);
    }
    if (command == QLatin1String("serve")) {
        auto profile = tiersync::cli::takeConnectionProfile(args);
        if (!profile) {
            QTextStream(stderr) << "tiersync: " << profile.error().message << '\n';
            return 2;
        }
        return tiersync::cli::runServeCommand(*profile, args);
    }
    if (command == QLatin1String("stats") || command == QLatin1String("caching")) {
        auto profile = tiersync::cli::takeConnectionProfile(args);
        if (!profile) {
            QTextStream(stderr) << "tiersync: " << profile.error().message << '\n';
            return 2;
        }
        return command == QLatin1String("stats") ? tiersync::cli::runStatsCommand(*profile, args)
                                                 : tiersync::cli::runCachingCommand(*profile, args);
    }
    if (command == QLatin1String("sync") || command == QLatin1String("runs") || command == QLatin1String("warm")
        || command == QLatin1String("invalidate")) {
        auto profile = tiersync::cli::takeConnectionProfile(args);
        if (!profile) {
            QTextStream(stderr) << "tiersync: " << profile.error().message << '\n';
            return 2;
        }
        if (command == QLatin1String("sync"))
            return tiersync::cli::runSyncCommand(*profile, args);
        if (command == QLatin1String("runs"))
            return tiersync::cli::runRunsCommand(*profile, args);
        if (command == QLatin1String("warm"))
            return tiersync::cli::runWarmCommand(*profile, args);
        return tiersync::cli::runInvalidateCommand(*profile, args);
    }
    if (command == QLatin1String("version") || command == QLatin1String("--version")) {
        QTextStream(stdout) << "tiersync " << QCoreApplication::applicationVersion() << '\n';
        return 0;
    }
    if (command == QLatin1String("help") || command == QLatin1String("--help") || command == QLatin1String("-h"))
        return usage(0);
    QTextStream(stderr) << "tiersync: unknown command '" << command << "'\n";
    return usage(2);
}
