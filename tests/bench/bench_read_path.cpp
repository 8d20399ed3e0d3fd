// The read path: closed-loop HTTP load (wrk) for Redis hits and PostgreSQL-tier hits
// with p50/p99, and an honest "simulated day" for Zoho calls per user.
//
// Hits: wrk -t2 on loopback against HttpServer over the real engine (real Redis and
// PostgreSQL). The body cost of a hit is also shown before/after in process: the former
// parse + re-serialise of the cached JSON against the splice of its stored bytes.
//
// Simulated day: the real engine (CacheEngine, in process) on a virtual clock
// (Options::clock) that walks through 24 h, with real Redis, real PostgreSQL and a
// private zoho-sim (5,000 students, no latency: time is virtual, so Zoho's 0.5-2 s cost
// only matters for latency, not for what is cached when) that mutates 2 % of each CRM
// module's records every simulated hour. Dashboard views arrive as a Poisson process:
// student i (of 5,000, popularity rank by a fixed shuffle) views at a daily rate
// proportional to rank^-s (Zipf, s = 1), scaled so all students together make
// TIERSYNC_BENCH_VIEWS views a day (default 15,000: 3 per student on average), spread
// over the day by a diurnal profile (quiet at night, busiest 09-17 h). A view loads all
// five endpoints at that instant. The engine decides expiry by its own clock (a Redis
// value past stored_at + ttl is a miss), so real Redis works on virtual time. Views are
// replayed in 10 s slices of virtual time, each slice's views on 8 threads at once.
// Three designs run the same day: the issue's 300 s Redis TTL / 300 s PostgreSQL
// window; a 24 h window; and a 48 h window with the snapshots fed by bulk CRM pages
// (BulkFeed below: a full list at midnight, then hourly Modified_Time deltas). Zoho
// calls are the engine's count plus the feed's pages, cross-checked against zoho-sim's.
// Note: wrk corrects its latencies for coordinated omission, so one stall of the whole
// server (e.g. other processes taking both cores) becomes many samples in its p99.
//
// Environment: TIERSYNC_SANDBOX_DIR (tests/bench/run.sh sets it) for Redis/PostgreSQL,
// TIERSYNC_ZOHO_SIM for the private zoho-sim; optional TIERSYNC_BENCH_SECONDS (each wrk
// phase, default 8), TIERSYNC_BENCH_VIEWS (views per simulated day, default 15000),
// TIERSYNC_BENCH_ZIPF_S (default 1.0).
#include "cache/cachedentry.h"
#include "cache/cacheengine.h"
#include "cache/cachekeys.h"
#include "cache/rawcachedentry.h"
#include "cache/readstatistics.h"
#include "cache/tieredreader.h"
#include "pgtestdatabase.h"
#include "privatezohosim.h"
#include "redis/redisconnection.h"
#include "server/httpserver.h"
#include "simcontrol.h"
#include "testsandbox.h"
#include "store/pgconnection.h"
#include "zoho/zohoservice.h"
#include "zoho/zohoapi.h"
#include "zoho/awaitresult.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QSet>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QProcess>
#include <QTemporaryDir>

#include <pqxx/pqxx>

#include <algorithm>
#include <memory>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <cmath>
#include <cstdio>
#include <random>
#include <set>
#include <thread>
#include <vector>

using namespace tiersync;

