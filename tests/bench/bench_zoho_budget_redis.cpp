// The cost and the utilisation of the shared Zoho budget (RedisZohoBudget) against a
// private redis-server started here:
//  1. µs per acquire + release, and Redis round trips per call (from the server's own
//     command statistics), next to the in-process LocalZohoBudget;
//  2. utilisation: 3 budget instances in 3 threads with more demand than budget, time
//     pinned and advanced in 100 ms steps over several windows: grants per window against
//     the limit, and the most grants seen in any window (must never exceed the limit).
// Prints its figures; asserts nothing about time.
#include "budget/rediszohobudget.h"
#include "redis/redisconnection.h"
#include "zoho/localzohobudget.h"

#include "privateredisserver.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

using namespace tiersync;

namespace {

// A field of INFO commandstats: cmdstat_evalsha → "calls=12,usec=345,usec_per_call=28.75,…"
double commandStat(RedisConnection &redis, const char *command, const char *field)
{
    const auto stats = redis.info("commandstats");
    if (!stats)
        return -1;
    const QString value = stats->value(QStringLiteral("cmdstat_%1").arg(QLatin1String(command)));
    const QString prefix = QLatin1String(field) + QLatin1Char('=');
    for (const QString &part : value.split(QLatin1Char(','))) {
        if (part.startsWith(prefix))
            return part.mid(prefix.size()).toDouble();
    }
    return 0;
}

qint64 commandCalls(RedisConnection &redis, const char *command)
{
    return qint64(commandStat(redis, command, "calls"));
}

ZohoBudgetRequest readRequest()
{
    ZohoBudgetRequest r;
    r.family = ZohoApiFamily::Books;
    r.purpose = ZohoCallPurpose::Read;
    return r;
}

void costPerCall(const RedisSettings &redisSettings)
{
    constexpr int kCalls = 5000;
    FamilyLimits big;
    big.perWindow = 1000000;
    big.perDay = 100000000;
    big.concurrency = 1000;
    const ZohoLimits limits = ZohoLimits::uniform(big);

    LocalZohoBudget local(limits);
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < kCalls; ++i) {
        const auto d = local.acquire(readRequest());
        local.release(std::get<ZohoBudget::Granted>(d).lease, ZohoLeaseRelease::Now);
    }
    const double localUs = double(timer.nsecsElapsed()) / 1000.0 / kCalls;

    ZohoSettings zoho;
    zoho.orgId = QStringLiteral("bench-org");
    zoho.clientId = QStringLiteral("bench-client");
    RedisZohoBudget::Options options;  // Redis TIME, as in production
    options.instanceId = QStringLiteral("bench:cost");
    RedisZohoBudget shared(redisSettings, zoho, limits, options);
    (void)shared.acquire(readRequest());  // loads the script, connects
    RedisConnection admin(redisSettings);
    (void)admin.command({"CONFIG", "RESETSTAT"});
    int granted = 0;
    const quint64 tripsBefore = shared.redisRoundTrips();
    timer.restart();
    for (int i = 0; i < kCalls; ++i) {
        const auto d = shared.acquire(readRequest());
        if (const auto *g = std::get_if<ZohoBudget::Granted>(&d)) {
            ++granted;
            shared.release(g->lease, ZohoLeaseRelease::Now);
        }
    }
    const double sharedUs = double(timer.nsecsElapsed()) / 1000.0 / kCalls;
    const qint64 trips = qint64(shared.redisRoundTrips() - tripsBefore);
    // The server's count of EVALSHA (client commands) and EVAL (NOSCRIPT resends).
    const qint64 evalsha = commandCalls(admin, "evalsha");
    const qint64 eval = commandCalls(admin, "eval");
    const double scriptUs = commandStat(admin, "evalsha", "usec_per_call");
    timer.restart();
    for (int i = 0; i < kCalls; ++i)
        (void)admin.ping();
    const double pingUs = double(timer.nsecsElapsed()) / 1000.0 / kCalls;
    std::printf("cost per acquire+release (%d calls, %d granted)\n", kCalls, granted);
    std::printf("  LocalZohoBudget            %8.2f us\n", localUs);
    std::printf("  RedisZohoBudget (shared)   %8.2f us  mode %s\n", sharedUs,
                qPrintable(zohoBudgetModeName(shared.mode())));
    std::printf("  of which acquire.lua in the server %6.2f us; a PING round trip here %.2f us\n", scriptUs, pingUs);
    std::printf("  Redis round trips per call %8.3f  (%lld requests: EVALSHA %lld, EVAL %lld, release flushes %lld)\n",
                double(trips + eval) / kCalls, trips + eval, evalsha, eval, trips - evalsha);
}

