#include "simlimits.h"

#include "simtenants.h"

#include <algorithm>
#include <deque>
#include <map>

namespace tiersync::sim {
namespace {

constexpr qint64 minuteMs = 60'000;
constexpr qint64 dayMs = 86'400'000;
constexpr qint64 creditWindowMs = dayMs;  // CRM credits: a rolling 24 h

qint64 floorDiv(qint64 value, qint64 divisor)
{
    const qint64 quotient = value / divisor;
    return (value % divisor != 0 && value < 0) ? quotient - 1 : quotient;
}

const char *rejectionCode(SimLimits::Family family, SimLimits::Verdict verdict)
{
    if (family == SimLimits::Family::Crm)
        return "TOO_MANY_REQUESTS";
    switch (verdict) {
    case SimLimits::Verdict::PerMinute: return "44";
    case SimLimits::Verdict::PerDay: return "45";
    case SimLimits::Verdict::Concurrency: return "1070";
    case SimLimits::Verdict::Credits: return "TOO_MANY_REQUESTS";
    case SimLimits::Verdict::Admitted: break;
    }
    return "";
}

}  // namespace

// One tenant's use of one family. Windows hold only admitted requests.
struct SimLimits::Usage {
    struct Bucket {
        qint64 second = 0;  // credits are coalesced per second: at most 86,400 buckets a day
        qint64 lastMs = 0;  // a bucket leaves the 24 h window with its newest request
        qint64 credits = 0;
    };

    std::deque<std::pair<qint64, int>> window;  // (arrival ms, requests) within the last 60 s
    int windowCount = 0;
    qint64 calendarMinute = 0;
    int calendarCount = 0;
    qint64 day = 0;
    qint64 dayCount = 0;
    std::deque<Bucket> credits;
    qint64 creditSum = 0;
    int inFlight = 0;

    quint64 total = 0;
    int peakRolling = 0;
    int peakCalendar = 0;
    int peakConcurrency = 0;
    std::map<std::string, quint64> rejections;

    // Drops what left the windows by nowMs and starts a new day when the UTC day turned.
    void trim(qint64 nowMs)
    {
        while (!window.empty() && window.front().first <= nowMs - minuteMs) {
            windowCount -= window.front().second;
            window.pop_front();
        }
        while (!credits.empty() && credits.front().lastMs <= nowMs - creditWindowMs) {
            creditSum -= credits.front().credits;
            credits.pop_front();
        }
        if (const qint64 today = floorDiv(nowMs, dayMs); today != day) {
            day = today;
            dayCount = 0;
        }
    }

    void count(qint64 nowMs, qint64 spentCredits)
    {
        if (!window.empty() && window.back().first == nowMs)
            ++window.back().second;
        else
            window.emplace_back(nowMs, 1);
        peakRolling = std::max(peakRolling, ++windowCount);
        if (const qint64 minute = floorDiv(nowMs, minuteMs); minute != calendarMinute || total == 0) {
            calendarMinute = minute;
            calendarCount = 0;
        }
        peakCalendar = std::max(peakCalendar, ++calendarCount);
        ++dayCount;
        if (spentCredits > 0) {
            const qint64 second = floorDiv(nowMs, 1000);
            if (!credits.empty() && credits.back().second == second) {
                credits.back().lastMs = std::max(credits.back().lastMs, nowMs);
                credits.back().credits += spentCredits;
            } else {
                credits.push_back(Bucket{second, nowMs, spentCredits});
            }
            creditSum += spentCredits;
        }
        ++total;
    }

