#include "budget/rediszohobudget.h"

#include "budget/zohobudgetstore.h"

#include "core/logging.h"
#include "redis/redisconnection.h"
#include "redis/redisscript.h"
#include "zoho/localzohobudget.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QSysInfo>

#include <algorithm>
#include <atomic>
#include <chrono>

static void initRedisZohoBudgetResources()
{
    Q_INIT_RESOURCE(rediszohobudget);
}

namespace tiersync {

namespace {

// Lease ids of grants made on the fallback share (the rest are shared grants).
constexpr quint64 kFallbackBit = quint64(1) << 63;
constexpr qint64 kDayMs = 86400000;
constexpr qint64 kMaxRedisTimeoutMs = 300;

enum DenyCode { DenyWindow = 1, DenyConcurrency = 2, DenyDaily = 3, DenyHalted = 4, DenyReadFirst = 5, DenyPaused = 6 };

QByteArray loadScript(const char *name)
{
    QFile file(QStringLiteral(":/budget/lua/%1").arg(QLatin1String(name)));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("budget script %s is not compiled in", name);
    return file.readAll();
}

QString utc(qint64 epochMs)
{
    return QDateTime::fromMSecsSinceEpoch(epochMs, Qt::UTC).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'"));
}

QByteArray header(const ZohoBudget::Headers &headers, const char *name)
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value.trimmed();
    }
    return {};
}

qint64 steadyMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

QByteArray dayKindArg(const FamilyLimits &limits)
{
    return limits.dayKind == ZohoDayKind::CalendarUtc ? QByteArrayLiteral("c") : QByteArrayLiteral("r");
}

QByteArray familyKey(ZohoApiFamily family)
{
    return zohoApiFamilyName(family).toLatin1();
}

qint64 intAt(const QList<RedisReply> &items, qsizetype index)
{
    if (index >= items.size())
        return 0;
    const RedisReply &item = items[index];
    return item.isInteger() ? item.integerValue() : item.bytes().toLongLong();
}

}  // namespace

RedisZohoBudget::RedisZohoBudget(RedisSettings redis, const ZohoSettings &zoho, ZohoLimits limits, Options options)
    : m_redisSettings(std::move(redis))
    , m_booksScope(keyPrefix(zoho, ZohoApiFamily::Books))
    , m_crmScope(keyPrefix(zoho, ZohoApiFamily::Crm))
    , m_options(std::move(options))
    , m_clock(orSystemEpochClock(m_options.clock))
    , m_limits(std::move(limits))
{
    initRedisZohoBudgetResources();
    m_acquire = std::make_unique<RedisScript>(loadScript("acquire.lua"));
    m_reject = std::make_unique<RedisScript>(loadScript("reject.lua"));
    m_snapshot = std::make_unique<RedisScript>(ZohoBudgetStore::script());
    m_replay = std::make_unique<RedisScript>(loadScript("replay.lua"));
    m_options.fallbackInstances = std::max(1, m_options.fallbackInstances);
    const int timeoutMs = int(std::clamp<qint64>(m_options.redisTimeoutMs, 1, kMaxRedisTimeoutMs));
    m_redisSettings.connectTimeoutMs = std::min(m_redisSettings.connectTimeoutMs, timeoutMs);
    m_redisSettings.commandTimeoutMs = std::min(m_redisSettings.commandTimeoutMs, timeoutMs);
    // host:pid, and a number after the first budget of a process (two profiles on one
    // Zoho client), so lease ids never collide.
    static std::atomic_int budgetsMade{0};
    const int nth = ++budgetsMade;
    m_instanceId = !m_options.instanceId.isEmpty() ? m_options.instanceId
                   : nth == 1
                       ? QStringLiteral("%1:%2").arg(QSysInfo::machineHostName()).arg(QCoreApplication::applicationPid())
                       : QStringLiteral("%1:%2.%3")
                             .arg(QSysInfo::machineHostName())
                             .arg(QCoreApplication::applicationPid())
                             .arg(nth);
    m_registryMember = m_instanceId.toUtf8();
    m_redis = std::make_unique<RedisConnection>(m_redisSettings);
    m_flusher = std::thread([this] { flusherLoop(); });
}

