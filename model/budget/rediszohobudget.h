#pragma once

#include "core/epochclock.h"
#include "core/redissettings.h"
#include "core/zohosettings.h"
#include "zoho/localzohobudget.h"
#include "zoho/zohobudget.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <array>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace tiersync {

class RedisConnection;
class RedisReply;
class RedisScript;

// The organisation's Zoho budget shared by every process through Redis (Lua scripts, so
// each decision is atomic across processes): per family an exact sliding log, leases
// for concurrency (a ZSET scored by expiry, so a killed holder's slots come back), the
// daily budget, reads first, and the halt/pause markers Zoho's rejections set.
//
// One acquire() is one EVALSHA; releases wait for the next acquire (of any family) and
// ride along, or a helper thread sends them after kReleaseFlushMs. A release that cannot
// be sent is kept and sent later; a lease never sent back expires by itself.
//
// Keys (scope = the org id for Books and Inventory, the client id for CRM):
//   tiersync:v1:zoho:{scope}:rate:{family}      ZSET lease id → grant ms (sliding log)
//   tiersync:v1:zoho:{scope}:leases:{family}    ZSET lease id → expiry ms
//   tiersync:v1:zoho:{scope}:day:{family}       HASH calendar: day, sum; rolling: bucket → credits, sum, oldest
//   tiersync:v1:zoho:{scope}:halt:{family}      "until|code|by|reason"
//   tiersync:v1:zoho:{scope}:pause:{family}     "until"
//   tiersync:v1:zoho:{scope}:reads:{family}     last read ms
//   tiersync:v1:zoho:{scope}:readwait:{family}  a read waits until ms
//   tiersync:v1:zoho:{scope}:instances          ZSET instance id → last acquire ms (live = seen within
//                                               Options::liveTtlMs). Not tiersync:v1:instances: the
//                                               console's InstanceStore::readAll drops listings without
//                                               a heartbeat hash, and a CLI process publishes none.
// Markers carry their end in their value (their PX only collects garbage), so a pinned
// now decides alone.
//
// Redis unreachable (refused, timeout, broken): the budget falls back to a
// LocalZohoBudget holding this process's share of the limits (n = the live instances the
// last successful acquire counted, Options::fallbackInstances before any), asks Redis
// again at most once per probe interval, and on return replays the calls and leases of
// the fallback into the shared log, day and leases first; until those calls have left the
// window it still keeps to its share as well (the others may not have replayed yet).
//
// Thread-safe: one mutex, and a RedisConnection of its own (callers may be any thread).
class RedisZohoBudget final : public ZohoBudget {
public:
    static constexpr qint64 kReleaseFlushMs = 20;

    struct Options {
        // Null: Redis TIME decides (every process one clock). Set: its time goes to the
        // scripts as now_ms (tests pin it) and drives the fallback.
        EpochClock clock;
        // An instance counts as live while it acquired this recently.
        qint64 liveTtlMs = 60000;
        // Instances assumed before any acquire reached Redis (never 1).
        int fallbackInstances = 4;
        // Connect and command timeout towards Redis (capped at 300 ms).
        int redisTimeoutMs = 300;
        qint64 probeIntervalMs = 1000;
        // Lease ids and the registry entry; default host:pid.
        QString instanceId;
        // How long past its wait a waiting read still blocks sync grants (it is on its way
        // back for the slot), as LocalZohoBudget::kReadWaitMs.
        qint64 readWaitMs = LocalZohoBudget::kReadWaitMs;
    };

    RedisZohoBudget(RedisSettings redis, const ZohoSettings &zoho, ZohoLimits limits, Options options);
    ~RedisZohoBudget() override;
    Q_DISABLE_COPY_MOVE(RedisZohoBudget)

    [[nodiscard]] Decision acquire(const ZohoBudgetRequest &request) override;
    void release(const ZohoLease &lease, ZohoLeaseRelease mode) override;
    void reportRejection(ZohoApiFamily family, const Error &error, const Headers &headers) override;
    void setLimits(const ZohoLimits &limits) override;
    [[nodiscard]] ZohoLimits limits() const override;
    // Shared: the totals in Redis (one round trip). Fallback: this process's share.
    [[nodiscard]] ZohoBudgetSnapshot snapshot() const override;

