// The read path: closed-loop HTTP load (wrk) for Redis hits and PostgreSQL-tier hits
// with p50/p99 (a private zoho-sim of 5,000 students fills the cache).
//
// Hits: wrk -t2 on loopback against HttpServer over the real engine (real Redis and
// PostgreSQL). The body cost of a hit is also shown before/after in process: the former
// parse + re-serialise of the cached JSON against the splice of its stored bytes.
// The cost of an API key (issue 12): the same hits, in the same run, alternately against
// a server that asks for none and one that checks `Authorization: Bearer` (one key for
// every connection, as one Moodle site has: its cached row, SHA-256, constant-time compare
// and token bucket, with a limit too high to bite); aim: within 5 %.
//
// The simulated day (Zoho calls per view, hit share, change latency) is bench_dashboard_day.
// Note: wrk corrects its latencies for coordinated omission, so one stall of the whole
// server (e.g. other processes taking both cores) becomes many samples in its p99.
//
// Environment: TIERSYNC_SANDBOX_DIR (tests/bench/run.sh sets it) for Redis/PostgreSQL,
// TIERSYNC_ZOHO_SIM for the private zoho-sim; optional TIERSYNC_BENCH_SECONDS (each wrk
// phase, default 8) and TIERSYNC_BENCH_KEY_ROUNDS (alternating rounds without and with a
// key per row, default 3).
#include "cache/cachedentry.h"
#include "cache/cacheengine.h"
#include "cache/cachekeys.h"
#include "cache/rawcachedentry.h"
#include "cache/readstatistics.h"
#include "cache/tieredreader.h"
#include "pgtestdatabase.h"
#include "benchsupport.h"
#include "privatezohosim.h"
#include "redis/redisconnection.h"
#include "server/apikey.h"
#include "server/apikeyauthenticator.h"
#include "server/httpserver.h"
#include "store/apikeyrepository.h"
#include "testsandbox.h"
#include "store/pgconnection.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QProcess>
#include <QTemporaryDir>


#include <sys/resource.h>

#include <algorithm>
#include <ctime>
#include <memory>
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

using namespace tiersync;

namespace {

constexpr int kStudents = 5000;
constexpr int kHitStudents = 1000;  // warm key set for the hit phases: 5,000 keys
constexpr int kRedisDb = 40;

// Uniform URL picker over students x endpoints, and a one-line summary for wrk.
constexpr char kWrkScript[] = R"LUA(
local endpoints = {"profile", "academics", "finance", "classes", "requests"}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end
function init(args)
  students = tonumber(args[1])
  keys = students * 5
  math.randomseed(1000 + (seed or 0))
  local key = os.getenv("TIERSYNC_BENCH_API_KEY")
  if key and key ~= "" then
    headers = {["Authorization"] = "Bearer " .. key}
  end
end
function request()
  local k = math.random(keys) - 1
  return wrk.format("GET", "/api/v1/extension/students/" .. endpoints[(k % 5) + 1] ..
                    "?moodle_user_id=" .. (math.floor(k / 5) + 1), headers)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {\"requests\":%d,\"duration_us\":%d,\"p50_us\":%d,\"p99_us\":%d,\"max_us\":%d,\"non2xx\":%d,\"errors\":%d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout))
end
)LUA";

struct Load {
    qint64 requests = 0;
    double seconds = 0;
    double p50Ms = 0;
    double p99Ms = 0;
    double maxMs = 0;
    qint64 non2xx = 0;
    qint64 errors = 0;
    bool ok = false;
};

// apiKey: sent with every request when not empty (through the environment, not argv).
Load runWrk(const QString &script, int port, int connections, int seconds, int students, const Secret &apiKey = {})
{
    QProcess wrk;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("TIERSYNC_BENCH_API_KEY"), apiKey.reveal());
    wrk.setProcessEnvironment(environment);
    wrk.start(QStringLiteral("wrk"),
              {QStringLiteral("-t2"), QStringLiteral("-c%1").arg(connections), QStringLiteral("-d%1s").arg(seconds),
               QStringLiteral("--timeout"), QStringLiteral("30s"), QStringLiteral("-s"), script,
               QStringLiteral("http://127.0.0.1:%1").arg(port), QStringLiteral("--"), QString::number(students)});
    Load load;
    if (!wrk.waitForFinished((seconds + 120) * 1000)) {
        wrk.kill();
        wrk.waitForFinished();
        return load;
    }
    const QByteArray out = wrk.readAllStandardOutput();
    const qsizetype at = out.indexOf("WRKJSON ");
    if (at < 0) {
        std::fprintf(stderr, "wrk: %s\n%s\n", out.constData(), wrk.readAllStandardError().constData());
        return load;
    }
    const QJsonObject json = QJsonDocument::fromJson(out.mid(at + 8, out.indexOf('\n', at) - at - 8)).object();
    load.requests = json.value(QStringLiteral("requests")).toInteger();
    load.seconds = json.value(QStringLiteral("duration_us")).toDouble() / 1e6;
    load.p50Ms = json.value(QStringLiteral("p50_us")).toDouble() / 1000;
    load.p99Ms = json.value(QStringLiteral("p99_us")).toDouble() / 1000;
    load.maxMs = json.value(QStringLiteral("max_us")).toDouble() / 1000;
    load.non2xx = json.value(QStringLiteral("non2xx")).toInteger();
    load.errors = json.value(QStringLiteral("errors")).toInteger();
    load.ok = true;
    return load;
}