    // Current values without trimming (stats are read under a const lock).
    [[nodiscard]] int windowCountAt(qint64 nowMs) const
    {
        int count = 0;
        for (const auto &[atMs, requests] : window)
            count += atMs > nowMs - minuteMs ? requests : 0;
        return count;
    }
    [[nodiscard]] qint64 creditsAt(qint64 nowMs) const
    {
        qint64 sum = 0;
        for (const Bucket &bucket : credits)
            sum += bucket.lastMs > nowMs - creditWindowMs ? bucket.credits : 0;
        return sum;
    }
};

SimLimits::SimLimits(SimLimitConfig config) : m_config(std::move(config)) {}

SimLimits::~SimLimits() = default;

SimLimitConfig SimLimits::config() const
{
    std::lock_guard lock(m_mutex);
    return m_config;
}

Result<SimLimitConfig> SimLimits::configure(const QJsonObject &changes)
{
    const QJsonValue reset = changes.value(QLatin1String("reset_budgets"));
    if (!reset.isUndefined() && !reset.isBool())
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("reset_budgets: expected true or false"));
    std::lock_guard lock(m_mutex);
    auto next = m_config.merged(changes);
    if (!next)
        return next.error();
    m_config = *next;
    if (reset.toBool(false)) {
        for (auto &families : m_usage) {
            for (auto &usage : families) {
                if (!usage)
                    continue;
                // In-flight requests still release their slot, so that count stays.
                const int inFlight = usage->inFlight;
                Usage fresh;
                fresh.inFlight = inFlight;
                fresh.total = usage->total;
                fresh.peakRolling = usage->peakRolling;
                fresh.peakCalendar = usage->peakCalendar;
                fresh.peakConcurrency = usage->peakConcurrency;
                fresh.rejections = usage->rejections;
                fresh.calendarMinute = usage->calendarMinute;
                fresh.calendarCount = usage->calendarCount;
                *usage = std::move(fresh);
            }
        }
    }
    return m_config;
}

SimLimits::Usage &SimLimits::usage(int tenant, Family family)
{
    const auto index = static_cast<std::size_t>(tenant);
    if (m_usage.size() <= index)
        m_usage.resize(index + 1);
    auto &slot = m_usage[index][static_cast<std::size_t>(family)];
    if (!slot)
        slot = std::make_unique<Usage>();
    return *slot;
}

SimLimits::Admission SimLimits::admit(int tenant, Family family, qint64 nowMs)
{
    std::lock_guard lock(m_mutex);
    Usage &use = usage(tenant, family);
    use.trim(nowMs);
    const bool crm = family == Family::Crm;
    const bool enabled = m_config.enabled;
    Admission admission;
    if (enabled) {
        if (crm) {
            if (use.creditSum + 1 > m_config.crmCreditsPerDay)
                admission.verdict = Verdict::Credits;
            else if (use.inFlight >= m_config.crmConcurrency)
                admission.verdict = Verdict::Concurrency;
        } else {
            if (use.dayCount >= m_config.booksPerDay)
                admission.verdict = Verdict::PerDay;
            else if (use.windowCount >= m_config.booksPerMinute)
                admission.verdict = Verdict::PerMinute;
            else if (use.inFlight >= m_config.booksConcurrency)
                admission.verdict = Verdict::Concurrency;
        }
    }
    if (admission.verdict == Verdict::Admitted) {
        use.count(nowMs, crm ? 1 : 0);
        use.peakConcurrency = std::max(use.peakConcurrency, ++use.inFlight);
    } else {
        ++use.rejections[rejectionCode(family, admission.verdict)];
    }
    if (!enabled)
        return admission;
    if (crm) {
        // Zoho sends the remaining credits once half are spent (and 0 when none are left).
        if (use.creditSum * 2 >= m_config.crmCreditsPerDay || admission.verdict == Verdict::Credits)
            admission.headers.emplace_back(
                "X-API-CREDITS-REMAINING",
                std::to_string(std::max<qint64>(0, m_config.crmCreditsPerDay - use.creditSum)));
    } else {
        const qint64 resetMs = use.window.empty() ? minuteMs : use.window.front().first + minuteMs - nowMs;
        admission.headers.emplace_back("X-Rate-Limit-Limit", std::to_string(m_config.booksPerMinute));
        admission.headers.emplace_back("X-Rate-Limit-Remaining",
                                       std::to_string(std::max(0, m_config.booksPerMinute - use.windowCount)));
        admission.headers.emplace_back("X-Rate-Limit-Reset", std::to_string((resetMs + 999) / 1000));
    }
    return admission;
}

void SimLimits::release(int tenant, Family family)
{
    std::lock_guard lock(m_mutex);
    Usage &use = usage(tenant, family);
    use.inFlight = std::max(0, use.inFlight - 1);
}

