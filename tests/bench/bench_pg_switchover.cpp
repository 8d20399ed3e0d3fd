// A PostgreSQL switchover under a write loop, through a DSN with both hosts
// (host=127.0.0.1,127.0.0.1 port=P,S target_session_attrs=read-write): a primary and a
// streaming standby of the benchmark's own (PgReplicaPair), the primary stopped with a
// fast shutdown, the standby promoted with pg_ctl promote. One thread writes one row per
// transaction through one PgConnection, retrying a failed write after --retry-ms.
//
// Prints per round: how long the fast shutdown and the promotion took, the seconds from
// the primary's stop to the first write committed on the new primary (and from the start
// of the promotion to it: pg_ctl promote -w polls, so it may return after that write), the
// failed attempts meanwhile, when a PgListener LISTENs
// again, and the acknowledged writes missing on the new primary (must be 0). Not a
// timed test: it only reports.
#include "benchsupport.h"
#include "pgreplicapair.h"

#include "store/pgconnection.h"
#include "store/pglistener.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTextStream>
#include <QThread>

#include <pqxx/pqxx>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

using namespace tiersync;
using tiersync::test::PgReplicaPair;

namespace {

struct Round {
    double stopSeconds = 0;           // pg_ctl stop -m fast
    double promoteSeconds = 0;        // pg_ctl promote -w
    double firstWriteSeconds = 0;     // stop begins → first commit on the new primary
    double sincePromoteSeconds = 0;   // promotion begins → that commit (pg_ctl may return later)
    double listenerSeconds = 0;       // stop begins → the listener LISTENs on the new primary
    qint64 writesBefore = 0;
    qint64 failedAttempts = 0;
    qint64 acknowledged = 0;
    qint64 lost = 0;
};

int fail(const QString &what, const Error &error)
{
    QTextStream(stderr) << "bench_pg_switchover: " << what << ": " << error.toString() << '\n';
    return 1;
}

Status exec(const PgSettings &settings, const std::string &sql)
{
    PgConnection connection(settings);
    return connection.transaction(QStringLiteral("bench setup"), [&](pqxx::transaction_base &txn) -> Status {
        txn.exec(sql);
        return {};
    });
}

Result<Round> runRound(int retryMs, int warmWrites)
{
    auto pair = PgReplicaPair::start();
    if (!pair)
        return pair.error();
    if (Status created = exec((*pair)->primarySettings(), "CREATE TABLE bench_writes (id bigint PRIMARY KEY)");
        !created)
        return created.error();

    QElapsedTimer clock;
    clock.start();
    std::atomic_bool stopLoop{false};
    std::atomic<qint64> committed{0};
    std::atomic<qint64> failures{0};
    std::atomic<qint64> stopStartedNs{-1};
    std::atomic<qint64> firstCommitAfterStopNs{-1};
    std::mutex ackLock;
    std::vector<qint64> acknowledged;

    const QString standbyAddress = QStringLiteral("127.0.0.1:%1").arg((*pair)->standbyPort());
    std::thread writer([&] {
        PgConnection connection((*pair)->multiHostSettings());
        for (qint64 id = 1; !stopLoop; ++id) {
            const qint64 startedNs = clock.nsecsElapsed();
            const Status written = connection.transaction(QStringLiteral("bench write"),
                                                          [&](pqxx::transaction_base &txn) -> Status {
                                                              txn.exec_params("INSERT INTO bench_writes VALUES ($1)", id);
                                                              return {};
                                                          });
            if (!written) {
                ++failures;
                QThread::msleep(static_cast<unsigned long>(retryMs));
                continue;
            }
            {
                const std::lock_guard guard(ackLock);
                acknowledged.push_back(id);
            }
            ++committed;
            // The first commit the new primary took (writes begun just as the stop began
            // may still commit on the old one).
            if (firstCommitAfterStopNs.load() < 0 && stopStartedNs.load() >= 0 && startedNs > stopStartedNs.load()
                && connection.serverAddress() == standbyAddress)
                firstCommitAfterStopNs = clock.nsecsElapsed();
        }
    });

    std::atomic<qint64> relistenedNs{-1};
    PgListener::Options listenerOptions;
    PgListener listener((*pair)->multiHostSettings(), {QStringLiteral("bench_switchover")}, listenerOptions);
    QObject::connect(
        &listener, &PgListener::connectionRestored, &listener,
        [&] { relistenedNs = clock.nsecsElapsed(); }, Qt::DirectConnection);
    listener.start();

    while (committed < warmWrites || !listener.isListening())
        QThread::msleep(10);
    Round round;
    round.writesBefore = committed;
    const qint64 failuresBefore = failures;

    stopStartedNs = clock.nsecsElapsed();
    (*pair)->stopPrimary();
    const qint64 stoppedNs = clock.nsecsElapsed();
    const Status promoted = (*pair)->promoteStandby();
    const qint64 promotedNs = clock.nsecsElapsed();
    if (!promoted) {
        stopLoop = true;
        writer.join();
        return promoted.error();
    }
    // Keep writing a little on the new primary, and wait for the listener.
    QElapsedTimer patience;
    patience.start();
    while ((firstCommitAfterStopNs < 0 || relistenedNs < 0) && patience.elapsed() < 60000)
        QThread::msleep(10);
    const qint64 afterFirst = committed;
    while (committed < afterFirst + warmWrites / 4 && patience.elapsed() < 60000)
        QThread::msleep(10);
    stopLoop = true;
    writer.join();
    listener.stop();
    if (firstCommitAfterStopNs < 0)
        return makeError(ErrorKind::Timeout, QStringLiteral("no write committed on the new primary within 60 s"));

    round.stopSeconds = double(stoppedNs - stopStartedNs) / 1e9;
    round.promoteSeconds = double(promotedNs - stoppedNs) / 1e9;
    round.firstWriteSeconds = double(firstCommitAfterStopNs - stopStartedNs) / 1e9;
    round.sincePromoteSeconds = double(firstCommitAfterStopNs - stoppedNs) / 1e9;
    round.listenerSeconds = relistenedNs < 0 ? -1 : double(relistenedNs - stopStartedNs) / 1e9;
    round.failedAttempts = failures - failuresBefore;
    round.acknowledged = qint64(acknowledged.size());

    // Every acknowledged write must be on the new primary.
    PgConnection check((*pair)->standbySettings());
    qint64 present = 0;
    const Status counted = check.transaction(QStringLiteral("bench check"), [&](pqxx::transaction_base &txn) -> Status {
        std::string ids = "{";
        for (size_t i = 0; i < acknowledged.size(); ++i)
            ids += (i ? "," : "") + std::to_string(acknowledged[i]);
        ids += "}";
        present = txn.exec_params1("SELECT count(*) FROM bench_writes WHERE id = ANY($1::bigint[])", ids)[0]
                      .as<qint64>();
        return {};
    });
    if (!counted)
        return counted.error();
    round.lost = round.acknowledged - present;
    return round;
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values.empty() ? 0 : values[values.size() / 2];
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("PostgreSQL switchover under a write loop"));
    parser.addHelpOption();
    const QCommandLineOption roundsOption(QStringLiteral("rounds"), QStringLiteral("switchovers (default 3)"),
                                          QStringLiteral("n"), QStringLiteral("3"));
    const QCommandLineOption retryOption(QStringLiteral("retry-ms"),
                                         QStringLiteral("pause after a failed write (default 5)"), QStringLiteral("ms"),
                                         QStringLiteral("5"));
    const QCommandLineOption warmOption(QStringLiteral("writes"),
                                        QStringLiteral("writes on the primary before the stop (default 2000)"),
                                        QStringLiteral("n"), QStringLiteral("2000"));
    parser.addOptions({roundsOption, retryOption, warmOption});
    parser.process(app);
    const int rounds = parser.value(roundsOption).toInt();
    const int retryMs = parser.value(retryOption).toInt();
    const int warmWrites = parser.value(warmOption).toInt();
    if (rounds < 1 || retryMs < 0 || warmWrites < 4) {
        QTextStream(stderr) << "bench_pg_switchover: --rounds must be >= 1, --retry-ms >= 0, --writes >= 4\n";
        return 2;
    }