StatsCounts engineCounts(const CacheEngine &engine)
{
    StatsCounts sum;
    for (const QString &endpoint : engine.registry().names())
        sum += engine.statistics().counts(endpoint);
    return sum;
}

// wrk's own percentiles are corrected for coordinated omission (a stall of the server
// adds synthetic samples); the engine's histogram has the reads as they happened, in
// coarse buckets (the bound of the bucket holding the 99th percentile).
QString engineP99(const StatsCounts &before, const StatsCounts &after)
{
    const qint64 us = after.since(before).latencyQuantileUs(0.99);
    return us < 0 ? QStringLiteral(">10s") : QStringLiteral("<=%1").arg(double(us) / 1000.0);
}

void printRow(const QString &phase, int connections, const Load &load, const QString &engineP99Ms)
{
    if (!load.ok) {
        std::printf("%-40s %5d  (wrk failed)\n", qPrintable(phase), connections);
        return;
    }
    std::printf("%-40s %5d %9.0f %8.3f %8.3f %8.1f %10s %7lld %6lld %6s\n", qPrintable(phase), connections,
                double(load.requests) / load.seconds, load.p50Ms, load.p99Ms, load.maxMs, qPrintable(engineP99Ms),
                static_cast<long long>(load.non2xx), static_cast<long long>(load.errors),
                test::loadAverage().constData());
    std::fflush(stdout);
}

// Reads every key once through the engine (fills Redis and the snapshots).
qint64 warm(CacheEngine &engine, int students, int threads)
{
    std::atomic<int> next{0};
    std::atomic<qint64> failed{0};
    const QStringList endpoints = engine.registry().names();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
        workers.emplace_back([&] {
            for (int k = next++; k < students * 5; k = next++)
                if (!engine.read(endpoints.at(k % 5), k / 5 + 1, false))
                    ++failed;
            RedisConnection::dropForCurrentThread();
        });
    for (auto &worker : workers)
        worker.join();
    return failed;
}

int envInt(const char *name, int fallback)
{
    bool ok = false;
    const int value = qEnvironmentVariableIntValue(name, &ok);
    return ok && value > 0 ? value : fallback;
}