RedisZohoBudget::~RedisZohoBudget()
{
    {
        const std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    m_flusher.join();
    // Releases still pending go out now when Redis answers; otherwise their leases expire.
    const std::lock_guard lock(m_mutex);
    if (m_mode == ZohoBudgetMode::Shared)
        flushReleasesLocked();
}

QByteArray RedisZohoBudget::keyPrefix(const ZohoSettings &zoho, ZohoApiFamily family)
{
    const QString &scope = family == ZohoApiFamily::Crm ? zoho.clientId : zoho.orgId;
    return "tiersync:v1:zoho:" + scope.toUtf8() + ':';
}

ZohoLimits RedisZohoBudget::shareOf(const ZohoLimits &limits, int instances,
                                    const std::array<qint64, kZohoApiFamilyCount> &daySpent)
{
    const int n = std::max(1, instances);
    ZohoLimits share = limits;
    for (int i = 0; i < kZohoApiFamilyCount; ++i) {
        FamilyLimits &f = share.of(ZohoApiFamily(i));
        f.perWindow = f.perWindow / n;
        f.concurrency = std::max(1, f.concurrency / n);
        // 0 would mean "no daily budget": the smallest share is one call.
        if (f.perDay > 0)
            f.perDay = std::max<qint64>(1, std::max<qint64>(0, f.perDay - daySpent[size_t(i)]) / n);
    }
    return share;
}

qint64 RedisZohoBudget::nowMs() const
{
    return m_clock();
}

QByteArray RedisZohoBudget::nowArg() const
{
    return m_options.clock ? QByteArray::number(m_options.clock()) : QByteArray();
}

QByteArray RedisZohoBudget::key(ZohoApiFamily family, const char *what) const
{
    return (family == ZohoApiFamily::Crm ? m_crmScope : m_booksScope) + what + ':' + familyKey(family);
}

QByteArray RedisZohoBudget::instancesKey(ZohoApiFamily family) const
{
    return (family == ZohoApiFamily::Crm ? m_crmScope : m_booksScope) + "instances";
}

QByteArray RedisZohoBudget::member(quint64 seq) const
{
    return m_instanceId.toUtf8() + ':' + QByteArray::number(seq);
}

ZohoBudget::Decision RedisZohoBudget::acquire(const ZohoBudgetRequest &request)
{
    std::unique_lock lock(m_mutex);
    const qint64 now = nowMs();
    dropStalePending(now);
    if (m_mode == ZohoBudgetMode::Fallback) {
        if (now - m_lastProbeMs < m_options.probeIntervalMs && now >= m_lastProbeMs)
            return acquireFallback(request, now);
        m_lastProbeMs = now;
        if (!tryReturn(now))
            return acquireFallback(request, now);
    }

    if (m_fallback && now >= m_fallbackGateUntilMs)
        m_fallback.reset();
    if (m_fallback) {
        // Back from a fallback: until its calls have left the window this instance also
        // keeps to its share, because instances still on theirs have not replayed yet.
        const Decision gate = m_fallback->acquire(request);
        if (const auto *local = std::get_if<Granted>(&gate))
            m_fallback->release(local->lease, ZohoLeaseRelease::Now);  // Redis holds the slot
        else
            return gate;
    }

    const ZohoApiFamily family = request.family;
    const FamilyLimits &limits = m_limits.of(family);
    const bool interactive = request.purpose != ZohoCallPurpose::Sync;
    const quint64 seq = ++m_seq;
    QList<QByteArray> keys{key(family, "rate"),  key(family, "leases"), key(family, "day"),
                           key(family, "halt"),  key(family, "pause"),  key(family, "reads"),
                           key(family, "readwait"), instancesKey(family)};
    for (int i = 0; i < kZohoApiFamilyCount; ++i)
        keys << key(ZohoApiFamily(i), "leases");
    QList<QByteArray> args{nowArg(),
                           interactive ? QByteArrayLiteral("i") : QByteArrayLiteral("b"),
                           member(seq),
                           QByteArray::number(limits.effectiveWindowMs()),
                           QByteArray::number(limits.perWindow),
                           QByteArray::number(limits.syncWindowCap()),
                           QByteArray::number(std::max<qint64>(1, request.leaseMs)),
                           QByteArray::number(limits.concurrency),
                           QByteArray::number(limits.syncConcurrencyCap()),
                           QByteArray::number(std::max(1, request.credits)),
                           QByteArray::number(limits.perDay),
                           QByteArray::number(limits.syncDailyCap()),
                           dayKindArg(limits),
                           QByteArray::number(limits.dayBucketMs),
                           QByteArray::number(m_options.readWaitMs),
                           QByteArray::number(m_options.liveTtlMs),
                           m_registryMember,
                           QByteArray::number(request.maxWaitMs < 0 ? -1 : request.maxWaitMs)};
    const qsizetype sent = m_pending.size();
    for (const PendingRelease &pending : std::as_const(m_pending))
        args << QByteArray::number(int(pending.family)) + ':' + pending.member;

    ++m_roundTrips;
    auto reply = m_acquire->run(*m_redis, keys, args);
    if (!reply || !reply->isArray() || reply->elements().size() < 5) {
        // Unknown outcome counts as not granted: an orphan grant only over-counts.
        enterFallback(reply ? makeError(ErrorKind::Protocol, QStringLiteral("acquire.lua answered %1")
                                                                 .arg(reply->describe()))
                            : reply.error(),
                      now);
        return acquireFallback(request, now);
    }
    m_pending.remove(0, sent);
    return decide(family, *reply, request, seq);
}

ZohoBudget::Decision RedisZohoBudget::decide(ZohoApiFamily family, const RedisReply &reply,
                                             const ZohoBudgetRequest &request, quint64 seq)
{
    const QList<RedisReply> &items = reply.elements();
    m_live = int(intAt(items, 3));
    const qint64 redisNow = intAt(items, 4);
    if (intAt(items, 0) == 1) {
        m_daySpent[size_t(family)] = intAt(items, 7);
        m_windowSeen[size_t(family)] = {int(intAt(items, 5)), nowMs()};
        ZohoLease lease;
        lease.id = seq;
        lease.family = family;
        lease.purpose = request.purpose;
        lease.expiresAtMs = redisNow + std::max<qint64>(1, request.leaseMs);
        return Granted{lease};
    }
    const qint64 waitMs = std::max<qint64>(1, intAt(items, 2));
    const QByteArray text = items.size() > 5 ? items[5].bytes() : QByteArray();
    const FamilyLimits &limits = m_limits.of(family);
    switch (int(intAt(items, 1))) {
    case DenyWindow:
        m_windowSeen[size_t(family)] = {std::max(m_windowSeen[size_t(family)].used, limits.perWindow), nowMs()};
        return Wait{waitMs, ZohoBudgetWaitReason::Window};
    case DenyConcurrency:
        return Wait{waitMs, ZohoBudgetWaitReason::Concurrency};
    case DenyReadFirst:
        return Wait{waitMs, ZohoBudgetWaitReason::ReadFirst};
    case DenyPaused:
        return Wait{waitMs, ZohoBudgetWaitReason::Paused};
    case DenyDaily: {
        m_daySpent[size_t(family)] = text.toLongLong();
        const qint64 until = redisNow + waitMs;
        const bool rolling = limits.dayKind == ZohoDayKind::Rolling24h;
        QString message = QStringLiteral("%1 daily limit spent: %2 of %3 %4 %5 (all instances)")
                              .arg(zohoApiFamilyTitle(family))
                              .arg(text.toLongLong())
                              .arg(limits.perDay)
                              .arg(rolling ? QStringLiteral("credits") : QStringLiteral("calls"))
                              .arg(rolling ? QStringLiteral("in the last 24 hours") : QStringLiteral("today"));
        if (request.purpose == ZohoCallPurpose::Sync)
            message += QStringLiteral(" (syncs stop at %1 %, the rest is kept for reads)").arg(limits.syncDailyStopPct);
        message += QStringLiteral("; until %1").arg(utc(until));
        Error error = makeError(ErrorKind::RateLimited, message);
        error.code = QStringLiteral("daily_budget");
        return Stopped{error, until};
    }
    case DenyHalted:
    default: {
        // "until|code|by|reason"
        const QList<QByteArray> parts = text.split('|');
        const qint64 until = redisNow + waitMs;
        const QString reason = parts.size() > 3 ? QString::fromUtf8(parts.mid(3).join('|'))
                                                : QStringLiteral("%1 is halted").arg(zohoApiFamilyTitle(family));
        Error error = makeError(ErrorKind::RateLimited,
                                QStringLiteral("%1; no %2 calls until %3 (noted by %4)")
                                    .arg(reason, zohoApiFamilyTitle(family), utc(until),
                                         parts.size() > 2 ? QString::fromUtf8(parts[2]) : QStringLiteral("?")));
        error.code = parts.size() > 1 ? QString::fromUtf8(parts[1]) : QStringLiteral("halted");
        return Stopped{error, until};
    }
    }
}

ZohoBudget::Decision RedisZohoBudget::acquireFallback(const ZohoBudgetRequest &request, qint64 now)
{
    Decision decision = m_fallback->acquire(request);
    auto *granted = std::get_if<Granted>(&decision);
    if (!granted)
        return decision;
    const quint64 seq = ++m_seq;
    FallbackLease lease{granted->lease, member(seq), false};
    auto &calls = m_fallbackCalls[size_t(request.family)];
    // Kept for the replay as long as they count anywhere (a day at most).
    const qint64 keepMs = kDayMs + m_limits.of(request.family).dayBucketMs;
    calls.erase(calls.begin(), std::find_if(calls.begin(), calls.end(),
                                            [&](const FallbackCall &c) { return c.atMs + keepMs > now; }));
    calls.push_back({now, lease.member, std::max(1, request.credits)});
    for (auto it = m_fallbackLeases.begin(); it != m_fallbackLeases.end();) {
        if (it->second.inner.expiresAtMs <= now)
            it = m_fallbackLeases.erase(it);
        else
            ++it;
    }
    m_fallbackLeases.emplace(seq | kFallbackBit, lease);
    m_fallbackGateUntilMs = std::max(m_fallbackGateUntilMs, now + m_limits.of(request.family).effectiveWindowMs());
    granted->lease.id = seq | kFallbackBit;
    return decision;
}

void RedisZohoBudget::enterFallback(const Error &why, qint64 now) const
{
    m_lastProbeMs = now;
    if (m_mode == ZohoBudgetMode::Fallback)
        return;
    const int n = m_live > 0 ? m_live : m_options.fallbackInstances;
    qCWarning(lcRedis).noquote() << "Zoho budget: Redis unreachable (" << why.message
                                 << "); using this instance's share of the limits, 1 of" << n;
    // Still gating after an earlier fallback: its calls keep counting.
    if (m_fallback)
        m_fallback->setLimits(shareOf(m_limits, n, m_daySpent));
    else {
        m_fallback = std::make_unique<LocalZohoBudget>(shareOf(m_limits, n, m_daySpent), m_clock);
        // The calls every instance made in the shared window still count at Zoho: this
        // instance starts its share with its part of them (ceil(used / n)), so that the
        // shares together stay within the limit through the switch, not only a window later.
        for (int i = 0; i < kZohoApiFamilyCount; ++i) {
            const WindowSeen &seen = m_windowSeen[size_t(i)];
            if (seen.used > 0 && seen.atMs + m_limits.of(ZohoApiFamily(i)).effectiveWindowMs() > now)
                m_fallback->charge(ZohoApiFamily(i), (seen.used + n - 1) / n, seen.atMs);
        }
    }
    m_mode = ZohoBudgetMode::Fallback;
}

bool RedisZohoBudget::tryReturn(qint64 now)
{
    for (int i = 0; i < kZohoApiFamilyCount; ++i) {
        const auto family = ZohoApiFamily(i);
        const FamilyLimits &limits = m_limits.of(family);
        const auto &calls = m_fallbackCalls[size_t(i)];
        QList<QByteArray> args{nowArg(),
                               QByteArray::number(limits.effectiveWindowMs()),
                               dayKindArg(limits),
                               QByteArray::number(limits.dayBucketMs),
                               QByteArray::number(limits.perDay),
                               QByteArray::number(calls.size())};
        for (const FallbackCall &call : calls)
            args << QByteArray::number(call.atMs) << call.member << QByteArray::number(call.credits);
        for (const auto &[id, lease] : m_fallbackLeases) {
            if (lease.inner.family == family && !lease.inRedis && lease.inner.expiresAtMs > now)
                args << QByteArray::number(lease.inner.expiresAtMs) << lease.member;
        }
        if (calls.empty() && args.size() == 6)
            continue;
        ++m_roundTrips;
        auto reply = m_replay->run(*m_redis, {key(family, "rate"), key(family, "leases"), key(family, "day")}, args);
        if (!reply) {
            qCDebug(lcRedis).noquote() << "Zoho budget: Redis still unreachable:" << reply.error().message;
            return false;
        }
        // Each family replayed once: a later failure must not add these again (ZADD NX
        // would keep the log right, but the day would count twice).
        m_fallbackCalls[size_t(i)].clear();
        for (auto &[id, lease] : m_fallbackLeases) {
            if (lease.inner.family == family && !lease.inRedis) {
                lease.inRedis = true;
                m_fallback->release(lease.inner, ZohoLeaseRelease::Now);  // Redis counts it now
            }
        }
    }
    qCInfo(lcRedis) << "Zoho budget: Redis is back; shared limits again";
    m_mode = ZohoBudgetMode::Shared;
    return true;
}

void RedisZohoBudget::release(const ZohoLease &lease, ZohoLeaseRelease mode)
{
    std::unique_lock lock(m_mutex);
    if (lease.id & kFallbackBit) {
        const auto it = m_fallbackLeases.find(lease.id);
        if (it == m_fallbackLeases.end())
            return;
        if (!it->second.inRedis) {
            if (m_fallback)
                m_fallback->release(it->second.inner, mode);
            if (mode == ZohoLeaseRelease::Now)
                m_fallbackLeases.erase(it);
            return;
        }
        if (mode == ZohoLeaseRelease::KeepUntilExpiry)
            return;
        if (m_pending.isEmpty())
            m_pendingSinceSteadyMs = steadyMs();
        m_pending.append({lease.family, it->second.member, it->second.inner.expiresAtMs});
        m_fallbackLeases.erase(it);
    } else {
        if (mode == ZohoLeaseRelease::KeepUntilExpiry)
            return;  // the slot comes back when the lease expires
        if (m_pending.isEmpty())
            m_pendingSinceSteadyMs = steadyMs();
        m_pending.append({lease.family, member(lease.id), lease.expiresAtMs});
    }
    lock.unlock();
    m_wake.notify_all();
}

void RedisZohoBudget::dropStalePending(qint64 now) const
{
    // A lease past its expiry is gone from Redis already.
    m_pending.removeIf([now](const PendingRelease &p) { return p.expiresAtMs <= now; });
}

void RedisZohoBudget::flushReleasesLocked() const
{
    dropStalePending(nowMs());
    if (m_pending.isEmpty())
        return;
    QList<QList<QByteArray>> commands;
    for (int i = 0; i < kZohoApiFamilyCount; ++i) {
        QList<QByteArray> zrem{QByteArrayLiteral("ZREM"), key(ZohoApiFamily(i), "leases")};
        for (const PendingRelease &p : std::as_const(m_pending)) {
            if (int(p.family) == i)
                zrem << p.member;
        }
        if (zrem.size() > 2)
            commands << zrem;
    }
    ++m_roundTrips;
    auto replies = m_redis->pipeline(commands);
    if (!replies) {
        enterFallback(replies.error(), nowMs());
        return;  // kept; sent with the next acquire that reaches Redis
    }
    m_pending.clear();
}

void RedisZohoBudget::flusherLoop()
{
    std::unique_lock lock(m_mutex);
    while (!m_stop) {
        if (m_pending.isEmpty() || m_mode != ZohoBudgetMode::Shared) {
            m_wake.wait(lock);
            continue;
        }
        const qint64 due = m_pendingSinceSteadyMs + kReleaseFlushMs;
        const qint64 left = due - steadyMs();
        if (left > 0) {
            m_wake.wait_for(lock, std::chrono::milliseconds(left));
            continue;
        }
        flushReleasesLocked();
        if (!m_pending.isEmpty())
            m_wake.wait_for(lock, std::chrono::milliseconds(m_options.probeIntervalMs));
    }
}

void RedisZohoBudget::reportRejection(ZohoApiFamily family, const Error &error, const Headers &headers)
{
    const std::lock_guard lock(m_mutex);
    const qint64 now = nowMs();
    if (m_mode == ZohoBudgetMode::Shared) {
        const FamilyLimits &limits = m_limits.of(family);
        const bool crm = family == ZohoApiFamily::Crm;
        const QString reason = crm ? QStringLiteral("Zoho CRM API credits for the last 24 hours are spent")
                                   : QStringLiteral("%1 answered 45: the organisation's daily API limit is reached")
                                         .arg(zohoApiFamilyTitle(family));
        const QList<QByteArray> args{nowArg(),
                                     crm ? QByteArrayLiteral("crm") : QByteArrayLiteral("books"),
                                     error.code.toUtf8(),
                                     header(headers, "X-Rate-Limit-Remaining") == "0" ? "1" : "0",
                                     header(headers, "X-API-CREDITS-REMAINING") == "0" ? "1" : "0",
                                     QByteArray::number(limits.perWindow),
                                     QByteArray::number(limits.effectiveWindowMs()),
                                     QByteArray::number(limits.perDay),
                                     dayKindArg(limits),
                                     QByteArray::number(limits.dayBucketMs),
                                     m_instanceId.toUtf8(),
                                     reason.toUtf8()};
        ++m_roundTrips;
        auto reply = m_reject->run(
            *m_redis, {key(family, "rate"), key(family, "day"), key(family, "halt"), key(family, "pause")}, args);
        if (reply)
            return;
        enterFallback(reply.error(), now);
    }
    m_fallback->reportRejection(family, error, headers);
}

void RedisZohoBudget::setLimits(const ZohoLimits &limits)
{
    const std::lock_guard lock(m_mutex);
    m_limits = limits;
    if (m_fallback)
        m_fallback->setLimits(shareOf(m_limits, m_live > 0 ? m_live : m_options.fallbackInstances, m_daySpent));
}

ZohoLimits RedisZohoBudget::limits() const
{
    const std::lock_guard lock(m_mutex);
    return m_limits;
}

ZohoBudgetMode RedisZohoBudget::mode() const
{
    return m_mode;
}

int RedisZohoBudget::liveInstances() const
{
    const std::lock_guard lock(m_mutex);
    return m_live;
}

QString RedisZohoBudget::instanceId() const
{
    return m_instanceId;  // set once in the constructor
}

quint64 RedisZohoBudget::redisRoundTrips() const
{
    const std::lock_guard lock(m_mutex);
    return m_roundTrips;
}

int RedisZohoBudget::pendingReleases() const
{
    const std::lock_guard lock(m_mutex);
    return int(m_pending.size());
}

ZohoBudgetSnapshot RedisZohoBudget::snapshot() const
{
    const std::lock_guard lock(m_mutex);
    if (m_mode == ZohoBudgetMode::Shared) {
        ++m_roundTrips;
        auto reply = m_snapshot->run(*m_redis, ZohoBudgetStore::totalsKeys(m_booksScope, m_crmScope),
                                     ZohoBudgetStore::totalsArgs(m_limits, nowArg(), m_options.liveTtlMs));
        if (reply) {
            if (auto totals = ZohoBudgetStore::parseTotals(*reply, m_limits))
                return *totals;
        }
        enterFallback(reply ? makeError(ErrorKind::Protocol, QStringLiteral("snapshot.lua answered %1")
                                                                 .arg(reply->describe()))
                            : reply.error(),
                      nowMs());
    }
    ZohoBudgetSnapshot out = m_fallback->snapshot();
    out.mode = ZohoBudgetMode::Fallback;
    return out;
}

}  // namespace tiersync
