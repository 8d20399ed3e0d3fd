#include "sandboxcommand.h"

#include "sandbox/sandbox.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <cstdio>

namespace tiersync::cli {

namespace {

QTextStream &out()
{
    static QTextStream stream(stdout);
    return stream;
}

QTextStream &err()
{
    static QTextStream stream(stderr);
    return stream;
}

QString shellQuote(const QString &value)
{
    QString quoted = value;
    quoted.replace(QLatin1Char('\''), QLatin1String("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

QJsonObject environmentJson(const sandbox::SandboxState &state)
{
    QJsonObject env;
    for (const auto &[name, value] : state.profile.toEnvironment())
        env.insert(name, value);
    return env;
}

void printEnvironment(const sandbox::SandboxState &state)
{
    for (const auto &[name, value] : state.profile.toEnvironment())
        out() << "export " << name << '=' << shellQuote(value) << '\n';
}

void printSummary(const sandbox::SandboxState &state)
{
    out() << "sandbox in " << state.stateDirectory << '\n'
          << "  redis      " << state.profile.redis.toUrl() << "  (pid " << state.redisPid << ")\n"
          << "  postgres   " << state.profile.pg.describe() << "  (pid " << state.postgresPid << ")\n"
          << "  zoho-sim   " << state.profile.zoho.apiBase << "  (pid " << state.zohoSimPid << ")\n"
          << "point a shell at it with: eval \"$(" << QCoreApplication::applicationFilePath() << " sandbox env)\"\n";
}

}  // namespace

int runSandboxCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Private redis-server, PostgreSQL and zoho-sim on free loopback ports.\n"
        "Actions: up, down, status, env"));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("up | down | status | env"));
    const QCommandLineOption stateDir(QStringLiteral("state-dir"),
                                      QStringLiteral("State directory (default %1).")
                                          .arg(sandbox::Sandbox::defaultStateDirectory()),
                                      QStringLiteral("dir"));
    const QCommandLineOption simPath(QStringLiteral("zoho-sim"), QStringLiteral("Path to the zoho-sim executable."),
                                     QStringLiteral("path"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Machine-readable output."));
    const QCommandLineOption keepData(QStringLiteral("keep-data"), QStringLiteral("down: keep the data directories."));
    const QList<QCommandLineOption> simOptions = {
        {QStringLiteral("seed"), QStringLiteral("zoho-sim data seed."), QStringLiteral("n")},
        {QStringLiteral("products"), QStringLiteral("zoho-sim product count."), QStringLiteral("n")},
        {QStringLiteral("customers"), QStringLiteral("zoho-sim customer count."), QStringLiteral("n")},
        {QStringLiteral("students"), QStringLiteral("zoho-sim student count."), QStringLiteral("n")},
        {QStringLiteral("latency-ms"), QStringLiteral("zoho-sim latency, A or A-B."), QStringLiteral("ms")},
        {QStringLiteral("limits"), QStringLiteral("zoho-sim enforces Zoho's limits: on (default) or off."),
         QStringLiteral("on|off")},
    };
    parser.addOptions({stateDir, simPath, json, keepData});
    parser.addOptions(simOptions);
    parser.process(QStringList{QStringLiteral("tiersync sandbox")} + arguments);

    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1) {
        err() << "usage: tiersync sandbox up|down|status|env [--state-dir DIR] [--json]\n";
        return 2;
    }
    sandbox::Sandbox::Options options;
    options.stateDirectory = parser.value(stateDir);
    options.zohoSimExecutable = parser.value(simPath);
    for (const QCommandLineOption &option : simOptions) {
        if (parser.isSet(option))
            options.zohoSimArguments << QStringLiteral("--") + option.names().constFirst() << parser.value(option);
    }
    sandbox::Sandbox box(options);
    const QString action = positional.constFirst();

    if (action == QLatin1String("up")) {
        auto state = box.up();
        if (!state) {
            err() << "tiersync sandbox up: " << state.error().message << '\n';
            return 1;
        }
        if (parser.isSet(json))
            out() << QJsonDocument(environmentJson(*state)).toJson(QJsonDocument::Compact) << '\n';
        else
            printSummary(*state);
        return 0;
    }
    if (action == QLatin1String("down")) {
        if (auto stopped = box.down(parser.isSet(keepData)); !stopped) {
            err() << "tiersync sandbox down: " << stopped.error().message << '\n';
            return 1;
        }
        return 0;
    }
    if (action == QLatin1String("env")) {
        auto state = sandbox::SandboxState::load(box.stateDirectory());
        if (!state) {
            err() << "tiersync sandbox env: " << state.error().message << " (start it with: tiersync sandbox up)\n";
            return 1;
        }
        if (parser.isSet(json))
            out() << QJsonDocument(environmentJson(*state)).toJson(QJsonDocument::Compact) << '\n';
        else
            printEnvironment(*state);
        return 0;
    }
    if (action == QLatin1String("status")) {
        auto services = box.status();
        if (!services) {
            err() << "tiersync sandbox status: " << services.error().message << '\n';
            return 1;
        }
        bool healthy = true;
        QJsonObject report;
        for (const auto &service : *services) {
            healthy = healthy && service.answers;
            report.insert(sandbox::serviceName(service.service),
                          QJsonObject{{QStringLiteral("port"), service.port},
                                      {QStringLiteral("pid"), double(service.pid)},
                                      {QStringLiteral("running"), service.running},
                                      {QStringLiteral("answers"), service.answers}});
            if (!parser.isSet(json))
                out() << QStringLiteral("%1 port %2 pid %3 %4\n")
                             .arg(sandbox::serviceName(service.service), -10)
                             .arg(service.port)
                             .arg(service.pid)
                             .arg(service.answers ? QStringLiteral("up")
                                                  : service.running ? QStringLiteral("not answering")
                                                                    : QStringLiteral("down"));
        }
        if (parser.isSet(json))
            out() << QJsonDocument(report).toJson(QJsonDocument::Compact) << '\n';
        return healthy ? 0 : 1;
    }
    err() << "tiersync sandbox: unknown action '" << action << "' (up, down, status, env)\n";
    return 2;
}

}  // namespace tiersync::cli
