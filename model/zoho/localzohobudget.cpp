#include "zoho/localzohobudget.h"

#include <QDateTime>
#include <QMutexLocker>

#include <algorithm>

namespace tiersync {

namespace {

constexpr qint64 kDayMs = 86400000;

qint64 floorDiv(qint64 value, qint64 divisor)
{
    const qint64 q = value / divisor;
    return (value % divisor != 0 && value < 0) ? q - 1 : q;
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

bool isInteractive(ZohoCallPurpose purpose)
{
    return purpose != ZohoCallPurpose::Sync;
}

}  // namespace

LocalZohoBudget::LocalZohoBudget(ZohoLimits limits, EpochClock clock)
    : m_clock(orSystemEpochClock(std::move(clock)))
    , m_limits(std::move(limits))
{
}

LocalZohoBudget::~LocalZohoBudget() = default;

void LocalZohoBudget::charge(ZohoApiFamily family, int calls, qint64 atMs)
{
    const QMutexLocker locker(&m_mutex);
    std::deque<qint64> &log = m_families[size_t(family)].log;
    log.insert(std::upper_bound(log.begin(), log.end(), atMs), size_t(std::max(0, calls)), atMs);
}

void LocalZohoBudget::sweep(ZohoApiFamily family, qint64 now) const
{
    Family &f = m_families[size_t(family)];
    const FamilyLimits &limits = m_limits.of(family);
    const qint64 window = limits.effectiveWindowMs();
    // A grant at t counts while now < t + window.
    while (!f.log.empty() && f.log.front() + window <= now)
        f.log.pop_front();
    for (auto it = f.leases.begin(); it != f.leases.end();) {
        if (it->second <= now)
            it = f.leases.erase(it);
        else
            ++it;
    }
    if (limits.dayKind == ZohoDayKind::CalendarUtc) {
        const qint64 day = floorDiv(now, kDayMs);
        if (day > f.dayIndex) {
            f.dayIndex = day;
            f.dayCount = 0;
        }
    } else {
        // A bucket leaves once its last millisecond is 24 h old.
        const qint64 bucketMs = limits.dayBucketMs;
        while (!f.buckets.empty() && (f.buckets.begin()->first + 1) * bucketMs + kDayMs <= now) {
            f.bucketSum -= f.buckets.begin()->second;
            f.buckets.erase(f.buckets.begin());
        }
    }
}

qint64 LocalZohoBudget::dayUsed(ZohoApiFamily family) const
{
    const Family &f = m_families[size_t(family)];
    return m_limits.of(family).dayKind == ZohoDayKind::CalendarUtc ? f.dayCount : f.bucketSum;
}

qint64 LocalZohoBudget::dayResetMs(ZohoApiFamily family, qint64 now) const
{
    const Family &f = m_families[size_t(family)];
    const FamilyLimits &limits = m_limits.of(family);
    if (limits.dayKind == ZohoDayKind::CalendarUtc)
        return (floorDiv(now, kDayMs) + 1) * kDayMs;
    // Rolling: the oldest bucket is the next to give credits back.
    if (f.buckets.empty())
        return now + limits.dayBucketMs;
    return (f.buckets.begin()->first + 1) * limits.dayBucketMs + kDayMs;
}

ZohoBudget::Decision LocalZohoBudget::acquire(const ZohoBudgetRequest &request)
{
    const QMutexLocker locker(&m_mutex);
    const qint64 now = m_clock();
    const ZohoApiFamily family = request.family;
    const FamilyLimits &limits = m_limits.of(family);
    Family &f = m_families[size_t(family)];
    const bool interactive = isInteractive(request.purpose);
    sweep(family, now);

    if (f.haltedUntilMs > now)
        return Stopped{f.haltError, f.haltedUntilMs};
    if (f.pausedUntilMs > now)
        return Wait{f.pausedUntilMs - now, ZohoBudgetWaitReason::Paused};
    if (f.heldUntilMs > now)
        return Wait{f.heldUntilMs - now, ZohoBudgetWaitReason::Window};

    const qint64 window = limits.effectiveWindowMs();
    const bool readsRecently = f.lastInteractiveMs > 0 && f.lastInteractiveMs + window > now;
    if (interactive) {
        f.lastInteractiveMs = now;
    } else if (f.readWaitUntilMs > now) {
        return Wait{f.readWaitUntilMs - now, ZohoBudgetWaitReason::ReadFirst};
    }

    const int used = int(f.log.size());
    const int cap = (!interactive && readsRecently) ? limits.syncWindowCap() : limits.perWindow;
    if (used >= cap) {
        // Wait until the (used - cap + 1)th oldest grant leaves the window; with no
        // share at all (cap 0), until the reads have been gone for a window.
        const qint64 wait = std::max<qint64>(
            1, cap > 0 ? f.log[size_t(used - cap)] + window - now : f.lastInteractiveMs + window - now);
        // Until the read is back for the slot (and a little longer), it is the read's.
        if (interactive && (request.maxWaitMs < 0 || wait <= request.maxWaitMs))
            f.readWaitUntilMs = std::max(f.readWaitUntilMs, now + wait + kReadWaitMs);
        return Wait{wait, ZohoBudgetWaitReason::Window};
    }

    const int concurrencyCap = interactive ? limits.concurrency : limits.syncConcurrencyCap();
    if (int(f.leases.size()) >= concurrencyCap) {
        qint64 firstExpiry = now + kConcurrencyPollMs;
        for (const auto &lease : f.leases)
            firstExpiry = std::min(firstExpiry, lease.second);
        const qint64 wait = std::max<qint64>(1, firstExpiry - now);
        if (interactive && (request.maxWaitMs < 0 || wait <= request.maxWaitMs))
            f.readWaitUntilMs = std::max(f.readWaitUntilMs, now + wait + kReadWaitMs);
        return Wait{wait, ZohoBudgetWaitReason::Concurrency};
    }

    const qint64 credits = std::max(1, request.credits);
    if (limits.perDay > 0) {
        const qint64 spent = dayUsed(family);
        const qint64 dayCap = interactive ? limits.perDay : limits.syncDailyCap();
        if (spent + credits > dayCap) {
            const qint64 until = dayResetMs(family, now);
            const bool rolling = limits.dayKind == ZohoDayKind::Rolling24h;
            QString message = QStringLiteral("%1 daily limit spent: %2 of %3 %4 %5")
                                  .arg(zohoApiFamilyTitle(family))
                                  .arg(spent)
                                  .arg(limits.perDay)
                                  .arg(rolling ? QStringLiteral("credits") : QStringLiteral("calls"))
                                  .arg(rolling ? QStringLiteral("in the last 24 hours") : QStringLiteral("today"));
            if (!interactive)
                message += QStringLiteral(" (syncs stop at %1 %, the rest is kept for reads)").arg(limits.syncDailyStopPct);
            message += QStringLiteral("; until %1").arg(utc(until));
            Error error = makeError(ErrorKind::RateLimited, message);
            error.code = QStringLiteral("daily_budget");
            return Stopped{error, until};
        }
        if (limits.dayKind == ZohoDayKind::CalendarUtc) {
            f.dayCount += credits;
        } else {
            f.buckets[floorDiv(now, limits.dayBucketMs)] += credits;
            f.bucketSum += credits;
        }
    }

    // Never stamp before the newest grant: the log stays sorted if the clock steps back,
    // and a grant then leaves later, never earlier.
    f.log.push_back(f.log.empty() ? now : std::max(now, f.log.back()));
    if (interactive)
        f.readWaitUntilMs = 0;
    ZohoLease lease;
    lease.id = ++m_nextLease;
    lease.family = family;
    lease.purpose = request.purpose;
    lease.expiresAtMs = now + std::max<qint64>(1, request.leaseMs);
    f.leases.emplace(lease.id, lease.expiresAtMs);
    return Granted{lease};
}

void LocalZohoBudget::release(const ZohoLease &lease, ZohoLeaseRelease mode)
{
    if (mode == ZohoLeaseRelease::KeepUntilExpiry)
        return;  // the slot comes back when the lease expires
    const QMutexLocker locker(&m_mutex);
    m_families[size_t(lease.family)].leases.erase(lease.id);
}

void LocalZohoBudget::halt(ZohoApiFamily family, qint64 untilMs, Error error)
{
    Family &f = m_families[size_t(family)];
    if (untilMs <= f.haltedUntilMs)
        return;
    f.haltedUntilMs = untilMs;
    error.message += QStringLiteral("; no %1 calls until %2").arg(zohoApiFamilyTitle(family), utc(untilMs));
    f.haltError = std::move(error);
}

void LocalZohoBudget::reportRejection(ZohoApiFamily family, const Error &error, const Headers &headers)
{
    const QMutexLocker locker(&m_mutex);
    const qint64 now = m_clock();
    sweep(family, now);
    Family &f = m_families[size_t(family)];
    const FamilyLimits &limits = m_limits.of(family);
    const QString &code = error.code;

    if (family == ZohoApiFamily::Crm) {
        const bool creditsGone = header(headers, "X-API-CREDITS-REMAINING") == "0"
                                 || (code == QLatin1String("TOO_MANY_REQUESTS") && limits.perDay > 0
                                     && dayUsed(family) * 100 >= limits.perDay * 95);
        if (creditsGone) {
            Error stop = makeError(ErrorKind::RateLimited,
                                   QStringLiteral("Zoho CRM API credits for the last 24 hours are spent"));
            stop.code = QStringLiteral("daily_budget");
            halt(family, dayResetMs(family, now), stop);
        } else {
            f.pausedUntilMs = std::max(f.pausedUntilMs, now + kPauseMs);
        }
        return;
    }

    if (code == QLatin1String("45")) {
        Error stop = makeError(ErrorKind::RateLimited,
                               QStringLiteral("%1 answered 45: the organisation's daily API limit is reached")
                                   .arg(zohoApiFamilyTitle(family)));
        stop.code = QStringLiteral("45");
        halt(family, (floorDiv(now, kDayMs) + 1) * kDayMs, stop);
    } else if (code == QLatin1String("44") || header(headers, "X-Rate-Limit-Remaining") == "0") {
        // Zoho counted more than we did (another integration, or a window of its own that
        // we cannot see): nothing goes out until a whole window has passed.
        f.heldUntilMs = std::max(f.heldUntilMs, now + limits.effectiveWindowMs());
    } else {
        f.pausedUntilMs = std::max(f.pausedUntilMs, now + kPauseMs);  // 1070: too many at once
    }
}

void LocalZohoBudget::setLimits(const ZohoLimits &limits)
{
    const QMutexLocker locker(&m_mutex);
    m_limits = limits;
}

ZohoLimits LocalZohoBudget::limits() const
{
    const QMutexLocker locker(&m_mutex);
    return m_limits;
}

ZohoBudgetSnapshot LocalZohoBudget::snapshot() const
{
    const QMutexLocker locker(&m_mutex);
    ZohoBudgetSnapshot out;
    out.mode = ZohoBudgetMode::Local;
    out.atMs = m_clock();
    for (int i = 0; i < kZohoApiFamilyCount; ++i) {
        const auto family = ZohoApiFamily(i);
        sweep(family, out.atMs);
        const Family &f = m_families[size_t(i)];
        const FamilyLimits &limits = m_limits.of(family);
        ZohoBudgetFamilySnapshot &s = out.families[size_t(i)];
        s.windowUsed = f.heldUntilMs > out.atMs ? std::max(int(f.log.size()), limits.perWindow) : int(f.log.size());
        s.windowLimit = limits.perWindow;
        s.inFlight = int(f.leases.size());
        s.concurrency = limits.concurrency;
        s.dayUsed = dayUsed(family);
        s.dayLimit = limits.perDay;
        s.haltedUntilMs = f.haltedUntilMs > out.atMs ? f.haltedUntilMs : 0;
        s.pausedUntilMs = f.pausedUntilMs > out.atMs ? f.pausedUntilMs : 0;
        if (s.haltedUntilMs)
            s.haltReason = f.haltError.message;
    }
    return out;
}

}  // namespace tiersync