    // Lock-free: the heartbeat asks while an acquire may wait on Redis.
    [[nodiscard]] ZohoBudgetMode mode() const override;
    // Live instances the last successful acquire counted (0: none yet).
    [[nodiscard]] int liveInstances() const;
    [[nodiscard]] QString instanceId() const;
    // Releases not yet sent to Redis.
    [[nodiscard]] int pendingReleases() const;
    // Requests sent to Redis so far (acquire, release flushes, rejections, snapshots,
    // replays; a NOSCRIPT answer's EVAL is not counted). For the benchmark and heartbeat.
    [[nodiscard]] quint64 redisRoundTrips() const;

    // tiersync:v1:zoho:{scope}: for a family.
    [[nodiscard]] static QByteArray keyPrefix(const ZohoSettings &zoho, ZohoApiFamily family);
    // This process's share of the limits among n instances: per window floor(L/n),
    // concurrency max(1, floor(C/n)), daily floor((perDay - spent)/n) (at least 1).
    [[nodiscard]] static ZohoLimits shareOf(const ZohoLimits &limits, int instances,
                                            const std::array<qint64, kZohoApiFamilyCount> &daySpent);

private:
    struct PendingRelease {
        ZohoApiFamily family;
        QByteArray member;
        qint64 expiresAtMs;
    };
    struct FallbackCall {
        qint64 atMs;
        QByteArray member;
        int credits;
    };
    struct FallbackLease {
        ZohoLease inner;
        QByteArray member;
        bool inRedis = false;
    };
    // The shared window as this instance last saw it (a grant's count, or full on a
    // window denial): a fallback starts with its part of it.
    struct WindowSeen {
        int used = 0;
        qint64 atMs = 0;
    };

    [[nodiscard]] qint64 nowMs() const;
    [[nodiscard]] QByteArray nowArg() const;
    [[nodiscard]] QByteArray key(ZohoApiFamily family, const char *what) const;
    [[nodiscard]] QByteArray instancesKey(ZohoApiFamily family) const;
    [[nodiscard]] QByteArray member(quint64 seq) const;
    [[nodiscard]] Decision decide(ZohoApiFamily family, const RedisReply &reply, const ZohoBudgetRequest &request,
                                  quint64 seq);
    [[nodiscard]] Decision acquireFallback(const ZohoBudgetRequest &request, qint64 now);
    [[nodiscard]] bool tryReturn(qint64 now);
    void enterFallback(const Error &why, qint64 now) const;
    void dropStalePending(qint64 now) const;
    void flushReleasesLocked() const;
    void flusherLoop();

    RedisSettings m_redisSettings;
    QByteArray m_booksScope;
    QByteArray m_crmScope;
    Options m_options;
    EpochClock m_clock;
    QString m_instanceId;
    QByteArray m_registryMember;
    std::unique_ptr<RedisScript> m_acquire;
    std::unique_ptr<RedisScript> m_reject;
    std::unique_ptr<RedisScript> m_snapshot;
    std::unique_ptr<RedisScript> m_replay;

    mutable std::mutex m_mutex;
    mutable std::condition_variable m_wake;
    mutable std::unique_ptr<RedisConnection> m_redis;
    ZohoLimits m_limits;
    mutable std::atomic<ZohoBudgetMode> m_mode{ZohoBudgetMode::Shared};
    int m_live = 0;
    mutable qint64 m_lastProbeMs = 0;
    std::array<qint64, kZohoApiFamilyCount> m_daySpent{};
    std::array<WindowSeen, kZohoApiFamilyCount> m_windowSeen{};
    // The share while Redis is unreachable; after the return it still gates until
    // m_fallbackGateUntilMs, when the last call made on it leaves the window.
    mutable std::unique_ptr<LocalZohoBudget> m_fallback;
    qint64 m_fallbackGateUntilMs = 0;
    std::array<std::vector<FallbackCall>, kZohoApiFamilyCount> m_fallbackCalls;
    std::unordered_map<quint64, FallbackLease> m_fallbackLeases;
    mutable QList<PendingRelease> m_pending;
    mutable qint64 m_pendingSinceSteadyMs = 0;
    quint64 m_seq = 0;
    mutable quint64 m_roundTrips = 0;
    bool m_stop = false;
    std::thread m_flusher;
};

}  // namespace tiersync