// A key in tiersync.api_keys as `tiersync apikey create bench --scope read` makes one.
Result<Secret> makeApiKey(const PgSettings &pg)
{
    auto key = apikey::generate();
    if (!key)
        return key.error();
    const QByteArray bytes = key->reveal().toLatin1();
    PgConnection connection(pg);
    auto created = ApiKeyRepository(connection).create(*apikey::prefixOf(bytes), apikey::sha256Hex(bytes),
                                                       QStringLiteral("bench_read_path"), {QStringLiteral("read")},
                                                       QStringLiteral("bench"));
    if (!created)
        return created.error();
    return *key;
}

qint64 threadCpuNs()
{
    timespec now{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return qint64(now.tv_sec) * 1000000000 + now.tv_nsec;
}

double processCpuSeconds()
{
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
           + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// What the check of a cached key costs a request, in process (no HTTP, no noise from
// the machine's other load): one thread, then two at once on the same key (contention).
void printKeyCheckCost(ApiKeyAuthenticator &authenticator, const Secret &key)
{
    constexpr int kChecks = 200000;
    const QByteArray header = "Bearer " + key.reveal().toLatin1();
    if (authenticator.authorize(header, ApiScope::Read).outcome != ApiKeyAuthenticator::Outcome::Allowed) {
        std::printf("API key check: the key was refused\n");
        return;
    }
    // CPU time of the checking threads (wall time would count other processes' turns).
    const auto run = [&](int threads) {
        std::atomic<int> refused{0};
        std::atomic<qint64> cpuNs{0};
        std::vector<std::thread> workers;
        for (int t = 0; t < threads; ++t)
            workers.emplace_back([&] {
                const qint64 start = threadCpuNs();
                for (int i = 0; i < kChecks; ++i)
                    if (authenticator.authorize(header, ApiScope::Read).outcome != ApiKeyAuthenticator::Outcome::Allowed)
                        ++refused;
                cpuNs += threadCpuNs() - start;
            });
        for (auto &worker : workers)
            worker.join();
        return std::pair(double(cpuNs.load()) / 1000.0 / (double(kChecks) * threads), refused.load());
    };
    const auto [oneUs, oneRefused] = run(1);
    const auto [twoUs, twoRefused] = run(2);
    std::printf("API key check of a cached key, in process: %.2f us CPU per request on one thread, %.2f us with two "
                "threads on the same key%s\n",
                oneUs, twoUs, oneRefused + twoRefused > 0 ? " (some refused!)" : "");
    std::fflush(stdout);
}

int fail(const QString &message)
{
    std::fprintf(stderr, "bench_read_path: %s\n", qPrintable(message));
    return 1;
}

// The body of one hit, before (parse the stored JSON, build the response object,
// serialise it) and after (check the stored layout, splice the data bytes): µs per hit.
void printBodyCost(const QByteArray &stored)
{
    constexpr int kRounds = 20000;
    QElapsedTimer timer;
    qint64 sink = 0;
    timer.start();
    for (int i = 0; i < kRounds; ++i) {
        auto entry = CachedEntry::decode(stored);
        const QJsonObject meta{{QStringLiteral("source"), QStringLiteral("redis")},
                               {QStringLiteral("cache_age_seconds"), 12.0},
                               {QStringLiteral("endpoint"), QStringLiteral("academics")},
                               {QStringLiteral("moodle_user_id"), 7.0}};
        sink += QJsonDocument(QJsonObject{{QStringLiteral("data"), entry->data}, {QStringLiteral("meta"), meta}})
                    .toJson(QJsonDocument::Compact)
                    .size();
    }
    const double beforeUs = double(timer.nsecsElapsed()) / 1000.0 / kRounds;
    timer.start();
    for (int i = 0; i < kRounds; ++i) {
        auto entry = RawCachedEntry::decode(stored);
        EndpointResponse response;
        response.dataJson = std::move(entry->dataJson);
        response.source = ReadSource::Redis;
        response.cacheAgeSeconds = 12;
        response.endpoint = QStringLiteral("academics");
        response.moodleUserId = 7;
        sink += response.toJson().size();
    }
    const double afterUs = double(timer.nsecsElapsed()) / 1000.0 / kRounds;
    std::printf("hit body (%lld-byte stored value), in process: parse + re-serialise %.2f us, splice %.2f us "
                "(%.1fx less)%s\n",
                static_cast<long long>(stored.size()), beforeUs, afterUs, beforeUs / afterUs, sink == 0 ? "!" : "");
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    // The closed Redis port of the PostgreSQL phase is reported once a second per probe.
    QLoggingCategory::setFilterRules(QStringLiteral("tiersync.*.info=false\ntiersync.redis.warning=false"));
    const int phaseSeconds = envInt("TIERSYNC_BENCH_SECONDS", 8);
    const int keyRounds = envInt("TIERSYNC_BENCH_KEY_ROUNDS", 3);  // rounds of (no key, key) per row

    auto sandbox = test::sandboxProfile();
    if (!sandbox)
        return fail(sandbox.error().toString());
    auto database = test::PgTestDatabase::create(sandbox->pg, QStringLiteral("bench_read"));
    if (!database)
        return fail(database.error().toString());
    auto sim = test::PrivateZohoSim::start({QStringLiteral("--students"), QString::number(kStudents)});
    if (!sim)
        return fail(sim.error().toString());
    QTemporaryDir scratch;
    const QString script = scratch.filePath(QStringLiteral("readpath.lua"));
    {
        QFile file(script);
        if (!file.open(QIODevice::WriteOnly) || file.write(kWrkScript) < 0)
            return fail(QStringLiteral("cannot write the wrk script"));
    }

    ConnectionProfile profile = *sandbox;
    profile.pg = (*database)->settings();
    profile.redis.db = kRedisDb;
    profile.zoho = (*sim)->settings();
    {
        RedisConnection redis(profile.redis);
        if (auto flushed = redis.command({"FLUSHDB"}); !flushed)
            return fail(flushed.error().toString());
    }

    const int threadCounts[] = {HttpServer::defaultThreadCount(), 16};
    std::printf("read path over HTTP: wrk -t2 closed loop on loopback, %d s per row, %u cores, "
                "uniform over 5,000 keys (1,000 students x 5 endpoints)\n",
                phaseSeconds, std::thread::hardware_concurrency());
    std::printf("%-40s %5s %9s %8s %8s %8s %10s %7s %6s %6s\n", "phase (server worker threads)", "conns", "req/s",
                "p50 ms", "p99 ms", "max ms", "engine p99", "non-2xx", "errors", "load1");

    // 1 + 2: hits. Zoho limits raised so warming 5,000 keys is quick; they play no part
    // in the measurement (no request reaches Zoho).
    QByteArray sampleValue;
    {
        CacheEngine::Options options;
        options.profile = profile;
        options.zoho.limits = test::generousZohoLimits(32);
        auto engine = CacheEngine::create(options);
        if (!engine)
            return fail(engine.error().toString());
        if (const qint64 failed = warm(**engine, kHitStudents, 16); failed > 0)
            return fail(QStringLiteral("%1 reads failed while warming").arg(failed));
        auto apiKey = makeApiKey(profile.pg);
        if (!apiKey)
            return fail(apiKey.error().toString());
        ApiKeyAuthenticator::Options keyOptions;
        keyOptions.rateLimitPerSecond = 100000000;  // the bucket is kept and counted, never empty
        keyOptions.rateLimitBurst = 100000000;
        ApiKeyAuthenticator authenticator(profile.pg, keyOptions);
        printKeyCheckCost(authenticator, *apiKey);
        for (const int threads : threadCounts) {
            HttpServer::Options serverOptions;
            serverOptions.threadCount = threads;
            HttpServer server(**engine, serverOptions);
            auto port = server.start();
            if (!port)
                return fail(port.error().toString());
            HttpServer keyedServer(**engine, serverOptions);
            keyedServer.setAuthenticator(&authenticator);
            auto keyedPort = keyedServer.start();
            if (!keyedPort)
                return fail(keyedPort.error().toString());
            // httplib keeps a connection on one thread while it is alive: fewer threads
            // than connections would park whole connections in its queue, so the small
            // pool is only measured where it covers them.
            for (const int connections : {16, 64})
                if (connections <= threads) {
                    // Alternating rounds, so drift on a shared machine hits both alike.
                    // Throughput moves with whatever else the machine runs; the server's own
                    // CPU time per request (this process: server and engine) much less.
                    double plainRequests = 0, plainSeconds = 0, plainCpu = 0;
                    double keyedRequests = 0, keyedSeconds = 0, keyedCpu = 0;
                    for (int round = 0; round < keyRounds; ++round) {
                        StatsCounts before = engineCounts(**engine);
                        double cpu = processCpuSeconds();
                        const Load load = runWrk(script, *port, connections, phaseSeconds, kHitStudents);
                        plainCpu += processCpuSeconds() - cpu;
                        printRow(QStringLiteral("redis hits (%1 threads)").arg(threads), connections, load,
                                 engineP99(before, engineCounts(**engine)));
                        before = engineCounts(**engine);
                        cpu = processCpuSeconds();
                        const Load keyed = runWrk(script, *keyedPort, connections, phaseSeconds, kHitStudents, *apiKey);
                        keyedCpu += processCpuSeconds() - cpu;
                        printRow(QStringLiteral("redis hits, API key (%1 threads)").arg(threads), connections, keyed,
                                 engineP99(before, engineCounts(**engine)));
                        plainRequests += double(load.requests);
                        plainSeconds += load.seconds;
                        keyedRequests += double(keyed.requests);
                        keyedSeconds += keyed.seconds;
                    }
                    if (plainSeconds > 0 && keyedSeconds > 0 && plainRequests > 0 && keyedRequests > 0) {
                        const double plainRate = plainRequests / plainSeconds;
                        const double keyedRate = keyedRequests / keyedSeconds;
                        const double plainUs = plainCpu * 1e6 / plainRequests;
                        const double keyedUs = keyedCpu * 1e6 / keyedRequests;
                        std::printf("  API key, %d threads, %d conns: %.0f vs %.0f req/s without (%+.1f %%); server CPU "
                                    "%.1f vs %.1f us per request (%+.1f %%)\n",
                                    threads, connections, keyedRate, plainRate, (keyedRate / plainRate - 1.0) * 100.0,
                                    keyedUs, plainUs, (keyedUs / plainUs - 1.0) * 100.0);
                        std::fflush(stdout);
                    }
                }
        }
        RedisConnection redis(profile.redis);
        if (auto value = redis.get(cachekeys::endpointKey(QStringLiteral("academics"), 7)); value && value->has_value())
            sampleValue = **value;
    }
    for (const qint64 backoffMs : {qint64(1000), qint64(60000)}) {
        // Redis unreachable (a closed port): every read is answered by a fresh snapshot.
        CacheEngine::Options options;
        options.profile = profile;
        options.profile.redis.port = 1;
        options.migrate = false;
        options.redisBackoffMs = backoffMs;
        auto engine = CacheEngine::create(options);
        if (!engine)
            return fail(engine.error().toString());
        HttpServer::Options serverOptions;
        serverOptions.threadCount = threadCounts[0];
        HttpServer server(**engine, serverOptions);
        auto port = server.start();
        if (!port)
            return fail(port.error().toString());
        for (const int connections : {4, 16}) {
            const StatsCounts before = engineCounts(**engine);
            const Load load = runWrk(script, *port, connections, phaseSeconds, kHitStudents);
            printRow(QStringLiteral("postgres tier, redis down, probe %1 s").arg(backoffMs / 1000), connections, load,
                     engineP99(before, engineCounts(**engine)));
        }
    }
    if (!sampleValue.isEmpty())
        printBodyCost(sampleValue);

    std::printf("aims: redis hits >= 20,000 req/s with p99 <= 2 ms; with an API key within 5 %% of without; "
                "postgres-tier p50 <= 1 ms (the simulated day is bench_dashboard_day)\n");
    return 0;
}
