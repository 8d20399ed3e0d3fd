// Redis Sentinel failover under read load (issue 12): a CacheEngine reads through the
// primary a sentinel names (a primary, a replica and one sentinel of the benchmark's own,
// down-after 1 s); the primary is killed with SIGKILL while 4 threads read dashboard
// endpoints of 200 warmed students. Prints what the readers saw from the kill on: reads and
// failures, where the answers came from, read latency, and the seconds until the sentinel
// promoted the replica and until Redis hits returned — on the same engine, no restart.
// PostgreSQL and zoho-sim: the bench sandbox's (tests/bench/run.sh). Asserts nothing.
#include "cache/cacheengine.h"
#include "redis/redisconnection.h"
#include "redis/sentinelresolver.h"

#include "benchsupport.h"
#include "pgtestdatabase.h"
#include "sentinelset.h"
#include "testsandbox.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

using namespace tiersync;

namespace {

constexpr qint64 kStudents = 200;
constexpr int kReaders = 4;
constexpr int kAfterHitsMs = 2000;  // reads kept going once hits are back

int fail(const QString &message)
{
    std::fprintf(stderr, "bench_sentinel_failover: %s\n", qPrintable(message));
    return 1;
}

double quantile(std::vector<double> values, double q)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return values[std::min(values.size() - 1, size_t(q * double(values.size() - 1) + 0.5))];
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    auto sandbox = test::sandboxProfile();
    if (!sandbox)
        return fail(sandbox.error().toString());
    auto database = test::PgTestDatabase::create(sandbox->pg, QStringLiteral("benchsentinel"));
    if (!database)
        return fail(database.error().toString());
    test::SentinelSet set;
    if (Status started = set.start(1000); !started)
        return fail(started.error().toString());

    CacheEngine::Options options = CacheEngine::servingOptions(*sandbox);
    options.profile.pg = (*database)->settings();
    options.profile.redis = set.settings(0);
    options.environment = QProcessEnvironment();
    options.redisBackoffMs = 200;
    options.zoho.limits = test::generousZohoLimits(32);  // warming only: no read after the kill reaches Zoho
    auto engine = CacheEngine::create(options);
    if (!engine)
        return fail(engine.error().toString());
    const QStringList endpoints = (*engine)->registry().names();
    for (qint64 id = 1; id <= kStudents; ++id)
        for (const QString &endpoint : endpoints)
            if (auto read = (*engine)->read(endpoint, id, false); !read)
                return fail(QStringLiteral("warming %1 %2: %3").arg(endpoint).arg(id).arg(read.error().toString()));

    QElapsedTimer clock;
    clock.start();
    std::atomic<bool> stop{false};
    std::atomic<qint64> killedAtNs{-1};
    std::atomic<qint64> firstMissNs{-1};     // the first read after the kill not from Redis
    std::atomic<qint64> hitsBackNs{-1};      // the first Redis hit of a read begun after that
    std::atomic<qint64> failed{0};
    std::atomic<qint64> bySource[4] = {0, 0, 0, 0};
    std::mutex latencyMutex;
    std::vector<double> latencyMs;
    std::vector<std::thread> readers;
    for (int r = 0; r < kReaders; ++r) {
        readers.emplace_back([&, r] {
            std::vector<double> mine;
            for (qint64 i = r; !stop.load(); ++i) {
                const qint64 begunNs = clock.nsecsElapsed();
                const bool afterKill = killedAtNs.load() >= 0;
                auto read = (*engine)->read(endpoints.at(int(i % endpoints.size())), 1 + (i * 7919) % kStudents, false);
                const qint64 doneNs = clock.nsecsElapsed();
                if (!afterKill)
                    continue;
                mine.push_back(double(doneNs - begunNs) / 1e6);
                if (!read) {
                    ++failed;
                    continue;
                }
                ++bySource[int(read->source)];
                qint64 none = -1;
                if (read->source != ReadSource::Redis)
                    firstMissNs.compare_exchange_strong(none, doneNs);
                const qint64 missAt = firstMissNs.load();
                none = -1;
                if (read->source == ReadSource::Redis && missAt >= 0 && begunNs > missAt)
                    hitsBackNs.compare_exchange_strong(none, doneNs);
            }
            RedisConnection::dropForCurrentThread();
            std::lock_guard lock(latencyMutex);
            latencyMs.insert(latencyMs.end(), mine.begin(), mine.end());
        });
    }
    QThread::msleep(500);
    killedAtNs = clock.nsecsElapsed();
    set.killPrimary();
    qint64 promotedNs = -1;
    const QDeadlineTimer deadline(120000);
    while (!deadline.hasExpired() && promotedNs < 0) {
        auto master = resolveSentinelMaster(set.settings(0));
        if (master && master->port == int(set.replica().port()))
            promotedNs = clock.nsecsElapsed();
        else
            QThread::msleep(10);
    }
    while (!deadline.hasExpired() && hitsBackNs.load() < 0)
        QThread::msleep(10);
    QThread::msleep(kAfterHitsMs);
    stop = true;
    for (std::thread &reader : readers)
        reader.join();

    const qint64 total = bySource[0] + bySource[1] + bySource[2] + bySource[3] + failed;
    const auto seconds = [&](qint64 ns) { return ns < 0 ? -1.0 : double(ns - killedAtNs.load()) / 1e9; };
    std::printf("Redis Sentinel failover under read load: %d reader threads, %lld students x %lld endpoints warmed, "
                "primary killed (SIGKILL), sentinel down-after 1 s, engine Redis back-off 200 ms; load average %s\n",
                kReaders, static_cast<long long>(kStudents), static_cast<long long>(endpoints.size()),
                test::loadAverage().constData());
    std::printf("  reads from the kill on            %lld, failed %lld\n", static_cast<long long>(total),
                static_cast<long long>(failed.load()));
    std::printf("  answered from                     redis %lld, postgres %lld, zoho %lld, stale %lld\n",
                static_cast<long long>(bySource[int(ReadSource::Redis)].load()),
                static_cast<long long>(bySource[int(ReadSource::Postgres)].load()),
                static_cast<long long>(bySource[int(ReadSource::Zoho)].load()),
                static_cast<long long>(bySource[int(ReadSource::Stale)].load()));
    std::printf("  read latency                      p50 %.3f ms, p99 %.3f ms, max %.1f ms\n", quantile(latencyMs, 0.5),
                quantile(latencyMs, 0.99), quantile(latencyMs, 1.0));
    std::printf("  first read not from Redis         %.3f s after the kill\n", seconds(firstMissNs.load()));
    std::printf("  sentinel named the replica        %.3f s after the kill\n", seconds(promotedNs));
    std::printf("  Redis hits returned               %.3f s after the kill (same engine, no restart)\n",
                seconds(hitsBackNs.load()));
    return failed.load() == 0 && hitsBackNs.load() >= 0 ? 0 : 1;
}
