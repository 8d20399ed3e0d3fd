// Sync throughput: cold sync, no-change resync and 5 %-change resync of 1,312 and
// 100,000 products, with zoho-sim at no latency and at a fixed 150 ms per page.
// Prints entities/s, Zoho calls, and the engine's own time (the run minus the time
// it sat waiting for Zoho pages). Not a timed test: it only reports.
//
// Servers: Redis and PostgreSQL of the sandbox in TIERSYNC_SANDBOX_DIR (tests/bench/run.sh
// starts one); a scratch database per scenario and Redis db 44 (flushed). zoho-sims of
// its own: --sim PATH or $TIERSYNC_ZOHO_SIM, started with --products N and --limits off:
// this measures the engine, not Zoho's 100 calls a minute (a 100,000-product sync is 500
// pages, five minutes of Zoho's budget, and half a free plan's day).
//
// Aims (issue 4): no-change resync of 100,000 at >= 100,000 entities/s with no latency;
// cold >= 30,000 entities/s; at 150 ms per page a no-change resync of 1,312 within two
// page latencies plus 50 ms (350 ms). The original deployment: 9.02 s cold and 1.23 s
// for a no-change resync of 1,312.
#include "pgtestdatabase.h"
#include "simcontrol.h"
#include "testsandbox.h"

#include "redis/redisconnection.h"
#include "sandbox/zohosimprocess.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "sync/contenthasher.h"
#include "sync/entityregistry.h"
#include "sync/syncorchestrator.h"
#include "zoho/zohoapi.h"
#include "zoho/zohoservice.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTextStream>
#include <QtConcurrent/QtConcurrentRun>

#include <memory>

#include <time.h>

using namespace tiersync;

namespace {

constexpr int kRedisDb = 44;

struct Row final {
    int products = 0;
    int latencyMs = 0;
    int batchSize = 0;
    QString scenario;
    SyncReport report;
};

qint64 threadCpuNs()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return qint64(now.tv_sec) * 1000000000 + now.tv_nsec;
}

int fail(const QString &message)
{
    QTextStream(stderr) << "bench_sync: " << message << '\n';
    return 1;
}

ZohoClientOptions benchClientOptions()
{
    ZohoClientOptions options;
    // A paid Zoho plan allows 10 concurrent calls; the budget must let a whole
    // resync's pages out at once, and 100,000 products are 500 pages.
    options.limits = ZohoLimits::uniform([] {
        FamilyLimits generous;  // far above anything the benchmark sends
        generous.perWindow = 10000000;
        generous.perDay = 0;
        generous.concurrency = 8;
        return generous;
    }());
    options.retry.baseDelayMs = 10;
    return options;
}

