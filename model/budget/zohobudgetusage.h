#pragma once

#include "zoho/zohobudget.h"

#include <QList>
#include <QString>

#include <array>

namespace tiersync {

// One process's part of the organisation's Zoho budget, as Redis holds it: the calls of
// the current window and the leases it holds, per family (rate and lease members are
// "<instance>:<seq>", RedisZohoBudget::instanceId()).
struct ZohoBudgetInstanceUse final {
    QString instanceId;         // host:pid
    qint64 lastAcquireMs = 0;   // 0: not live any more (its calls are still in the window)
    std::array<int, kZohoApiFamilyCount> windowUsed{};
    std::array<int, kZohoApiFamilyCount> inFlight{};

    [[nodiscard]] int totalWindowUsed() const;
    [[nodiscard]] int totalInFlight() const;
};

// The shared access token as the console may see it: the clear header of its record
// (RedisTokenStore), never the token.
struct ZohoTokenInfo final {
    bool present = false;
    qint64 refreshedAtMs = 0;
    qint64 expiresAtMs = 0;
    QString refreshedBy;  // host:pid of the process that refreshed it
    QString problem;      // the header could not be read (present stays false)
};

// The organisation's Zoho budget read from Redis in one view (ZohoBudgetStore::read):
// the totals per family, who spends them, and the token's age. Instances' parts plus
// otherWindowUsed add up to the totals exactly.
struct ZohoBudgetUsage final {
    ZohoBudgetSnapshot totals;
    int liveInstances = 0;  // processes that acquired within the live TTL, in any scope
    // Window slots no instance took: the padding Zoho's 44 left (the whole window spent).
    std::array<int, kZohoApiFamilyCount> otherWindowUsed{};
    QList<ZohoBudgetInstanceUse> instances;  // live or holding a part, by id
    ZohoTokenInfo token;

    // nullptr if the instance has no part.
    [[nodiscard]] const ZohoBudgetInstanceUse *instance(const QString &instanceId) const;
};

}  // namespace tiersync
