#pragma once

#include "core/result.h"

#include <QJsonObject>
#include <QString>
#include <QtGlobal>

namespace tiersync::sim {

// The limits zoho-sim enforces per tenant (GET/POST /_sim/limits, --limits, --books-plan,
// --crm-edition, --crm-users). The values are Zoho's (ZOHO-API.md "Limits of an
// organisation"); every tenant gets the same values and its own counters. On by default,
// so every test and benchmark that makes the product exceed a limit shows it.
struct SimLimitConfig final {
    bool enabled = true;
    // Books and Inventory, each per organisation.
    QString booksPlan = QStringLiteral("free");
    int booksPerMinute = 100;  // any rolling 60 s, every plan
    int booksPerDay = 1000;    // UTC calendar day, by plan
    int booksConcurrency = 5;  // free 5, paid 10
    // CRM, per OAuth client.
    QString crmEdition = QStringLiteral("free");
    int crmUsers = 1;
    int crmConcurrency = 5;
    qint64 crmCreditsPerDay = 5000;  // rolling 24 h
    // Access tokens per refresh token per rolling 10 minutes.
    int oauthPer10Min = 10;

    // Books daily calls by plan: free 1,000, standard 2,000, professional 5,000, premium,
    // elite and ultimate 10,000 (ZOHO-API.md gives the 1,000-10,000 range; the steps are
    // Zoho's published plan table as summarised there, an approximation). Concurrency: free
    // 5, every paid plan 10.
    [[nodiscard]] Status applyBooksPlan(const QString &plan);
    // CRM credits per 24 h and concurrency by edition: free 5,000 / 5; standard 50,000 +
    // 250 per user (at most 100,000) / 10; professional 50,000 + 500 per user / 15;
    // enterprise 50,000 + 1,000 per user / 20; ultimate 50,000 + 2,000 per user / 25.
    [[nodiscard]] Status applyCrmEdition(const QString &edition, int users);

    // {"enabled","books":{"plan","per_minute","per_day","concurrency"},
    //  "crm":{"edition","users","concurrency","credits_per_day"},"oauth":{"per_10_min"}}
    [[nodiscard]] QJsonObject toJson() const;
    // This configuration with the keys in `changes` (same shape; omitted keys keep their
    // value) applied. A plan or edition sets its defaults first, then explicit numbers win.
    // Unknown keys and out-of-range values reject the whole change.
    [[nodiscard]] Result<SimLimitConfig> merged(const QJsonObject &changes) const;
};

}  // namespace tiersync::sim
