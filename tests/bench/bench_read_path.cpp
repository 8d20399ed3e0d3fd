// The read path over HTTP under closed-loop load on loopback: requests/s and p50/p99
// latency for Redis hits, PostgreSQL-tier hits, and a Zipf mix over 5,000 students x 5
// endpoints through a compressed "simulated day" against a zoho-sim with realistic
// latency that mutates records every simulated hour; plus Zoho calls per request and
// per user for that mix. The load generator is wrk (keep-alive, epoll, Lua picks the
// URLs), so the client costs little of the two cores the server also needs.
//
// Environment: TIERSYNC_SANDBOX_DIR (tests/bench/run.sh sets it) for Redis/PostgreSQL,
// TIERSYNC_ZOHO_SIM for a private zoho-sim; optional TIERSYNC_BENCH_SECONDS (each hit
// phase, default 10) and TIERSYNC_BENCH_DAY_SECONDS (the simulated day, default 288:
// Redis TTL and PostgreSQL freshness of 1 s stand for 300 s, so 288 TTL periods).
#include "cache/cacheengine.h"
#include "cache/cachekeys.h"
#include "pgtestdatabase.h"
#include "privatezohosim.h"
#include "redis/redisconnection.h"
#include "server/httpserver.h"
#include "simcontrol.h"
#include "testsandbox.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

using namespace tiersync;

namespace {

constexpr int kStudents = 5000;
constexpr int kHitStudents = 1000;  // warm key set for the hit phases: 5,000 keys
constexpr int kRedisDb = 40;
const QStringList kModules = {QStringLiteral("Students"), QStringLiteral("Grades"), QStringLiteral("Payments"),
                              QStringLiteral("Classes"), QStringLiteral("Requests")};

// URL picker and summary for wrk. args: mode (uniform|zipf), students, zipf exponent.
constexpr char kWrkScript[] = R"LUA(
local endpoints = {"profile", "academics", "finance", "classes", "requests"}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end
function init(args)
  mode = args[1]
  students = tonumber(args[2])
  keys = students * 5
  math.randomseed(1000 + (seed or 0))
  if mode == "zipf" then
    local s = tonumber(args[3] or "1.0")
    cdf = {}
    local total = 0
    for k = 1, keys do total = total + 1 / (k ^ s); cdf[k] = total end
    for k = 1, keys do cdf[k] = cdf[k] / total end
    -- A fixed shuffle decides which (student, endpoint) has which popularity rank.
    math.randomseed(42)
    perm = {}
    for k = 1, keys do perm[k] = k end
    for k = keys, 2, -1 do local j = math.random(k); perm[k], perm[j] = perm[j], perm[k] end
    math.randomseed(1000 + (seed or 0))
  end
end
local function pick()
  if mode ~= "zipf" then return math.random(keys) end
  local u = math.random()
  local lo, hi = 1, keys
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return perm[lo]
end
function request()
  local k = pick() - 1
  return wrk.format("GET", "/api/v1/extension/students/" .. endpoints[(k % 5) + 1] ..
                    "?moodle_user_id=" .. (math.floor(k / 5) + 1))
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

Load runWrk(const QString &script, int port, int connections, int seconds, const QString &mode, int students)
{
    QProcess wrk;
    wrk.start(QStringLiteral("wrk"),
              {QStringLiteral("-t2"), QStringLiteral("-c%1").arg(connections), QStringLiteral("-d%1s").arg(seconds),
               QStringLiteral("--timeout"), QStringLiteral("30s"), QStringLiteral("-s"), script,
               QStringLiteral("http://127.0.0.1:%1").arg(port), QStringLiteral("--"), mode,
               QString::number(students)});
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

void printRow(const char *phase, int connections, const Load &load)
{
    if (!load.ok) {
        std::printf("%-34s %5d  (wrk failed)\n", phase, connections);
        return;
    }
    std::printf("%-34s %5d %10.0f %9.3f %9.3f %9.1f %8lld %6lld\n", phase, connections,
                double(load.requests) / load.seconds, load.p50Ms, load.p99Ms, load.maxMs,
                static_cast<long long>(load.non2xx), static_cast<long long>(load.errors));
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
        });
    for (auto &worker : workers)
        worker.join();
    return failed;
}

Result<EndpointRegistry> scaledRegistry(qint64 ttlSeconds)
{
    QFile file(QString::fromLatin1(EndpointRegistry::kResourcePath));
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorKind::NotFound, QStringLiteral("no built-in endpoint registry"));
    QJsonObject root = QJsonDocument::fromJson(file.readAll()).object();
    root.insert(QStringLiteral("defaults"), QJsonObject{{QStringLiteral("redis_ttl_seconds"), double(ttlSeconds)},
                                                        {QStringLiteral("pg_freshness_seconds"), double(ttlSeconds)}});
    return EndpointRegistry::fromJson(QJsonDocument(root).toJson(), QStringLiteral("bench registry"));
}

qint64 crmCalls(const QString &apiBase)
{
    auto stats = test::simGet(apiBase, QStringLiteral("/_sim/stats"));
    if (!stats)
        return -1;
    qint64 total = 0;
    const QJsonObject requests = stats->value(QStringLiteral("requests")).toObject();
    for (auto it = requests.begin(); it != requests.end(); ++it)
        if (it.key().startsWith(QLatin1String("GET /crm/")))
            total += it.value().toInteger();
    return total;
}

int envInt(const char *name, int fallback)
{
    bool ok = false;
    const int value = qEnvironmentVariableIntValue(name, &ok);
    return ok && value > 0 ? value : fallback;
}

