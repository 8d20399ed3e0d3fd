#pragma once

#include "core/epochclock.h"
#include "zoho/zohobudget.h"

#include <QMutex>

#include <array>
#include <deque>
#include <map>
#include <unordered_map>

namespace tiersync {

// The budget of one process (and the fallback of a shared one). Per family:
// - an exact sliding log: never more than perWindow grants in any windowMs + slack
//   (a token bucket lets a burst plus a minute's worth through in one minute);
// - concurrency: granted leases until released, or until they expire when kept;
// - the daily budget: a calendar day in UTC (Books, Inventory) or a rolling 24 h counted
//   in buckets that leave only once all of their calls are older than 24 h (CRM), so the
//   count is never below the truth;
// - reads first: while a read or webhook asked in the last window, syncs get only
//   perWindow less the read reserve; while one waits (until its wait is over, plus
//   kReadWaitMs for it to come back), syncs get nothing;
//   syncs hold at most FamilyLimits::syncConcurrencyCap() slots and stop at
//   syncDailyStopPct of the day.
// Time is the injected EpochClock. Thread-safe (one mutex; snapshot() comes from the
// console's thread).
class LocalZohoBudget final : public ZohoBudget {
public:
    // How long past its wait a waiting read still blocks sync grants (it is on its way
    // back for the slot), unless it is granted first.
    static constexpr qint64 kReadWaitMs = 1000;
    // After 1070 or CRM TOO_MANY_REQUESTS (too many at once) nothing goes out for this long.
    static constexpr qint64 kPauseMs = 1000;
    // Longest wait for a concurrency slot before asking again (releases usually come first).
    static constexpr qint64 kConcurrencyPollMs = 50;

    explicit LocalZohoBudget(ZohoLimits limits = {}, EpochClock clock = {});
    ~LocalZohoBudget() override;
    Q_DISABLE_COPY_MOVE(LocalZohoBudget)

    [[nodiscard]] Decision acquire(const ZohoBudgetRequest &request) override;
    void release(const ZohoLease &lease, ZohoLeaseRelease mode) override;
    void reportRejection(ZohoApiFamily family, const Error &error, const Headers &headers) override;
    void setLimits(const ZohoLimits &limits) override;
    [[nodiscard]] ZohoLimits limits() const override;
    [[nodiscard]] ZohoBudgetSnapshot snapshot() const override;

    // Counts `calls` grants made elsewhere at atMs in the family's window, as if this
    // budget had made them: a fallback starts with its part of the shared window it saw.
    void charge(ZohoApiFamily family, int calls, qint64 atMs);

private:
    struct Family {
        std::deque<qint64> log;                       // grant times, ascending
        std::unordered_map<quint64, qint64> leases;   // id → expiry
        qint64 lastInteractiveMs = 0;                 // last read/webhook acquire (0: none)
        qint64 readWaitUntilMs = 0;
        qint64 dayIndex = -1;                         // CalendarUtc: the day counted
        qint64 dayCount = 0;                          // CalendarUtc: calls that day
        std::map<qint64, qint64> buckets;             // Rolling24h: bucket → credits
        qint64 bucketSum = 0;
        qint64 haltedUntilMs = 0;
        Error haltError;
        qint64 pausedUntilMs = 0;
        qint64 heldUntilMs = 0;                       // Books 44: the window is Zoho's
    };

    void sweep(ZohoApiFamily family, qint64 now) const;
    [[nodiscard]] qint64 dayUsed(ZohoApiFamily family) const;
    [[nodiscard]] qint64 dayResetMs(ZohoApiFamily family, qint64 now) const;
    void halt(ZohoApiFamily family, qint64 untilMs, Error error);

    EpochClock m_clock;
    mutable QMutex m_mutex;
    ZohoLimits m_limits;
    mutable std::array<Family, kZohoApiFamilyCount> m_families;
    quint64 m_nextLease = 0;
};

}  // namespace tiersync
