// tiersync: the headless engine — CLI commands, and later `tiersync serve`.
#include "apikeycommand.h"
#include "cachingcommand.h"
#include "checkcommand.h"
#include "cliprofile.h"
#include "invalidatecommand.h"
#include "limitscommand.h"
#include "channelscommand.h"
#include "runscommand.h"
#include "sandboxcommand.h"
#include "schedulecommand.h"
#include "servecommand.h"
#include "sshcommand.h"
#include "statscommand.h"
#include "synccommand.h"
#include "warmcommand.h"

#include "cache/cacheengine.h"
#include "host/engineservices.h"
#include "tunnel/profiletunnel.h"

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
           "  serve [--listen HOST:PORT] [--threads N] [--no-scheduler] [--public-url URL] [--rate-limit N] [--no-auth]\n"
           "                               the HTTP API (default 127.0.0.1:8001), API keys required unless\n"
           "                               --no-auth (loopback only); runs the due schedules unless --no-scheduler;\n"
           "                               keeps CRM notification channels with a public URL\n"
           "  apikey create NAME --scope read[,metrics] | list | revoke ID-or-PREFIX [--json]\n"
           "                               the keys serve asks for (a key is printed once, at create)\n"
           "  stats [--json] [--minutes N] per-endpoint read statistics (all instances, last hour)\n"
           "  caching on|off|status [--json]  the global caching switch (rollback: off)\n"
           "  sync TYPE [--mode incremental|full] [--batch-size N] [--json]  one entity type or feed\n"
           "                               (products, customers, students, grades, payments, classes, requests)\n"
           "  runs [--type T] [--limit N] [--json]  recent sync runs\n"
           "  limits show|set ...          the organisation's Zoho limits, shared by every process\n"
           "  schedule list|set|pause|resume|run ...  when each entity type syncs (serve runs them)\n"
           "  warm entities|endpoints [--type T] [--json]  PostgreSQL -> Redis\n"
           "  channels list [--json] | ensure [--public-url URL] | disable  CRM notification channels\n"
           "  invalidate student N | endpoint NAME | entity TYPE [ID] | all [--dry-run] [--json]\n"
           "  ssh hostkey | trust SHA256:…  the SSH server's host key: show it, or add it to known_hosts\n"
           "  version                      print the version\n"
           "Connections come from --profile NAME or the TIERSYNC_* environment variables;\n"
           "--ssh [user@]host[:port] [--ssh-key FILE] [--ssh-known-hosts FILE] reaches Redis and\n"
           "PostgreSQL through that SSH server (key: FILE, else the SSH agent).\n";
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
    const bool needsProfile = QStringList{QStringLiteral("check"), QStringLiteral("serve"), QStringLiteral("stats"),
                                          QStringLiteral("caching"), QStringLiteral("sync"), QStringLiteral("runs"),
                                          QStringLiteral("warm"), QStringLiteral("invalidate"), QStringLiteral("limits"),
                                          QStringLiteral("schedule"), QStringLiteral("channels"),
                                          QStringLiteral("apikey"), QStringLiteral("ssh")}
                                  .contains(command);
    if (needsProfile) {
        auto profile = tiersync::cli::takeConnectionProfile(args);
        if (!profile) {
            QTextStream(stderr) << "tiersync: " << profile.error().message << '\n';
            return 2;
        }
        if (command == QLatin1String("ssh"))
            return tiersync::cli::runSshCommand(*profile, args);
        // Through SSH when the profile says so: from here on the profile points at the
        // tunnel, which lives until the command returns.
        auto tunnel = tiersync::cli::routeThroughSsh(*profile);
        if (!tunnel) {
            QTextStream(stderr) << "tiersync: " << tunnel.error().message << '\n';
            return 1;
        }
        if (command == QLatin1String("stats"))
            return tiersync::cli::runStatsCommand(*profile, args);
        if (command == QLatin1String("invalidate"))
            return tiersync::cli::runInvalidateCommand(*profile, args);
        // The composition root: one set of services for this process and profile, so
        // whatever the command does goes through one Zoho client (token, queue, budget)
        // and migrates the database once.
        tiersync::EngineServices::Options options;
        if (command == QLatin1String("serve"))
            options.zoho = tiersync::CacheEngine::servingOptions(*profile).zoho;
        if (command == QLatin1String("check"))
            options.zoho.retry.maxAttempts = 2;  // a check reports, it does not wait out an outage
        const std::shared_ptr<tiersync::EngineServices> services =
            tiersync::EngineServices::create(*profile, std::move(options));
        if (command == QLatin1String("check"))
            return tiersync::cli::runCheckCommand(*services, args);
        if (command == QLatin1String("serve"))
            return tiersync::cli::runServeCommand(services, args);
        if (command == QLatin1String("caching"))
            return tiersync::cli::runCachingCommand(*services, args);
        if (command == QLatin1String("sync"))
            return tiersync::cli::runSyncCommand(*services, args);
        if (command == QLatin1String("runs"))
            return tiersync::cli::runRunsCommand(*services, args);
        if (command == QLatin1String("limits"))
            return tiersync::cli::runLimitsCommand(*services, args);
        if (command == QLatin1String("schedule"))
            return tiersync::cli::runScheduleCommand(*services, args);
        if (command == QLatin1String("channels"))
            return tiersync::cli::runChannelsCommand(*services, args);
        if (command == QLatin1String("apikey"))
            return tiersync::cli::runApiKeyCommand(*services, args);
        return tiersync::cli::runWarmCommand(*services, args);
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