void SimLimits::recordToken(int tenant, qint64 nowMs, bool issued)
{
    std::lock_guard lock(m_mutex);
    Usage &use = usage(tenant, Family::OAuth);
    use.trim(nowMs);
    if (issued)
        use.count(nowMs, 0);
    else
        ++use.rejections["Access Denied"];
}

void SimLimits::resetStats()
{
    std::lock_guard lock(m_mutex);
    for (auto &families : m_usage) {
        for (auto &use : families) {
            if (!use)
                continue;
            use->total = 0;
            use->peakRolling = 0;
            use->peakCalendar = 0;
            use->calendarCount = 0;
            use->peakConcurrency = 0;
            use->rejections.clear();
        }
    }
}

QJsonObject SimLimits::statsJson(const SimTenants &tenants, qint64 nowMs) const
{
    const int tenantCount = tenants.size();
    std::lock_guard lock(m_mutex);
    static const Usage none;
    auto used = [this](int tenant, Family family) -> const Usage & {
        const auto index = static_cast<std::size_t>(tenant);
        if (index >= m_usage.size() || !m_usage[index][static_cast<std::size_t>(family)])
            return none;
        return *m_usage[index][static_cast<std::size_t>(family)];
    };
    auto rejections = [](const Usage &use, std::initializer_list<const char *> codes) {
        QJsonObject object;
        for (const char *code : codes) {
            const auto it = use.rejections.find(code);
            object.insert(QLatin1String(code), static_cast<qint64>(it == use.rejections.end() ? 0 : it->second));
        }
        return object;
    };
    auto common = [nowMs](const Usage &use) {
        return QJsonObject{{QStringLiteral("requests"), static_cast<qint64>(use.total)},
                           {QStringLiteral("last_60s"), use.windowCountAt(nowMs)},
                           {QStringLiteral("peak_rolling_60s"), use.peakRolling},
                           {QStringLiteral("peak_calendar_minute"), use.peakCalendar}};
    };

    QJsonObject byTenant;
    for (int tenant = 0; tenant < tenantCount; ++tenant) {
        const SimTenant who = tenants.at(tenant);
        QJsonObject families{{QStringLiteral("client_id"), who.clientId}};
        for (const Family family : {Family::Books, Family::Inventory}) {
            const Usage &use = used(tenant, family);
            QJsonObject object = common(use);
            object.insert(QStringLiteral("in_flight"), use.inFlight);
            object.insert(QStringLiteral("peak_concurrency"), use.peakConcurrency);
            object.insert(QStringLiteral("used_today"), use.day == floorDiv(nowMs, dayMs) ? use.dayCount : 0);
            object.insert(QStringLiteral("rejections"), rejections(use, {"44", "45", "1070"}));
            families.insert(family == Family::Books ? QStringLiteral("books") : QStringLiteral("inventory"), object);
        }
        const Usage &crm = used(tenant, Family::Crm);
        QJsonObject crmObject = common(crm);
        crmObject.insert(QStringLiteral("in_flight"), crm.inFlight);
        crmObject.insert(QStringLiteral("peak_concurrency"), crm.peakConcurrency);
        crmObject.insert(QStringLiteral("credits_24h"), crm.creditsAt(nowMs));
        crmObject.insert(QStringLiteral("rejections"), rejections(crm, {"TOO_MANY_REQUESTS"}));
        families.insert(QStringLiteral("crm"), crmObject);
        const Usage &oauth = used(tenant, Family::OAuth);
        QJsonObject oauthObject = common(oauth);
        oauthObject.remove(QStringLiteral("requests"));
        oauthObject.insert(QStringLiteral("refreshes"), static_cast<qint64>(oauth.total));
        const auto denied = oauth.rejections.find("Access Denied");
        oauthObject.insert(QStringLiteral("throttled"),
                           static_cast<qint64>(denied == oauth.rejections.end() ? 0 : denied->second));
        oauthObject.insert(QStringLiteral("rejections"), rejections(oauth, {"Access Denied"}));
        families.insert(QStringLiteral("oauth"), oauthObject);
        byTenant.insert(who.orgId, families);
    }
    return QJsonObject{{QStringLiteral("enabled"), m_config.enabled},
                       {QStringLiteral("now_ms"), nowMs},
                       {QStringLiteral("tenants"), byTenant}};
}

}  // namespace tiersync::sim
