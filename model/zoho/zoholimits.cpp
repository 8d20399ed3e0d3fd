#include "zoho/zoholimits.h"

#include <algorithm>

namespace tiersync {

namespace {

qint64 ceilPct(qint64 value, int pct)
{
    return (value * std::clamp(pct, 0, 100) + 99) / 100;
}

}  // namespace

int FamilyLimits::syncWindowCap() const
{
    return std::max(0, perWindow - int(ceilPct(perWindow, readReservePct)));
}

int FamilyLimits::syncConcurrencyCap() const
{
    return std::max(1, concurrency - int(ceilPct(concurrency, readReservePct)));
}

qint64 FamilyLimits::syncDailyCap() const
{
    if (perDay <= 0)
        return 0;
    return std::max<qint64>(1, perDay * std::clamp(syncDailyStopPct, 0, 100) / 100);
}

Status FamilyLimits::validate() const
{
    const auto bad = [](const QString &what) { return makeError(ErrorKind::InvalidArgument, what); };
    if (perWindow < 1)
        return bad(QStringLiteral("per_window must be at least 1 (is %1)").arg(perWindow));
    if (windowMs < 1000)
        return bad(QStringLiteral("window_ms must be at least 1000 (is %1)").arg(windowMs));
    if (windowSlackMs < 0)
        return bad(QStringLiteral("window slack must not be negative (is %1 ms)").arg(windowSlackMs));
    if (perDay < 0)
        return bad(QStringLiteral("per_day must not be negative (is %1; 0 means no daily budget)").arg(perDay));
    if (dayKind == ZohoDayKind::Rolling24h && (dayBucketMs < 1000 || 86400000 % dayBucketMs != 0))
        return bad(QStringLiteral("day bucket of %1 ms does not divide 24 hours").arg(dayBucketMs));
    if (concurrency < 1)
        return bad(QStringLiteral("concurrency must be at least 1 (is %1)").arg(concurrency));
    // At most 90 %: a sync always keeps some of the minute (tiersync.zoho_limits checks the same).
    if (readReservePct < 0 || readReservePct > 90)
        return bad(QStringLiteral("read_reserve_pct must be 0-90 (is %1)").arg(readReservePct));
    if (syncDailyStopPct < 0 || syncDailyStopPct > 100)
        return bad(QStringLiteral("sync daily stop must be 0-100 percent (is %1)").arg(syncDailyStopPct));
    return {};
}

const FamilyLimits &ZohoLimits::of(ZohoApiFamily family) const
{
    switch (family) {
    case ZohoApiFamily::Inventory:
        return inventory;
    case ZohoApiFamily::Crm:
        return crm;
    case ZohoApiFamily::Books:
        break;
    }
    return books;
}

FamilyLimits &ZohoLimits::of(ZohoApiFamily family)
{
    return const_cast<FamilyLimits &>(std::as_const(*this).of(family));
}

Status ZohoLimits::validate() const
{
    for (const ZohoApiFamily family : {ZohoApiFamily::Books, ZohoApiFamily::Inventory, ZohoApiFamily::Crm}) {
        if (Status status = of(family).validate(); !status)
            return makeError(ErrorKind::InvalidArgument,
                             zohoApiFamilyName(family) + QStringLiteral(": ") + status.error().message);
    }
    return {};
}

FamilyLimits ZohoLimits::crmDefaults()
{
    FamilyLimits crm;
    crm.perWindow = 1000;  // Zoho has no CRM per-minute cap: concurrency and credits pace it
    crm.perDay = 5000;
    crm.dayKind = ZohoDayKind::Rolling24h;
    return crm;
}

ZohoLimits ZohoLimits::uniform(const FamilyLimits &limits)
{
    ZohoLimits out;
    out.books = limits;
    out.inventory = limits;
    out.crm = limits;
    return out;
}

namespace {

struct BooksPlan {
    const char *name;
    qint64 perDay;
    int concurrency;
};
constexpr BooksPlan kBooksPlans[] = {{"free", 1000, 5},       {"standard", 2000, 10}, {"professional", 5000, 10},
                                     {"premium", 10000, 10}, {"elite", 10000, 10},   {"ultimate", 10000, 10}};

struct CrmEdition {
    const char *name;
    qint64 perUser;  // credits per licence on top of 50,000; -1: a flat 5,000 (free)
    qint64 cap;      // 0: none
    int concurrency;
};
constexpr CrmEdition kCrmEditions[] = {{"free", -1, 0, 5},
                                       {"standard", 250, 100000, 10},
                                       {"professional", 500, 0, 15},
                                       {"enterprise", 1000, 0, 20},
                                       {"ultimate", 2000, 0, 25}};

}  // namespace

QStringList ZohoLimits::booksPlans()
{
    QStringList names;
    for (const BooksPlan &plan : kBooksPlans)
        names.append(QLatin1String(plan.name));
    return names;
}

QStringList ZohoLimits::crmEditions()
{
    QStringList names;
    for (const CrmEdition &edition : kCrmEditions)
        names.append(QLatin1String(edition.name));
    return names;
}

Result<FamilyLimits> ZohoLimits::forBooksPlan(const QString &plan)
{
    const QString key = plan.trimmed().toLower();
    for (const BooksPlan &known : kBooksPlans) {
        if (key == QLatin1String(known.name)) {
            FamilyLimits limits;
            limits.perDay = known.perDay;
            limits.concurrency = known.concurrency;
            return limits;
        }
    }
    return makeError(ErrorKind::InvalidArgument,
                     QStringLiteral("unknown Zoho Books plan '%1' (free, standard, professional, premium, "
                                    "elite, ultimate)")
                         .arg(plan));
}

Result<FamilyLimits> ZohoLimits::forCrmEdition(const QString &edition, int users)
{
    if (users < 0)
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("CRM licences cannot be negative (got %1)").arg(users));
    const QString key = edition.trimmed().toLower();
    for (const CrmEdition &known : kCrmEditions) {
        if (key != QLatin1String(known.name))
            continue;
        // Free's credits do not grow with licences (the seeded row has none); a paid
        // edition is counted per licence and has at least one.
        if (known.perUser >= 0 && users < 1)
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("the %1 edition needs at least 1 licence (--users)").arg(known.name));
        FamilyLimits limits = crmDefaults();
        limits.concurrency = known.concurrency;
        if (known.perUser < 0) {
            limits.perDay = 5000;
        } else {
            limits.perDay = 50000 + known.perUser * users;
            if (known.cap > 0)
                limits.perDay = std::min(limits.perDay, known.cap);
        }
        return limits;
    }
    return makeError(ErrorKind::InvalidArgument,
                     QStringLiteral("unknown Zoho CRM edition '%1' (free, standard, professional, enterprise, "
                                    "ultimate)")
                         .arg(edition));
}

}  // namespace tiersync
