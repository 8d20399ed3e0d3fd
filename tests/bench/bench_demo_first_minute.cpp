// The console demo's first minute (issue 10 "Benchmarks"), headless: what
// `./packaging/dev.sh run` does, with the product's classes. First the five feeds, each as
// `tiersync sync <feed>` runs it (a process of its own: EngineServices with the CLI's
// defaults, SyncRunner), in dev.sh's order; then the console's embedded server (ServeStack
// on the console's pooled services, 16 threads, as EmbeddedServer starts it) and its
// TrafficGenerator at 20 requests/s (`--traffic 20`, its defaults: 200 students, Zipf 1.1,
// 0.5 % force_refresh). 60 s of real time; every 10 s the engine's statistics give the
// bucket's hit rate: reads answered from Redis or PostgreSQL without Zoho, of all reads.
//
// Servers: the sandbox of TIERSYNC_SANDBOX_DIR (tests/bench/run.sh) as dev.sh uses it: its
// zoho-sim (500 students; a sim tenant of this process's own, so its limits and counters
// are this run's), Redis db 14 (flushed) and a scratch PostgreSQL database. The product's
// default Zoho limits (tiersync.zoho_limits). Zoho calls: the engine's count and the sim's
// (/crm/ requests, every tenant: nothing else runs during a benchmark).
#include "scratchprofile.h"
#include "simcontrol.h"
#include "testsandbox.h"

#include "cache/cacheengine.h"
#include "cache/endpointregistry.h"
#include "cache/readstatistics.h"
#include "console/trafficgenerator.h"
#include "server/apikey.h"
#include "host/engineservices.h"
#include "host/servestack.h"
#include "sync/syncrunner.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QTextStream>
#include <QTimer>

#include <cstdio>

using namespace tiersync;

namespace {

constexpr int kRedisDb = 14;
constexpr int kBucketMs = 10 * 1000;
constexpr int kBuckets = 6;
constexpr int kRequestsPerSecond = 20;  // dev.sh run: --traffic 20
const QStringList kFeeds = {QStringLiteral("students"), QStringLiteral("grades"), QStringLiteral("payments"),
                            QStringLiteral("classes"), QStringLiteral("requests")};

int fail(const QString &message)
{
    QTextStream(stderr) << "bench_demo_first_minute: " << message << '\n';
    return 1;
}

StatsCounts engineCounts(const CacheEngine &engine)
{
    StatsCounts sum;
    for (const QString &endpoint : engine.registry().names())
        sum += engine.statistics().counts(endpoint);
    return sum;
}

double hitPercent(const StatsCounts &counts)
{
    const double reads = double(counts.value(StatsCounter::Requests));
    return reads > 0 ? 100.0 * double(counts.value(StatsCounter::Redis) + counts.value(StatsCounter::Postgres)) / reads
                     : 0.0;
}

// The five feeds as dev.sh runs them, one `tiersync sync` process (services) each.
Status runFeeds(const ConnectionProfile &profile)
{
    QElapsedTimer all;
    all.start();
    qint64 calls = 0;
    for (const QString &feed : kFeeds) {
        const auto services = EngineServices::create(profile);
        const SyncRunner runner(services->zoho(), services->database(), profile.redis);
        auto report = runner.run(feed, SyncOptions{});
        if (!report)
            return report.error();
        std::printf("  feed %-9s %-11s %6lld records, %4d Zoho calls, %6lld ms, %s\n", qPrintable(feed),
                    qPrintable(report->run.mode), static_cast<long long>(report->run.counters.fetched),
                    report->run.counters.zohoCalls, static_cast<long long>(report->run.durationMs),
                    qPrintable(syncRunStatusName(report->run.status)));
        calls += report->run.counters.zohoCalls;
    }
    std::printf("  feeds: %lld Zoho calls, %.1f s\n", static_cast<long long>(calls), double(all.elapsed()) / 1000.0);
    std::fflush(stdout);
    return {};
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("tiersync.*.info=false"));
    auto sandbox = test::sandboxProfile();
    if (!sandbox)
        return fail(sandbox.error().toString());
    auto scratch = test::ScratchProfile::create(*sandbox, QStringLiteral("bench_demo"), kRedisDb);
    if (!scratch)
        return fail(scratch.error().toString());
    const ConnectionProfile profile = (*scratch)->profile();

