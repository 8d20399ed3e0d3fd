// Entity-state lookups (HMGET of the five state fields) for 100,000 keys: pipelined in
// chunks versus one round trip per key. Prints lookups/s and the ratio; the design
// expects pipelining to be at least 20x faster. Not a timed test: it only reports.
//
// Server: the sandbox of TIERSYNC_SANDBOX_DIR (sandbox.json), else --redis-url URL.
#include "testsandbox.h"

#include "core/redissettings.h"
#include "redis/redisbatch.h"
#include "redis/redisconnection.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTextStream>

#include <cstdio>
#include <ctime>

using namespace tiersync;

namespace {

const QList<QByteArray> kStateFields{"content_hash", "local_id", "last_modified_time", "cached_at", "sync_count"};

QByteArray stateKey(int i)
{
    return "tiersync:v1:state:bench:" + QByteArray::number(i);
}

struct Row {
    QString method;
    qint64 elapsedMs = 0;
    qint64 clientCpuMs = 0;  // this process only: the rest of the time is the server and the wire
    qint64 found = 0;
    double perSecond = 0;
};

qint64 cpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

double rate(qint64 count, qint64 elapsedNs)
{
    return elapsedNs > 0 ? double(count) * 1e9 / double(elapsedNs) : 0.0;
}

int fail(const QString &what, const Error &error)
{
    QTextStream(stderr) << "bench_redis_pipeline: " << what << ": " << error.toString() << '\n';
    return 1;
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Pipelined vs per-key entity-state lookups in Redis"));
    parser.addHelpOption();
    const QCommandLineOption urlOption(QStringLiteral("redis-url"),
                                       QStringLiteral("redis://[:password@]host:port/db when no sandbox is set"),
                                       QStringLiteral("url"));
    const QCommandLineOption keysOption(QStringLiteral("keys"), QStringLiteral("number of state hashes (100000)"),
                                        QStringLiteral("n"), QStringLiteral("100000"));
    parser.addOption(urlOption);
    parser.addOption(keysOption);
    parser.process(app);

    RedisSettings settings;
    if (!test::sandboxDir().isEmpty()) {
        auto profile = test::sandboxProfile();
        if (!profile)
            return fail(QStringLiteral("sandbox"), profile.error());
        settings = profile->redis;
    } else if (parser.isSet(urlOption)) {
        auto parsed = RedisSettings::fromUrl(parser.value(urlOption));
        if (!parsed)
            return fail(QStringLiteral("--redis-url"), parsed.error());
        settings = *parsed;
    } else {
        QTextStream(stderr) << "bench_redis_pipeline: set TIERSYNC_SANDBOX_DIR or pass --redis-url\n";
        return 2;
    }
    const int count = parser.value(keysOption).toInt();
    if (count <= 0) {
        QTextStream(stderr) << "bench_redis_pipeline: --keys must be positive\n";
        return 2;
    }

    RedisConnection connection(settings);
    if (auto up = connection.ping(); !up)
        return fail(QStringLiteral("ping"), up.error());

    QList<QByteArray> keys;
    QList<RedisHashWrite> writes;
    keys.reserve(count);
    writes.reserve(count);
    for (int i = 0; i < count; ++i) {
        keys.append(stateKey(i));
        writes.append({keys.last(),
                       {{"content_hash", QByteArray(64, 'a' + char(i % 26))},
                        {"local_id", QByteArray::number(i + 1)},
                        {"last_modified_time", "2024-05-01T10:00:00+0530"},
                        {"cached_at", "1714540000"},
                        {"sync_count", "1"}}});
    }

    QList<Row> rows;
    QElapsedTimer timer;

    // Populate: pipelined HSET + EXPIRE.
    {
        RedisBatch batch(connection, 10000);
        const qint64 cpuStart = cpuMs();
        timer.start();
        if (auto written = batch.hsetExpireMany(writes, 3600); !written)
            return fail(QStringLiteral("populate"), written.error());
        const qint64 ns = timer.nsecsElapsed();
        rows.append({QStringLiteral("populate HSET+EXPIRE (pipelined, 10000/flush)"), ns / 1000000,
                     cpuMs() - cpuStart, count, rate(count, ns)});
    }

    // Pipelined lookups.
    for (const int chunk : {1000, 10000}) {
        RedisBatch batch(connection, chunk);
        const qint64 cpuStart = cpuMs();
        timer.start();
        auto states = batch.hmgetMany(keys, kStateFields);
        const qint64 ns = timer.nsecsElapsed();
        const qint64 cpu = cpuMs() - cpuStart;
        if (!states)
            return fail(QStringLiteral("pipelined HMGET"), states.error());
        qint64 found = 0;
        for (const auto &row : *states)
            found += row.first().has_value() ? 1 : 0;
        rows.append({QStringLiteral("HMGET pipelined, %1/flush").arg(chunk), ns / 1000000, cpu, found,
                     rate(count, ns)});
    }

    // One round trip per key.
    {
        QList<QByteArray> command{"HMGET", QByteArray()};
        command.append(kStateFields);
        qint64 found = 0;
        const qint64 cpuStart = cpuMs();
        timer.start();
        for (const QByteArray &key : std::as_const(keys)) {
            command[1] = key;
            auto reply = connection.command(command);
            if (!reply)
                return fail(QStringLiteral("per-key HMGET"), reply.error());
            found += reply->elements().value(0).isString() ? 1 : 0;
        }
        const qint64 ns = timer.nsecsElapsed();
        rows.append({QStringLiteral("HMGET one round trip per key"), ns / 1000000, cpuMs() - cpuStart, found,
                     rate(count, ns)});
    }

    RedisBatch cleanup(connection);
    auto removed = cleanup.unlinkMany(keys);
    if (!removed)
        return fail(QStringLiteral("cleanup"), removed.error());

    QTextStream out(stdout);
    out << "Redis entity-state lookups, " << count << " keys, server " << settings.toUrl() << "\n\n";
    out << qSetFieldWidth(46) << Qt::left << "method" << qSetFieldWidth(14) << Qt::right << "elapsed ms"
        << "client cpu ms" << "found" << qSetFieldWidth(16) << "per second" << qSetFieldWidth(0) << '\n';
    for (const Row &row : std::as_const(rows)) {
        out << qSetFieldWidth(46) << Qt::left << row.method << qSetFieldWidth(14) << Qt::right << row.elapsedMs
            << row.clientCpuMs << row.found << qSetFieldWidth(16) << QString::number(row.perSecond, 'f', 0) << qSetFieldWidth(0)
            << '\n';
    }
    const double perKey = rows.last().perSecond;
    out << '\n';
    for (qsizetype i = 1; i + 1 < rows.size(); ++i) {
        out << "ratio " << rows.at(i).method << " vs per key: "
            << QString::number(perKey > 0 ? rows.at(i).perSecond / perKey : 0.0, 'f', 1) << "x\n";
    }
    out << "cleanup: unlinked " << *removed << " keys\n";
    return 0;
}
