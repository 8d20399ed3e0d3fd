#pragma once

#include "core/result.h"
#include "zoho/zohoapifamily.h"

#include <QString>
#include <QStringList>

namespace tiersync {

// How a daily budget is counted: Books and Inventory per calendar day (UTC, Zoho does not
// say which timezone), CRM credits over a rolling 24 hours.
enum class ZohoDayKind { CalendarUtc, Rolling24h };

// The limits of one Zoho product for one organisation (ZOHO-API.md "Limits of an
// organisation"), shared by every process. A value type.
struct FamilyLimits final {
    int perWindow = 100;             // calls in any windowMs (+ windowSlackMs)
    qint64 windowMs = 60000;
    // Added to the window for differences in arrival at Zoho: 100 per 61 s is 98.4 % of
    // nominal, and never 101 in any 60 s Zoho may count.
    qint64 windowSlackMs = 1000;
    qint64 perDay = 1000;            // calls (CRM: credits) per day; 0: no daily budget
    ZohoDayKind dayKind = ZohoDayKind::CalendarUtc;
    qint64 dayBucketMs = 600000;     // Rolling24h: counted in buckets this long
    int concurrency = 5;
    int readReservePct = 20;         // of perWindow and concurrency, kept for reads
    int syncDailyStopPct = 90;       // syncs stop at this share of perDay; reads go on to 100 %

    [[nodiscard]] qint64 effectiveWindowMs() const { return windowMs + windowSlackMs; }
    // Calls a sync may make per window while reads happened in the last one.
    [[nodiscard]] int syncWindowCap() const;
    // Calls a sync may have in flight: concurrency less the reserve, at least 1.
    [[nodiscard]] int syncConcurrencyCap() const;
    // Daily budget a sync may spend (0: none).
    [[nodiscard]] qint64 syncDailyCap() const;
    // Empty when usable, else what is wrong ("per_window must be at least 1").
    [[nodiscard]] Status validate() const;

    [[nodiscard]] bool operator==(const FamilyLimits &other) const = default;
};

// The limits of every family. ZohoLimits{} holds Zoho's defaults for a free organisation:
// Books and Inventory 100 per minute, 1,000 per day, 5 at once; CRM 5,000 credits per
// rolling 24 h, 5 at once, and 1,000 per minute (Zoho has no CRM per-minute cap; this one
// is above what 5 calls at once can make, so concurrency and credits pace CRM).
struct ZohoLimits final {
    FamilyLimits books;
    FamilyLimits inventory;
    FamilyLimits crm = crmDefaults();

    [[nodiscard]] const FamilyLimits &of(ZohoApiFamily family) const;
    [[nodiscard]] FamilyLimits &of(ZohoApiFamily family);
    [[nodiscard]] Status validate() const;

    [[nodiscard]] bool operator==(const ZohoLimits &other) const = default;

    [[nodiscard]] static FamilyLimits crmDefaults();
    // Every family with the same limits.
    [[nodiscard]] static ZohoLimits uniform(const FamilyLimits &limits);
    // Books or Inventory of a plan: free, standard, professional, premium, elite, ultimate
    // (case-insensitive). Daily calls 1,000 / 2,000 / 5,000 / 10,000 / 10,000 / 10,000;
    // concurrency 5 on free, 10 on paid plans. Unknown plan → InvalidArgument.
    [[nodiscard]] static Result<FamilyLimits> forBooksPlan(const QString &plan);
    // CRM of an edition (free, standard, professional, enterprise, ultimate) with `users`
    // licences: credits per 24 h Free 5,000; Standard 50,000 + 250/user (at most 100,000);
    // Professional 50,000 + 500/user; Enterprise 50,000 + 1,000/user; Ultimate 50,000 +
    // 2,000/user. Concurrency 5 / 10 / 15 / 20 / 25.
    [[nodiscard]] static Result<FamilyLimits> forCrmEdition(const QString &edition, int users);
    // The names forBooksPlan and forCrmEdition know, cheapest first.
    [[nodiscard]] static QStringList booksPlans();
    [[nodiscard]] static QStringList crmEditions();
};

}  // namespace tiersync