    std::printf("dev.sh run, headless: the five feeds, then the embedded server with --traffic %d for 60 s\n",
                kRequestsPerSecond);
    if (Status fed = runFeeds(profile); !fed)
        return fail(fed.error().toString());

    // The console: one pool of services, the embedded server on it.
    EngineServicesPool pool;
    ServeStack::Options serveOptions;
    serveOptions.threadCount = 16;
    // The key only this server accepts, as EmbeddedServer makes one for its traffic generator.
    auto apiKey = apikey::generate();
    if (!apiKey)
        return fail(apiKey.error().toString());
    serveOptions.localApiKey = *apiKey;
    auto stack = ServeStack::start(pool.servicesFor(profile), serveOptions);
    if (!stack)
        return fail(stack.error().toString());
    const CacheEngine &engine = (*stack)->engine();
    auto simBefore = test::simRequestsUnder(profile.zoho.apiBase, QStringLiteral("/crm/"));
    if (!simBefore)
        return fail(simBefore.error().toString());

    TrafficGenerator::Options trafficOptions;
    trafficOptions.requestsPerSecond = kRequestsPerSecond;
    TrafficGenerator traffic(trafficOptions);
    quint64 sent = 0, answered = 0, failed = 0;
    QObject::connect(&traffic, &TrafficGenerator::progress, [&](quint64 s, quint64 a, quint64 f) {
        sent = s;
        answered = a;
        failed = f;
    });

    std::printf("%-10s %7s %7s %7s %7s %7s %7s\n", "seconds", "reads", "hit %", "redis", "pg", "zoho", "calls");
    StatsCounts total;
    StatsCounts last = engineCounts(engine);
    int bucket = 0;
    QTimer timer;
    timer.setInterval(kBucketMs);
    QObject::connect(&timer, &QTimer::timeout, [&] {
        const StatsCounts now = engineCounts(engine);
        const StatsCounts delta = now.since(last);
        last = now;
        total += delta;
        std::printf("%3d-%-6d %7llu %7.1f %7llu %7llu %7llu %7llu\n", bucket * 10, (bucket + 1) * 10,
                    static_cast<unsigned long long>(delta.value(StatsCounter::Requests)), hitPercent(delta),
                    static_cast<unsigned long long>(delta.value(StatsCounter::Redis)),
                    static_cast<unsigned long long>(delta.value(StatsCounter::Postgres)),
                    static_cast<unsigned long long>(delta.value(StatsCounter::Zoho)),
                    static_cast<unsigned long long>(delta.value(StatsCounter::ZohoCalls)));
        std::fflush(stdout);
        if (++bucket == kBuckets) {
            timer.stop();
            traffic.stop();
            app.quit();
        }
    });
    const auto registry = EndpointRegistry::builtIn();
    if (!registry)
        return fail(registry.error().toString());
    traffic.start((*stack)->url(), registry->names(), *apiKey);
    timer.start();
    app.exec();

    auto simAfter = test::simRequestsUnder(profile.zoho.apiBase, QStringLiteral("/crm/"));
    const qint64 engineCalls = qint64(total.value(StatsCounter::ZohoCalls));
    std::printf("first 60 s: %llu reads, hit rate %.2f %% (aim >= 95 %%), Zoho calls %lld",
                static_cast<unsigned long long>(total.value(StatsCounter::Requests)), hitPercent(total),
                static_cast<long long>(engineCalls));
    if (simAfter && *simAfter - *simBefore != engineCalls)
        std::printf(" (zoho-sim counted %lld /crm/ requests)", static_cast<long long>(*simAfter - *simBefore));
    std::printf("; traffic: %llu sent, %llu answered, %llu failed (at the last 100)\n",
                static_cast<unsigned long long>(sent), static_cast<unsigned long long>(answered),
                static_cast<unsigned long long>(failed));
    return 0;
}