Result<SyncReport> runSync(const EntityDefinition &entity, ZohoClient *client, const PgSettings &pg,
                           const RedisSettings &redis, int batchSize, int writers)
{
    SyncOptions options;
    options.batchSize = batchSize;
    options.writerThreads = writers;
    options.pagesInFlight = 8;
    options.trigger = QStringLiteral("bench");
    SyncOrchestrator sync(entity, client, pg, redis, options);
    QFuture<Result<SyncReport>> future = QtConcurrent::run([&sync] { return sync.run(); });
    future.waitForFinished();
    return future.result();
}

}  // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({QStringLiteral("sim"), QStringLiteral("zoho-sim executable"), QStringLiteral("path"),
                      qEnvironmentVariable("TIERSYNC_ZOHO_SIM")});
    parser.addOption({QStringLiteral("sizes"), QStringLiteral("comma-separated product counts"),
                      QStringLiteral("list"), QStringLiteral("1312,100000")});
    parser.addOption({QStringLiteral("latencies"), QStringLiteral("comma-separated ms per page"),
                      QStringLiteral("list"), QStringLiteral("0,150")});
    parser.addOption({QStringLiteral("repeat"), QStringLiteral("no-change resyncs per case (the machine may be shared: "
                                                               "several runs show the spread)"),
                      QStringLiteral("n"), QStringLiteral("3")});
    parser.addOption({QStringLiteral("writers"), QStringLiteral("writer threads (SyncOptions::writerThreads)"),
                      QStringLiteral("n"), QString::number(SyncOptions().writerThreads)});
    parser.addOption({QStringLiteral("batch-sizes"), QStringLiteral("comma-separated entities per transaction"),
                      QStringLiteral("list"), QStringLiteral("50")});
    parser.process(app);
    const QString simPath = parser.value(QStringLiteral("sim"));
    if (simPath.isEmpty())
        return fail(QStringLiteral("no zoho-sim: pass --sim PATH or set TIERSYNC_ZOHO_SIM"));
    auto profile = test::sandboxProfile();
    if (!profile)
        return fail(profile.error().toString());
    RedisSettings redis = profile->redis;
    redis.db = kRedisDb;
    auto registry = EntityRegistry::builtIn();
    if (!registry)
        return fail(registry.error().toString());
    const EntityDefinition products = *registry->find(QStringLiteral("products"));

    QList<Row> rows;
    QStringList hashLines;
    for (const QString &size : parser.value(QStringLiteral("sizes")).split(QLatin1Char(','))) {
        QTemporaryDir directory;
        sandbox::ZohoSimProcess sim({simPath, directory.path(), 0,
                                     {QStringLiteral("--products"), size, QStringLiteral("--limits"), QStringLiteral("off")}});
        if (Status started = sim.start(60000); !started)
            return fail(started.error().toString());
        ZohoService service(sim.settings(), benchClientOptions());
        {
            // Canonical JSON + SHA-256 alone, in this thread's CPU time: what hashing costs
            // per entity whatever else the (shared) machine is doing.
            auto records = ZohoApi(service.client()).booksListAll(products.path, products.listKey);
            if (!records)
                return fail(records.error().toString());
            ContentHasher hasher;
            const qint64 startNs = threadCpuNs();
            qint64 checksum = 0;
            for (const QJsonObject &record : std::as_const(*records))
                checksum += hasher.hash(record, products.volatileFields).at(0).unicode();
            const qint64 cpuNs = std::max<qint64>(1, threadCpuNs() - startNs);
            hashLines.append(QStringLiteral("hashing %1 products: %2 ms thread CPU, %3 entities/s per core (%4)")
                                 .arg(records->size())
                                 .arg(cpuNs / 1000000)
                                 .arg(qint64(double(records->size()) * 1e9 / double(cpuNs)))
                                 .arg(checksum % 10));
        }
        for (const QString &latencyText : parser.value(QStringLiteral("latencies")).split(QLatin1Char(','))) {
            const int latencyMs = latencyText.toInt();
            QJsonObject faults = test::noSimFaults();
            faults.insert(QStringLiteral("latency_ms"), QJsonArray{latencyMs, latencyMs});
            if (auto set = test::simPost(sim.settings().apiBase, QStringLiteral("/_sim/faults"), faults); !set)
                return fail(set.error().toString());
          for (const QString &batchText : parser.value(QStringLiteral("batch-sizes")).split(QLatin1Char(','))) {
            const int batchSize = batchText.toInt();
            auto database = test::PgTestDatabase::create(profile->pg, QStringLiteral("benchsync"));
            if (!database)
                return fail(database.error().toString());
            {
                PgConnection connection((*database)->settings());
                if (auto migrated = Migrator().migrate(connection); !migrated)
                    return fail(migrated.error().toString());
            }
            {
                RedisConnection connection(redis);
                if (auto flushed = connection.command({QByteArrayLiteral("FLUSHDB")}); !flushed)
                    return fail(flushed.error().toString());
            }
            QStringList scenarios{QStringLiteral("cold")};
            for (int i = 0; i < std::max(1, parser.value(QStringLiteral("repeat")).toInt()); ++i)
                scenarios.append(QStringLiteral("no-change"));
            scenarios.append(QStringLiteral("5% change"));
            for (const QString &scenario : std::as_const(scenarios)) {
                if (scenario == QLatin1String("5% change")) {
                    auto mutated = test::simPost(sim.settings().apiBase, QStringLiteral("/_sim/mutate"),
                                                 {{QStringLiteral("entity"), QStringLiteral("products")},
                                                  {QStringLiteral("fraction"), 0.05}});
                    if (!mutated)
                        return fail(mutated.error().toString());
                }
                auto report = runSync(products, service.client(), (*database)->settings(), redis, batchSize,
                                      parser.value(QStringLiteral("writers")).toInt());
                if (!report)
                    return fail(report.error().toString());
                if (report->run.status != SyncRunStatus::Succeeded)
                    return fail(QStringLiteral("%1 run %2: %3").arg(scenario, syncRunStatusName(report->run.status), report->run.error));
                rows.append({size.toInt(), latencyMs, batchSize, scenario, *report});
            }
          }
        }
        sim.stop();
    }
    {
        RedisConnection connection(redis);
        (void)connection.command({QByteArrayLiteral("FLUSHDB")});
    }

    QTextStream out(stdout);
    out << "zoho-sim limits off: the engine's throughput beyond Zoho's 100 calls a minute\n";
    out << QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8 %9\n")
               .arg(QStringLiteral("products"), 9)
               .arg(QStringLiteral("latency  batch"), 14)
               .arg(QStringLiteral("scenario"), -10)
               .arg(QStringLiteral("synced"), 8)
               .arg(QStringLiteral("skipped"), 8)
               .arg(QStringLiteral("total ms"), 9)
               .arg(QStringLiteral("entities/s"), 11)
               .arg(QStringLiteral("zoho calls"), 10)
               .arg(QStringLiteral("engine ms (excl. Zoho wait): hash/lookup/upsert/states"));
    for (const Row &row : std::as_const(rows)) {
        const SyncRunRepository::Run &run = row.report.run;
        const double seconds = std::max<qint64>(1, run.durationMs) / 1000.0;
        out << QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8 %9\n")
                   .arg(row.products, 9)
                   .arg(QStringLiteral("%1 ms %2").arg(row.latencyMs, 3).arg(row.batchSize, 5), 14)
                   .arg(row.scenario, -10)
                   .arg(run.counters.synced, 8)
                   .arg(run.counters.skipped, 8)
                   .arg(run.durationMs, 9)
                   .arg(qint64(double(run.counters.fetched) / seconds), 11)
                   .arg(run.counters.zohoCalls, 10)
                   .arg(QStringLiteral("%1: %2/%3/%4/%5")
                            .arg(row.report.engineMs)
                            .arg(row.report.hashMs)
                            .arg(row.report.lookupMs)
                            .arg(row.report.upsertMs)
                            .arg(row.report.stateWriteMs));
    }
    for (const QString &line : std::as_const(hashLines))
        out << line << '\n';
    return 0;
}
