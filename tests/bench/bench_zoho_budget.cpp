// LocalZohoBudget: what one acquire + release costs, and how long reads wait for the
// budget while a sync saturates it. Needs no server.
//
// 1. Cost: 1,000,000 acquire + release pairs on a budget that grants (limits far above
//    the load), then 1,000,000 acquires on a Books budget whose window is full (every
//    answer is Wait). Wall-clock ns per call on this machine.
// 2. Reads under a saturating sync, in simulated time (no sleeping): a sync keeps 8 calls
//    asking (SyncOptions' pages in flight), each answer taking 300 ms; reads arrive at
//    random (exponential gaps, 10 a minute) and take 200 ms. Whoever is told Wait asks
//    again after that long, as ZohoClient does; at the same instant reads ask first, as
//    the client's queues do. Books defaults: 100 per 60 s + 1 s slack, 5 at once, 20 %
//    read reserve. Prints reads' budget wait p50/p99/max, reads that would have passed
//    the read path's 2,000 ms (served stale), the sync's calls per window, and the most
//    calls in any 61 s (never above 100).
#include "zoho/localzohobudget.h"
#include "zoho/zohorequest.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QTextStream>

#include <algorithm>
#include <cmath>
#include <queue>
#include <vector>

using namespace tiersync;

namespace {

QTextStream &out()
{
    static QTextStream stream(stdout);
    return stream;
}

void measureCost()
{
    constexpr int kCalls = 1000000;
    qint64 now = 1718117130000;
    {
        FamilyLimits generous;
        generous.perWindow = 100000000;
        generous.perDay = 0;
        generous.concurrency = 1000;
        LocalZohoBudget budget(ZohoLimits::uniform(generous), [&now] { return now; });
        ZohoBudgetRequest request;
        request.purpose = ZohoCallPurpose::Sync;
        QElapsedTimer timer;
        timer.start();
        for (int i = 0; i < kCalls; ++i) {
            now += i % 2;  // the log holds about 120,000 grants per window at this rate
            const ZohoBudget::Decision decision = budget.acquire(request);
            budget.release(std::get<ZohoBudget::Granted>(decision).lease, ZohoLeaseRelease::Now);
        }
        out() << "acquire + release (granted):      " << double(timer.nsecsElapsed()) / kCalls << " ns\n";
    }
    {
        LocalZohoBudget budget(ZohoLimits{}, [&now] { return now; });
        ZohoBudgetRequest request;
        request.purpose = ZohoCallPurpose::Sync;
        for (int i = 0; i < 100; ++i)
            (void)budget.acquire(request);
        QElapsedTimer timer;
        timer.start();
        qint64 waits = 0;
        for (int i = 0; i < kCalls; ++i)
            waits += std::holds_alternative<ZohoBudget::Wait>(budget.acquire(request)) ? 1 : 0;
        out() << "acquire (window full, Wait):      " << double(timer.nsecsElapsed()) / kCalls << " ns ("
              << waits << " waits)\n";
    }
}

struct Event {
    qint64 atMs;
    int order;     // reads (0) before syncs (1) at the same instant, then FIFO
    quint64 seq;
    enum Kind { ReadArrives, ReadAsks, SyncAsks, Release } kind;
    int id;        // read number, or sync worker
    ZohoLease lease;