namespace {

constexpr int kStudents = 5000;
constexpr int kHitStudents = 1000;  // warm key set for the hit phases: 5,000 keys
constexpr int kRedisDb = 40;
const QStringList kModules = {QStringLiteral("Students"), QStringLiteral("Grades"), QStringLiteral("Payments"),
                              QStringLiteral("Classes"), QStringLiteral("Requests")};

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
end
function request()
  local k = math.random(keys) - 1
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

Load runWrk(const QString &script, int port, int connections, int seconds, int students)
{
    QProcess wrk;
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

// The 1-minute load average: the machine is shared, and runnable processes of others
// show up as p99 (every thread of the server stalls at once for a scheduler slice).
QByteArray loadAverage()
{
    QFile file(QStringLiteral("/proc/loadavg"));
    if (!file.open(QIODevice::ReadOnly))
        return "?";
    return file.readAll().split(' ').value(0);
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
                loadAverage().constData());
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

Result<EndpointRegistry> registryWithWindows(qint64 redisTtlSeconds, qint64 pgFreshnessSeconds)
{
    QFile file(QString::fromLatin1(EndpointRegistry::kResourcePath));
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorKind::NotFound, QStringLiteral("no built-in endpoint registry"));
    QJsonObject root = QJsonDocument::fromJson(file.readAll()).object();
    root.insert(QStringLiteral("defaults"),
                QJsonObject{{QStringLiteral("redis_ttl_seconds"), double(redisTtlSeconds)},
                            {QStringLiteral("pg_freshness_seconds"), double(pgFreshnessSeconds)}});
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

double envDouble(const char *name, double fallback)
{
    bool ok = false;
    const double value = qEnvironmentVariable(name).toDouble(&ok);
    return ok && value > 0 ? value : fallback;
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

// ---- the simulated day ----

struct View {
    qint64 atMs = 0;  // since the start of the day
    int student = 0;  // moodle_user_id
};

// Zipf rates over a fixed shuffle of the students, Poisson counts, diurnal times.
std::vector<View> dayOfViews(int totalViews, double zipfS, quint32 seed)
{
    // Relative activity per hour (local time): night, morning ramp, working day, evening.
    static constexpr std::array<double, 24> kHourly = {0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 1.6, 2.0, 2.0, 2.0,
                                                       1.8, 2.0, 2.0, 1.9, 1.6, 1.3, 1.2, 1.4, 1.6, 1.4, 0.9, 0.5};
    std::mt19937_64 random(seed);
    std::vector<int> rankOf(kStudents);
    for (int i = 0; i < kStudents; ++i)
        rankOf[size_t(i)] = i + 1;
    std::shuffle(rankOf.begin(), rankOf.end(), random);
    double harmonic = 0;
    for (int r = 1; r <= kStudents; ++r)
        harmonic += std::pow(double(r), -zipfS);
    std::discrete_distribution<int> hourOf(kHourly.begin(), kHourly.end());
    std::uniform_real_distribution<double> withinHour(0.0, 3600.0 * 1000.0);
    std::vector<View> views;
    for (int student = 1; student <= kStudents; ++student) {
        const double rate = totalViews * std::pow(double(rankOf[size_t(student - 1)]), -zipfS) / harmonic;
        const int count = std::poisson_distribution<int>(rate)(random);
        for (int v = 0; v < count; ++v)
            views.push_back({qint64(hourOf(random)) * 3600 * 1000 + qint64(withinHour(random)), student});
    }
    std::sort(views.begin(), views.end(), [](const View &a, const View &b) { return a.atMs < b.atMs; });
    return views;
}

// Runs work(i) for every i of a range on a fixed set of threads, one range at a time.
class SlicePool final {
public:
    SlicePool(int threads, std::function<void(size_t)> work)
        : m_work(std::move(work))
    {
        for (int t = 0; t < threads; ++t)
            m_threads.emplace_back([this] { loop(); });
    }
    ~SlicePool()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_all();
        for (auto &thread : m_threads)
            thread.join();
    }
    Q_DISABLE_COPY_MOVE(SlicePool)

    void run(size_t begin, size_t end)
    {
        std::unique_lock lock(m_mutex);
        m_next = begin;
        m_end = end;
        m_busy = int(m_threads.size());
        ++m_generation;
        m_wake.notify_all();
        m_done.wait(lock, [this] { return m_busy == 0; });
    }

private:
    void loop()
    {
        quint64 seen = 0;
        for (;;) {
            {
                std::unique_lock lock(m_mutex);
                m_wake.wait(lock, [&] { return m_stop || m_generation != seen; });
                if (m_stop)
                    break;
                seen = m_generation;
            }
            for (size_t i = m_next++; i < m_end; i = m_next++)
                m_work(i);
            std::lock_guard lock(m_mutex);
            if (--m_busy == 0)
                m_done.notify_one();
        }
        RedisConnection::dropForCurrentThread();
    }

    std::function<void(size_t)> m_work;
    std::vector<std::thread> m_threads;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_done;
    std::atomic<size_t> m_next{0};
    size_t m_end = 0;
    int m_busy = 0;
    quint64 m_generation = 0;
    bool m_stop = false;
};

// The alternative that does not fetch per student: the dashboard's CRM modules pulled
// in pages of 200 (a full list once, then every hour the records modified since the
// newest Modified_Time seen, by CRM search), and the endpoint snapshots rewritten for
// the students whose records changed (their Redis keys unlinked, so the next read takes
// the fresh snapshot). The read path then needs a PostgreSQL window longer than the
// feed's period, and a change in Zoho reaches readers within the feed's period (1 h).
// This is what the sync path (DESIGN.md) does for entities, applied to the endpoints;
// here it lives in the benchmark to measure its Zoho cost, not as a product feature.
class BulkFeed final {
public:
    BulkFeed(const ConnectionProfile &profile, const EndpointRegistry &registry)
        : m_zoho(profile.zoho, bulkClientOptions())
        , m_profile(profile)
    {
        for (const QString &name : registry.names())
            m_endpoints.append(*registry.find(name));
    }
    Q_DISABLE_COPY_MOVE(BulkFeed)

    [[nodiscard]] qint64 zohoCalls() const { return m_calls; }
    [[nodiscard]] qint64 fullLoadCalls() const { return m_fullLoadCalls; }

    // Every record of every module; every student's snapshots written at nowMs.
    Status fullLoad(qint64 nowMs)
    {
        const ZohoApi api = m_zoho.api();
        for (const EndpointDefinition &endpoint : m_endpoints) {
            auto records = api.crmListAll(endpoint.zohoModule, {}, [this](const CrmPage &) {
                ++m_calls;
                return true;
            });
            if (!records)
                return records.error();
            Module &module = m_modules[endpoint.zohoModule];
            for (const QJsonObject &record : *records)
                module.put(record, &m_watermark);
        }
        m_fullLoadCalls = m_calls;
        QSet<qint64> everyone;
        for (int student = 1; student <= kStudents; ++student)
            everyone.insert(student);
        QHash<QString, QSet<qint64>> changed;
        for (const EndpointDefinition &endpoint : m_endpoints)
            changed.insert(endpoint.zohoModule, everyone);
        return write(changed, nowMs);
    }

    // Records modified since the newest Modified_Time seen; their students' snapshots.
    Status delta(qint64 nowMs)
    {
        const ZohoApi api = m_zoho.api();
        // Whole seconds, no offset: compares as text with every offset the CRM writes,
        // and records of that very second come again (harmless) rather than never.
        const QString since = m_watermark.left(19);
        QHash<QString, QSet<qint64>> changed;
        for (auto it = m_modules.begin(); it != m_modules.end(); ++it) {
            CrmCursor cursor;
            for (;;) {
                auto page = awaitResult(
                    api.crmSearch(it.key(), QStringLiteral("(Modified_Time:greater_equal:%1)").arg(since), cursor));
                ++m_calls;
                if (!page)
                    return page.error();
                for (const QJsonObject &record : page->records)
                    for (const qint64 student : it->put(record, &m_watermark))
                        changed[it.key()].insert(student);
                auto next = ZohoApi::nextCrmCursor(cursor, *page);
                if (!next)
                    return next.error();
                if (!next->has_value())
                    break;
                cursor = **next;
            }
        }
        return write(changed, nowMs);
    }

private:
    struct Module {
        QHash<QString, QJsonObject> byId;
        QHash<qint64, QSet<QString>> idsByStudent;

        // The students whose data this record touches (old and new owner).
        QList<qint64> put(const QJsonObject &record, QString *watermark)
        {
            const QString id = record.value(QStringLiteral("id")).toString();
            QList<qint64> students;
            if (auto old = byId.constFind(id); old != byId.cend()) {
                if (*old == record)
                    return students;
                const qint64 before = old->value(QStringLiteral("Moodle_User_ID")).toString().toLongLong();
                idsByStudent[before].remove(id);
                students.append(before);
            }
            const qint64 owner = record.value(QStringLiteral("Moodle_User_ID")).toString().toLongLong();
            byId.insert(id, record);
            idsByStudent[owner].insert(id);
            students.append(owner);
            const QString modified = record.value(QStringLiteral("Modified_Time")).toString();
            if (modified > *watermark)
                *watermark = modified;
            return students;
        }

        // As ZohoEndpointFetcher shapes a search result (records in id order).
        QByteArray payload(qint64 student, EndpointDefinition::Shape shape) const
        {
            QStringList ids = idsByStudent.value(student).values();
            std::sort(ids.begin(), ids.end(), [](const QString &a, const QString &b) {
                return a.size() != b.size() ? a.size() < b.size() : a < b;
            });
            if (shape == EndpointDefinition::Shape::Object)
                return ids.isEmpty() ? QByteArray("null") : CachedEntry::dataToJson(byId.value(ids.first()));
            QJsonArray records;
            for (const QString &id : ids)
                records.append(byId.value(id));
            return CachedEntry::dataToJson(records);
        }
    };

    static ZohoClientOptions bulkClientOptions()
    {
        ZohoClientOptions options;
        options.limits = ZohoLimits::uniform([] {
            FamilyLimits generous;  // far above anything the benchmark sends
            generous.perWindow = 10000000;
            generous.perDay = 0;
            generous.concurrency = 5;
            return generous;
        }());
        return options;
    }

    Status write(const QHash<QString, QSet<qint64>> &changedByModule, qint64 nowMs)
    {
        PgConnection pg(m_profile.pg);
        QList<QByteArray> staleKeys;
        const Status written = pg.transaction(QStringLiteral("feeding snapshots"), [&](pqxx::transaction_base &txn) -> Status {
            for (const EndpointDefinition &endpoint : m_endpoints) {
                const Module &module = m_modules[endpoint.zohoModule];
                const std::string name = endpoint.name.toStdString();
                for (const qint64 student : changedByModule.value(endpoint.zohoModule)) {
                    const QByteArray payload = module.payload(student, endpoint.shape);
                    txn.exec_params(
                        "INSERT INTO tiersync.endpoint_snapshots (endpoint, moodle_user_id, payload, content_hash,"
                        " fetched_at) VALUES ($1, $2, $3::jsonb, $4, to_timestamp($5::double precision / 1000))"
                        " ON CONFLICT (endpoint, moodle_user_id) DO UPDATE SET payload = EXCLUDED.payload,"
                        " content_hash = EXCLUDED.content_hash, fetched_at = EXCLUDED.fetched_at",
                        name, student, payload.toStdString(),
                        QCryptographicHash::hash(payload, QCryptographicHash::Sha256).toHex().toStdString(),
                        double(nowMs));
                    staleKeys.append(cachekeys::endpointKey(endpoint.name, student));
                }
            }
            return {};
        });
        if (!written)
            return written;
        RedisConnection redis(m_profile.redis);
        for (qsizetype at = 0; at < staleKeys.size(); at += 1000)
            if (auto unlinked = redis.unlink(staleKeys.mid(at, 1000)); !unlinked)
                return unlinked.error();
        return {};
    }

    ZohoService m_zoho;
    ConnectionProfile m_profile;
    QList<EndpointDefinition> m_endpoints;
    QHash<QString, Module> m_modules;
    QString m_watermark;
    qint64 m_calls = 0;
    qint64 m_fullLoadCalls = 0;
};

struct DayResult {
    qint64 views = 0;
    qint64 requests = 0;
    qint64 failed = 0;
    qint64 distinctUsers = 0;
    qint64 distinctKeys = 0;
    StatsCounts counts;
    qint64 simCrmCalls = 0;
    qint64 feedCalls = 0;  // BulkFeed's pages (0 without a feed)
    qint64 feedFullLoadCalls = 0;
    int mutationBatches = 0;
    double realSeconds = 0;
};

Result<DayResult> simulateDay(const ConnectionProfile &base, const QString &simApiBase, qint64 redisTtlSeconds,
                              qint64 pgFreshnessSeconds, bool bulkFeed, const std::vector<View> &views)
{
    constexpr qint64 kSliceMs = 10 * 1000;
    constexpr int kThreads = 8;
    auto database = test::PgTestDatabase::create(base.pg, QStringLiteral("bench_day"));
    if (!database)
        return database.error();
    ConnectionProfile profile = base;
    profile.pg = (*database)->settings();
    {
        RedisConnection redis(profile.redis);
        if (auto flushed = redis.command({"FLUSHDB"}); !flushed)
            return flushed.error();
    }
    auto registry = registryWithWindows(redisTtlSeconds, pgFreshnessSeconds);
    if (!registry)
        return registry.error();
    // Midnight of today (UTC) + the view's offset: the engine's whole notion of "now".
    const qint64 dayStartMs = QDateTime::currentMSecsSinceEpoch() / 86400000 * 86400000;
    std::atomic<qint64> virtualNowMs{dayStartMs};
    CacheEngine::Options options;
    options.profile = profile;
    options.registry = *registry;
    options.clock = [&virtualNowMs] { return virtualNowMs.load(std::memory_order_relaxed); };
    options.statsFlushIntervalMs = 3600 * 1000;  // the counts are read in process
    // Zoho's real limits are per real minute; on a virtual clock they would only slow
    // the replay, not change what is fetched.
    options.zoho.limits = ZohoLimits::uniform([] {
        FamilyLimits generous;  // far above anything the benchmark sends
        generous.perWindow = 10000000;
        generous.perDay = 0;
        generous.concurrency = kThreads;
        return generous;
    }());
    auto engine = CacheEngine::create(options);
    if (!engine)
        return engine.error();
    const QStringList endpoints = (*engine)->registry().names();

    DayResult result;
    const qint64 callsBefore = crmCalls(simApiBase);
    std::unique_ptr<BulkFeed> feed;
    if (bulkFeed) {
        feed = std::make_unique<BulkFeed>(profile, *registry);
        if (Status loaded = feed->fullLoad(dayStartMs); !loaded)
            return loaded.error();
    }
    std::set<int> users;
    for (const View &view : views)
        users.insert(view.student);
    result.distinctUsers = qint64(users.size());
    result.distinctKeys = result.distinctUsers * endpoints.size();
    std::atomic<qint64> failed{0};
    // Persistent workers (each keeps its Redis and PostgreSQL connections all day).
    SlicePool pool(kThreads, [&](size_t i) {
        for (const QString &endpoint : endpoints)
            if (!(*engine)->read(endpoint, views[i].student, false))
                ++failed;
    });
    QElapsedTimer real;
    real.start();
    int nextHour = 1;
    size_t at = 0;
    while (at < views.size()) {
        const qint64 sliceStartMs = views[at].atMs / kSliceMs * kSliceMs;
        // Every simulated hour, 2 % of each module's records change in Zoho.
        while (nextHour < 24 && sliceStartMs >= qint64(nextHour) * 3600 * 1000) {
            // The feed runs first: it picks up the previous hour's changes, so a change
            // waits up to an hour before readers see it, as it would in production.
            if (feed) {
                virtualNowMs = dayStartMs + qint64(nextHour) * 3600 * 1000;
                if (Status fed = feed->delta(virtualNowMs); !fed)
                    return fed.error();
            }
            for (const QString &module : kModules)
                if (test::simPost(simApiBase, QStringLiteral("/_sim/mutate"),
                                  QJsonObject{{QStringLiteral("entity"), module}, {QStringLiteral("fraction"), 0.02}}))
                    ++result.mutationBatches;
            ++nextHour;
        }
        size_t end = at;
        while (end < views.size() && views[end].atMs < sliceStartMs + kSliceMs)
            ++end;
        virtualNowMs = dayStartMs + sliceStartMs;
        pool.run(at, end);
        at = end;
    }
    (*engine)->reader().waitForBackgroundRefreshes();
    result.realSeconds = double(real.elapsed()) / 1000.0;
    result.views = qint64(views.size());
    result.requests = result.views * endpoints.size();
    result.failed = failed;
    for (const QString &endpoint : endpoints)
        result.counts += (*engine)->statistics().counts(endpoint);
    result.simCrmCalls = crmCalls(simApiBase) - callsBefore;
    result.feedCalls = feed ? feed->zohoCalls() : 0;
    result.feedFullLoadCalls = feed ? feed->fullLoadCalls() : 0;
    return result;
}

void printDay(const QString &design, const DayResult &day)
{
    const auto share = [&](StatsCounter counter) {
        return day.requests > 0 ? 100.0 * double(day.counts.value(counter)) / double(day.requests) : 0.0;
    };
    const double calls = double(day.counts.value(StatsCounter::ZohoCalls) + quint64(day.feedCalls));
    std::printf("%-36s %7lld %6.1f %6.1f %6.1f %5.1f %7.0f %7.3f %6.2f %7.2f %7.3f\n", qPrintable(design),
                static_cast<long long>(day.requests), share(StatsCounter::Redis), share(StatsCounter::Postgres),
                share(StatsCounter::Zoho), share(StatsCounter::Stale), calls, calls / double(day.requests),
                calls / double(day.views), calls / double(day.distinctUsers), calls / double(kStudents));
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    // The closed Redis port of the PostgreSQL phase is reported once a second per probe.
    QLoggingCategory::setFilterRules(QStringLiteral("tiersync.*.info=false\ntiersync.redis.warning=false"));
    const int phaseSeconds = envInt("TIERSYNC_BENCH_SECONDS", 8);
    const int dailyViews = envInt("TIERSYNC_BENCH_VIEWS", 15000);
    const double zipfS = envDouble("TIERSYNC_BENCH_ZIPF_S", 1.0);

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
        options.zoho.limits = ZohoLimits::uniform([] {
            FamilyLimits generous;  // far above anything the benchmark sends
            generous.perWindow = 10000000;
            generous.perDay = 0;
            generous.concurrency = 32;
            return generous;
        }());
        auto engine = CacheEngine::create(options);
        if (!engine)
            return fail(engine.error().toString());
        if (const qint64 failed = warm(**engine, kHitStudents, 16); failed > 0)
            return fail(QStringLiteral("%1 reads failed while warming").arg(failed));
        for (const int threads : threadCounts) {
            HttpServer::Options serverOptions;
            serverOptions.threadCount = threads;
            HttpServer server(**engine, serverOptions);
            auto port = server.start();
            if (!port)
                return fail(port.error().toString());
            // httplib keeps a connection on one thread while it is alive: fewer threads
            // than connections would park whole connections in its queue, so the small
            // pool is only measured where it covers them.
            for (const int connections : {16, 64})
                if (connections <= threads) {
                    const StatsCounts before = engineCounts(**engine);
                    const Load load = runWrk(script, *port, connections, phaseSeconds, kHitStudents);
                    printRow(QStringLiteral("redis hits (%1 threads)").arg(threads), connections, load,
                             engineP99(before, engineCounts(**engine)));
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

    // 3: the simulated day, once per design.
    const std::vector<View> views = dayOfViews(dailyViews, zipfS, 20240601);
    std::printf("\nsimulated day on a virtual clock: %lld dashboard views (5 endpoint reads each) by Poisson arrivals, "
                "Zipf s=%.2f over 5,000 students, diurnal profile; 2 %% of each CRM module mutated every hour\n",
                static_cast<long long>(views.size()), zipfS);
    std::printf("%-36s %7s %6s %6s %6s %5s %7s %7s %6s %7s %7s\n", "design (redis ttl / pg window)", "reads",
                "redis%", "pg%", "zoho%", "stale", "zoho", "/read", "/view", "/user", "/5000");
    struct Design {
        QString name;
        qint64 redisTtlSeconds;
        qint64 pgFreshnessSeconds;
        bool bulkFeed;
    };
    const Design designs[] = {
        {QStringLiteral("300 s / 300 s (the issue's defaults)"), 300, 300, false},
        {QStringLiteral("300 s / 24 h"), 300, 86400, false},
        {QStringLiteral("300 s / 48 h + hourly bulk feed"), 300, 2 * 86400, true},
    };
    DayResult first;
    for (const Design &design : designs) {
        auto day = simulateDay(profile, (*sim)->apiBase(), design.redisTtlSeconds, design.pgFreshnessSeconds,
                               design.bulkFeed, views);
        if (!day)
            return fail(day.error().toString());
        printDay(design.name, *day);
        if (day->failed > 0
            || day->simCrmCalls != qint64(day->counts.value(StatsCounter::ZohoCalls)) + day->feedCalls)
            std::printf("  (%lld reads failed; zoho-sim counted %lld CRM calls)\n",
                        static_cast<long long>(day->failed), static_cast<long long>(day->simCrmCalls));
        if (design.bulkFeed)
            std::printf("  of which bulk pages %lld (full list at midnight %lld, 23 hourly deltas %lld: %.3f per distinct "
                        "user, %.3f per student), per-student fetches %llu\n",
                        static_cast<long long>(day->feedCalls), static_cast<long long>(day->feedFullLoadCalls),
                        static_cast<long long>(day->feedCalls - day->feedFullLoadCalls),
                        double(day->feedCalls - day->feedFullLoadCalls) / double(day->distinctUsers),
                        double(day->feedCalls - day->feedFullLoadCalls) / kStudents,
                        static_cast<unsigned long long>(day->counts.value(StatsCounter::ZohoCalls)));
        first = *day;
        std::printf("  replayed in %.1f s real; %d mutation batches\n", day->realSeconds, day->mutationBatches);
    }
    std::printf("distinct users that day %lld (%.1f %% of 5,000), distinct keys read %lld: the floor for any design "
                "that fetches each key from Zoho at most once a day is %.2f calls per distinct user\n",
                static_cast<long long>(first.distinctUsers), 100.0 * double(first.distinctUsers) / kStudents,
                static_cast<long long>(first.distinctKeys), double(first.distinctKeys) / double(first.distinctUsers));
    std::printf("aims: redis hits >= 20,000 req/s with p99 <= 2 ms; postgres-tier p50 <= 1 ms; "
                "zoho calls per user <= 0.05\n");
    return 0;
}