void utilisation(const RedisSettings &redisSettings)
{
    constexpr int kInstances = 3;
    constexpr qint64 kStepMs = 100;
    constexpr int kWindows = 6;
    FamilyLimits books;
    books.perWindow = 100;
    books.perDay = 0;
    books.concurrency = 5;
    const ZohoLimits limits = ZohoLimits::uniform(books);
    const qint64 window = books.effectiveWindowMs();
    const qint64 steps = kWindows * window / kStepMs;

    std::atomic<qint64> now{1718117130000};
    ZohoSettings zoho;
    zoho.orgId = QStringLiteral("bench-util-org");
    zoho.clientId = QStringLiteral("bench-util-client");
    std::vector<std::unique_ptr<RedisZohoBudget>> budgets;
    for (int i = 0; i < kInstances; ++i) {
        RedisZohoBudget::Options options;
        options.clock = [&now] { return now.load(); };
        options.instanceId = QStringLiteral("bench:util:%1").arg(i);
        budgets.push_back(std::make_unique<RedisZohoBudget>(redisSettings, zoho, limits, options));
    }

    std::mutex grantsMutex;
    std::vector<std::pair<qint64, int>> grants;  // (time, purpose)
    std::atomic<qint64> acquires{0};
    std::barrier sync(kInstances + 1);
    std::vector<std::thread> threads;
    for (int t = 0; t < kInstances; ++t) {
        threads.emplace_back([&, t] {
            // Thread 0 reads, the others sync: more demand than budget on every step.
            ZohoBudgetRequest request = readRequest();
            request.purpose = t == 0 ? ZohoCallPurpose::Read : ZohoCallPurpose::Sync;
            request.leaseMs = 1000;
            for (qint64 s = 0; s < steps; ++s) {
                sync.arrive_and_wait();  // the clock has moved
                for (int attempt = 0; attempt < 200; ++attempt) {
                    acquires.fetch_add(1);
                    const auto d = budgets[size_t(t)]->acquire(request);
                    const auto *g = std::get_if<ZohoBudget::Granted>(&d);
                    if (!g)
                        break;
                    {
                        const std::lock_guard lock(grantsMutex);
                        grants.emplace_back(now.load(), t == 0 ? 0 : 1);
                    }
                    budgets[size_t(t)]->release(g->lease, ZohoLeaseRelease::Now);
                }
                sync.arrive_and_wait();  // done with this step
            }
        });
    }
    QElapsedTimer timer;
    timer.start();
    for (qint64 s = 0; s < steps; ++s) {
        now.fetch_add(kStepMs);
        sync.arrive_and_wait();
        sync.arrive_and_wait();
    }
    for (auto &thread : threads)
        thread.join();
    const qint64 elapsedMs = timer.elapsed();

    std::sort(grants.begin(), grants.end());
    int worst = 0;
    for (size_t i = 0, j = 0; i < grants.size(); ++i) {
        while (grants[j].first + window <= grants[i].first)
            ++j;
        worst = std::max(worst, int(i - j + 1));
    }
    // Calendar minutes too (what a Zoho counting per minute would see).
    int worstMinute = 0;
    for (size_t i = 0, j = 0; i < grants.size(); ++i) {
        while (grants[j].first + 60000 <= grants[i].first)
            ++j;
        worstMinute = std::max(worstMinute, int(i - j + 1));
    }
    qint64 reads = 0;
    for (const auto &g : grants)
        reads += g.second == 0 ? 1 : 0;
    const double durationMs = double(steps * kStepMs);
    const double perWindow = double(grants.size()) / (durationMs / double(window));
    const double perMinute = double(grants.size()) / (durationMs / 60000.0);
    std::printf("utilisation: %d instances x 1 thread, limit %d per %lld ms (60 s + 1 s slack), %d windows, "
                "steps of %lld ms\n",
                kInstances, books.perWindow, window, kWindows, kStepMs);
    std::printf("  grants %zu (reads %lld, syncs %lld) in %lld acquires, %lld ms of real time\n", grants.size(), reads,
                qint64(grants.size()) - reads, acquires.load(), elapsedMs);
    std::printf("  per window of %lld ms: %.1f = %.1f %% of the limit\n", window, perWindow,
                100.0 * perWindow / books.perWindow);
    std::printf("  per 60 s:                %.1f = %.1f %% of the nominal limit\n", perMinute,
                100.0 * perMinute / books.perWindow);
    std::printf("  most in any %lld ms window: %d (limit %d)%s; in any 60 s: %d\n", window, worst, books.perWindow,
                worst > books.perWindow ? "  EXCEEDED" : "", worstMinute);
    std::printf("  live instances seen: %d, mode %s\n", budgets[0]->liveInstances(),
                qPrintable(zohoBudgetModeName(budgets[0]->mode())));
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    test::PrivateRedisServer server;
    if (const Status started = server.start(); !started) {
        std::fprintf(stderr, "bench_zoho_budget_redis: %s\n", qPrintable(started.error().toString()));
        return 1;
    }
    RedisConnection info(server.settings());
    const auto version = info.info("server");
    std::printf("bench_zoho_budget_redis: private redis-server %s on port %u (loopback)\n",
                version ? qPrintable(version->value(QStringLiteral("redis_version"))) : "?", server.port());
    costPerCall(server.settings());
    utilisation(server.settings());
    return 0;
}