    bool operator>(const Event &other) const
    {
        if (atMs != other.atMs)
            return atMs > other.atMs;
        if (order != other.order)
            return order > other.order;
        return seq > other.seq;
    }
};

qint64 percentile(std::vector<qint64> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    const size_t index = std::min(values.size() - 1, size_t(std::ceil(p * double(values.size()))) - 1);
    return values[index];
}

void simulateReadsUnderSync()
{
    constexpr qint64 kStartMs = 1718092800000;  // 2024-06-11 08:00 UTC: the day is young
    constexpr qint64 kDurationMs = 3600 * 1000;  // one simulated hour
    constexpr int kSyncWorkers = 8;
    constexpr qint64 kSyncCallMs = 300;
    constexpr qint64 kReadCallMs = 200;
    constexpr double kReadsPerMinute = 10.0;

    qint64 now = kStartMs;
    ZohoLimits limits;
    limits.books.perDay = 0;  // the hour is about the window, not the day
    LocalZohoBudget budget(limits, [&now] { return now; });
    QRandomGenerator random(42);
    std::priority_queue<Event, std::vector<Event>, std::greater<>> events;
    quint64 seq = 0;
    const auto schedule = [&](qint64 at, Event::Kind kind, int id, ZohoLease lease = {}) {
        events.push(Event{at, kind == Event::SyncAsks ? 1 : 0, seq++, kind, id, lease});
    };

    std::vector<qint64> readArrival;
    std::vector<qint64> readWaits;
    int readsStale = 0;
    std::vector<qint64> grants;
    qint64 syncCalls = 0;

    for (int w = 0; w < kSyncWorkers; ++w)
        schedule(kStartMs, Event::SyncAsks, w);
    schedule(kStartMs, Event::ReadArrives, 0);

    while (!events.empty()) {
        const Event event = events.top();
        events.pop();
        if (event.atMs > kStartMs + kDurationMs)
            break;
        now = event.atMs;
        switch (event.kind) {
        case Event::ReadArrives: {
            const int id = int(readArrival.size());
            readArrival.push_back(now);
            schedule(now, Event::ReadAsks, id);
            const double gapMs = -std::log(1.0 - random.generateDouble()) * 60000.0 / kReadsPerMinute;
            schedule(now + qint64(gapMs), Event::ReadArrives, 0);
            break;
        }
        case Event::ReadAsks:
        case Event::SyncAsks: {
            const bool read = event.kind == Event::ReadAsks;
            ZohoBudgetRequest request;
            request.purpose = read ? ZohoCallPurpose::Read : ZohoCallPurpose::Sync;
            const ZohoBudget::Decision decision = budget.acquire(request);
            if (const auto *granted = std::get_if<ZohoBudget::Granted>(&decision)) {
                grants.push_back(now);
                if (read)
                    readWaits.push_back(now - readArrival[size_t(event.id)]);
                else
                    ++syncCalls;
                schedule(now + (read ? kReadCallMs : kSyncCallMs), Event::Release, read ? -1 : event.id,
                         granted->lease);
            } else if (const auto *wait = std::get_if<ZohoBudget::Wait>(&decision)) {
                if (read && (now - readArrival[size_t(event.id)]) + wait->ms > ZohoRequest::kReadBudgetWaitMs)
                    ++readsStale;  // the client fails it at once; the reader serves stale
                else
                    schedule(now + wait->ms, event.kind, event.id);
            }
            break;
        }
        case Event::Release:
            budget.release(event.lease, ZohoLeaseRelease::Now);
            if (event.id >= 0)
                schedule(now, Event::SyncAsks, event.id);  // the sync's next page
            break;
        }
    }

    const qint64 window = limits.books.effectiveWindowMs();
    int worst = 0;
    for (size_t i = 0, j = 0; i < grants.size(); ++i) {
        while (grants[j] + window <= grants[i])
            ++j;
        worst = std::max(worst, int(i - j + 1));
    }
    const double windows = double(kDurationMs) / double(window);
    out() << "simulated hour, sync saturating, " << kReadsPerMinute << " reads/min:\n"
          << "  reads: " << readArrival.size() << ", served " << readWaits.size() << ", stale (wait > "
          << ZohoRequest::kReadBudgetWaitMs << " ms) " << readsStale << "\n"
          << "  reads' budget wait: p50 " << percentile(readWaits, 0.50) << " ms, p99 "
          << percentile(readWaits, 0.99) << " ms, max " << percentile(readWaits, 1.0) << " ms\n"
          << "  sync calls per 61 s window: " << double(syncCalls) / windows << "; all calls: "
          << double(grants.size()) / windows << " (limit 100)\n"
          << "  most calls in any 61 s: " << worst << "\n";
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    measureCost();
    simulateReadsUnderSync();
    out().flush();
    return 0;
}