int fail(const QString &message)
{
    std::fprintf(stderr, "bench_read_path: %s\n", qPrintable(message));
    return 1;
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int phaseSeconds = envInt("TIERSYNC_BENCH_SECONDS", 10);
    const int daySeconds = envInt("TIERSYNC_BENCH_DAY_SECONDS", 288);
    const qint64 ttlSeconds = std::max<qint64>(1, qRound64(300.0 * daySeconds / 86400.0));

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

    std::printf("read path over HTTP, wrk -t2 closed loop on loopback, %d worker threads, %u cores\n",
                HttpServer::defaultThreadCount(), std::thread::hardware_concurrency());
    std::printf("%-34s %5s %10s %9s %9s %9s %8s %6s\n", "phase", "conns", "req/s", "p50 ms", "p99 ms", "max ms",
                "non-2xx", "errors");

    // 1 + 2: hits. Zoho limits raised so warming 5,000 keys is quick; they play no part
    // in the measurement (no request reaches Zoho).
    {
        CacheEngine::Options options;
        options.profile = profile;
        options.zoho.requestsPerMinute = 600000;
        options.zoho.burst = 1000;
        options.zoho.maxInFlight = 32;
        auto engine = CacheEngine::create(options);
        if (!engine)
            return fail(engine.error().toString());
        if (const qint64 failed = warm(**engine, kHitStudents, 16); failed > 0)
            return fail(QStringLiteral("%1 reads failed while warming").arg(failed));
        HttpServer server(**engine);
        auto port = server.start();
        if (!port)
            return fail(port.error().toString());
        for (const int connections : {16, 64, 256})
            printRow("redis hits (5,000 warm keys)", connections,
                     runWrk(script, *port, connections, phaseSeconds, QStringLiteral("uniform"), kHitStudents));
    }
    {
        // Redis unreachable (a closed port): every read is answered by a fresh snapshot.
        CacheEngine::Options options;
        options.profile = profile;
        options.profile.redis.port = 1;
        options.migrate = false;
        auto engine = CacheEngine::create(options);
        if (!engine)
            return fail(engine.error().toString());
        HttpServer server(**engine);
        auto port = server.start();
        if (!port)
            return fail(port.error().toString());
        for (const int connections : {4, 16, 64})
            printRow("postgres-tier hits (redis down)", connections,
                     runWrk(script, *port, connections, phaseSeconds, QStringLiteral("uniform"), kHitStudents));
    }

    // 3: the simulated day. Zoho at 500-2,000 ms; TTL and freshness scaled with the day.
    {
        RedisConnection redis(profile.redis);
        (void)redis.command({"FLUSHDB"});
        const QString apiBase = (*sim)->apiBase();
        if (auto faults = test::simPost(apiBase, QStringLiteral("/_sim/faults"),
                                        QJsonObject{{QStringLiteral("latency_ms"), QJsonArray{500, 2000}}});
            !faults)
            return fail(faults.error().toString());
        auto registry = scaledRegistry(ttlSeconds);
        if (!registry)
            return fail(registry.error().toString());
        CacheEngine::Options options;
        options.profile = profile;
        options.registry = *registry;
        // A CRM organisation's concurrency limit (paid editions: 10-25 concurrent calls).
        options.zoho.maxInFlight = 20;
        options.zoho.requestsPerMinute = 6000;
        options.zoho.burst = 100;
        auto engine = CacheEngine::create(options);
        if (!engine)
            return fail(engine.error().toString());
        HttpServer server(**engine);
        auto port = server.start();
        if (!port)
            return fail(port.error().toString());
        const qint64 callsBefore = crmCalls(apiBase);

        // Every simulated hour, 1 % of each module's records change.
        std::atomic<bool> dayOver{false};
        std::atomic<int> mutations{0};
        std::thread mutator([&] {
            const qint64 hourMs = qint64(daySeconds) * 1000 / 24;
            QElapsedTimer clock;
            clock.start();
            for (int hour = 1; hour < 24 && !dayOver; ++hour) {
                while (!dayOver && clock.elapsed() < hour * hourMs)
                    std::this_thread::sleep_for(std::chrono::milliseconds(50));
                for (const QString &module : kModules)
                    if (test::simPost(apiBase, QStringLiteral("/_sim/mutate"),
                                      QJsonObject{{QStringLiteral("entity"), module},
                                                  {QStringLiteral("fraction"), 0.01}}))
                        ++mutations;
            }
        });
        const int connections = 64;
        const Load load = runWrk(script, *port, connections, daySeconds, QStringLiteral("zipf"), kStudents);
        dayOver = true;
        mutator.join();
        const qint64 calls = crmCalls(apiBase) - callsBefore;
        printRow("zipf mix, simulated day", connections, load);
        std::printf("\nsimulated day: %d s real = 24 h, Redis TTL = PG freshness = %lld s (300 s scaled), "
                    "zoho-sim latency 500-2000 ms, %d mutation batches (1 %% of each module per hour)\n",
                    daySeconds, static_cast<long long>(ttlSeconds), mutations.load());
        std::printf("zoho calls: %lld for %lld requests = %.4f per request; %.3f per user (%d users)\n",
                    static_cast<long long>(calls), static_cast<long long>(load.requests),
                    load.requests > 0 ? double(calls) / double(load.requests) : 0.0, double(calls) / kStudents,
                    kStudents);
        // The engine's own per-tier counts for the day (histogram buckets left out).
        std::printf("\n");
        for (const QByteArray &line : engine->get()->metrics().split('\n'))
            if (!line.startsWith('#') && !line.contains("_bucket") && !line.isEmpty())
                std::printf("  %s\n", line.constData());
    }
    std::printf("aims: redis hits >= 20,000 req/s with p99 <= 2 ms; postgres-tier p50 <= 1 ms; "
                "zoho calls per user <= 0.05\n");
    return 0;
}
