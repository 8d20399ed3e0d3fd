// Feed throughput (issue 10 "Benchmarks"): the five dashboard feeds as `tiersync sync
// <feed>` runs them (SyncRunner on the process's EngineServices, the product's default
// Zoho limits from tiersync.zoho_limits), first cold (every record of every module), then
// once more with nothing changed in Zoho (incremental: If-Modified-Since and the
// deleted-records list).
//
// Servers: Redis and PostgreSQL of the sandbox in TIERSYNC_SANDBOX_DIR (tests/bench/run.sh
// starts one), a scratch database and Redis db 12 (flushed); a zoho-sim of its own
// ($TIERSYNC_ZOHO_SIM) with --students N (default 5,000, `--students N` on the command
// line), limits on as the sim's defaults. Zoho calls are counted twice: by the runs
// (sync_runs.zoho_calls) and by the sim (/_sim/stats requests under /crm/, every call
// including OAuth-free ones the runs do not count, if any).
//
// The product does not report a separate budget wait: "zoho wait" is the time the run sat
// waiting for Zoho pages (SyncReport::zohoWaitMs). The sim answers at once (no latency), so
// that wait is the budget's (the CRM per-minute limit) plus loopback round trips.
#include "benchsupport.h"
#include "privatezohosim.h"
#include "scratchprofile.h"
#include "simcontrol.h"
#include "testsandbox.h"

#include "host/engineservices.h"
#include "sync/syncrunner.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QTextStream>

#include <cstdio>

using namespace tiersync;

namespace {

constexpr int kRedisDb = 12;
// The order of `./packaging/dev.sh run`: the roster first.
const QStringList kFeeds = {QStringLiteral("students"), QStringLiteral("grades"), QStringLiteral("payments"),
                            QStringLiteral("classes"), QStringLiteral("requests")};

int fail(const QString &message)
{
    QTextStream(stderr) << "bench_feeds: " << message << '\n';
    return 1;
}

struct Pass final {
    qint64 records = 0;   // fetched
    qint64 written = 0;   // synced (written rows)
    qint64 runCalls = 0;  // sync_runs.zoho_calls
    qint64 simCalls = 0;  // the sim's /crm/ requests
    qint64 zohoWaitMs = 0;
    qint64 ms = 0;
};

void printRun(const SyncReport &report)
{
    const auto &c = report.run.counters;
    std::printf("  %-9s %-11s %7lld fetched %7lld written %5lld deleted %4d pages %4d calls %8lld ms "
                "(zoho wait %lld ms, engine %lld ms)\n",
                qPrintable(report.run.entityType), qPrintable(report.run.mode), static_cast<long long>(c.fetched),
                static_cast<long long>(c.synced), static_cast<long long>(c.deleted), c.pages, c.zohoCalls,
                static_cast<long long>(report.run.durationMs), static_cast<long long>(report.zohoWaitMs),
                static_cast<long long>(report.engineMs));
    std::fflush(stdout);
}

Result<Pass> runAll(const SyncRunner &runner, const QString &apiBase)
{
    Pass pass;
    auto before = test::simRequestsUnder(apiBase, QStringLiteral("/crm/"));
    if (!before)
        return before.error();
    QElapsedTimer timer;
    timer.start();
    for (const QString &feed : kFeeds) {
        SyncOptions options;
        options.trigger = QStringLiteral("cli");
        auto report = runner.run(feed, options);
        if (!report)
            return report.error();
        printRun(*report);
        if (report->run.status != SyncRunStatus::Succeeded)
            return makeError(ErrorKind::Internal, QStringLiteral("the %1 feed %2: %3")
                                                      .arg(feed, syncRunStatusName(report->run.status), report->run.error));
        pass.records += report->run.counters.fetched;
        pass.written += report->run.counters.synced;
        pass.runCalls += report->run.counters.zohoCalls;
        pass.zohoWaitMs += report->zohoWaitMs;
    }
    pass.ms = timer.elapsed();
    auto after = test::simRequestsUnder(apiBase, QStringLiteral("/crm/"));
    if (!after)
        return after.error();
    pass.simCalls = *after - *before;
    return pass;
}

QString callsText(const Pass &pass)
{
    return pass.runCalls == pass.simCalls
               ? QString::number(pass.runCalls)
               : QStringLiteral("%1 (the sim counted %2)").arg(pass.runCalls).arg(pass.simCalls);
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("tiersync.*.info=false"));
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption(test::studentsOption());
    parser.process(app);
    const int students = parser.value(QStringLiteral("students")).toInt();
    if (students < 1)
        return fail(QStringLiteral("--students wants a positive number"));

    auto sandbox = test::sandboxProfile();
    if (!sandbox)
        return fail(sandbox.error().toString());
    QElapsedTimer seeding;
    seeding.start();
    auto sim = test::PrivateZohoSim::start({QStringLiteral("--students"), QString::number(students)});
    if (!sim)
        return fail(sim.error().toString());
    const qint64 seedMs = seeding.elapsed();
    auto scratch = test::ScratchProfile::create(*sandbox, QStringLiteral("bench_feeds"), kRedisDb);
    if (!scratch)
        return fail(scratch.error().toString());
    ConnectionProfile profile = (*scratch)->profile();
    profile.zoho = (*sim)->settings();

    // As `tiersync sync` makes them: the product's defaults, limits shared through Redis.
    const auto services = EngineServices::create(profile);
    const SyncRunner runner(services->zoho(), services->database(), profile.redis);
    std::printf("feeds of %d students (zoho-sim started in %lld ms), the product's default Zoho limits\n", students,
                static_cast<long long>(seedMs));

    std::printf("cold feed, 5 modules:\n");
    auto cold = runAll(runner, (*sim)->apiBase());
    if (!cold)
        return fail(cold.error().toString());
    std::printf("cold: %lld records (%lld written), %s Zoho calls, %.1f s, %.0f records/s; zoho wait %.1f s\n",
                static_cast<long long>(cold->records), static_cast<long long>(cold->written),
                qPrintable(callsText(*cold)), double(cold->ms) / 1000.0,
                double(cold->records) * 1000.0 / double(std::max<qint64>(1, cold->ms)),
                double(cold->zohoWaitMs) / 1000.0);

    std::printf("no-change incremental, 5 modules:\n");
    auto warm = runAll(runner, (*sim)->apiBase());
    if (!warm)
        return fail(warm.error().toString());
    std::printf("no-change incremental: %s Zoho calls, %lld ms (zoho wait %lld ms), %lld records fetched, "
                "%lld written\n",
                qPrintable(callsText(*warm)), static_cast<long long>(warm->ms),
                static_cast<long long>(warm->zohoWaitMs), static_cast<long long>(warm->records),
                static_cast<long long>(warm->written));
    return 0;
}