    QTextStream out(stdout);
    out << "PostgreSQL switchover (fast shutdown + pg_ctl promote), one write per transaction, retry after "
        << retryMs << " ms; load average " << tiersync::test::loadAverage() << "\n";
    out << QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8\n")
               .arg(QStringLiteral("round"), 5)
               .arg(QStringLiteral("stop s"), 8)
               .arg(QStringLiteral("promote s"), 10)
               .arg(QStringLiteral("1st write s"), 12)
               .arg(QStringLiteral("from promote s"), 16)
               .arg(QStringLiteral("failed tries"), 13)
               .arg(QStringLiteral("listener s"), 11)
               .arg(QStringLiteral("acked/lost"), 14);
    std::vector<double> firstWrites, stops, sincePromotes, promotions, listeners;
    qint64 lostTotal = 0;
    for (int index = 1; index <= rounds; ++index) {
        auto round = runRound(retryMs, warmWrites);
        if (!round)
            return fail(QStringLiteral("round %1").arg(index), round.error());
        out << QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8\n")
                   .arg(index, 5)
                   .arg(round->stopSeconds, 8, 'f', 3)
                   .arg(round->promoteSeconds, 10, 'f', 3)
                   .arg(round->firstWriteSeconds, 12, 'f', 3)
                   .arg(round->sincePromoteSeconds, 16, 'f', 3)
                   .arg(round->failedAttempts, 13)
                   .arg(round->listenerSeconds, 11, 'f', 3)
                   .arg(QStringLiteral("%1/%2").arg(round->acknowledged).arg(round->lost), 14);
        out.flush();
        firstWrites.push_back(round->firstWriteSeconds);
        stops.push_back(round->stopSeconds);
        sincePromotes.push_back(round->sincePromoteSeconds);
        promotions.push_back(round->promoteSeconds);
        listeners.push_back(round->listenerSeconds);
        lostTotal += round->lost;
    }
    const auto seconds = [](const std::vector<double> &values) { return QString::number(median(values), 'f', 3); };
    out << "median: first committed write on the new primary " << seconds(firstWrites)
        << " s after the primary's stop began (fast shutdown " << seconds(stops) << " s, then "
        << seconds(sincePromotes) << " s from the start of the promotion); pg_ctl promote -w took "
        << seconds(promotions) << " s; the listener LISTENs again " << seconds(listeners)
        << " s after the stop began (reconnect backoff 250 ms doubling to 5 s)\n";
    out << "acknowledged writes lost: " << lostTotal << "\n";
    return lostTotal == 0 ? 0 : 1;
}
