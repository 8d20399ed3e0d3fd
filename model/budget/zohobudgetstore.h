#pragma once

#include "budget/zohobudgetusage.h"
#include "core/result.h"
#include "core/zohosettings.h"
#include "zoho/zohobudget.h"

#include <QByteArray>
#include <QList>

#include <optional>

namespace tiersync {

class RedisConnection;
class RedisReply;

// Reads the organisation's Zoho budget from Redis without being part of it (the console
// has no Zoho client): one run of snapshot.lua, read-only, gives the totals per family,
// each instance's calls and leases, the live instances and the shared token's clear
// header (the sealed token never leaves Redis). RedisZohoBudget::snapshot() runs the
// same script through the helpers below, so the keys and the reply are defined once.
class ZohoBudgetStore final {
public:
    // RedisZohoBudget::Options::liveTtlMs's default: an instance is live this long after
    // its last acquire.
    static constexpr qint64 kLiveTtlMs = 60000;

    ZohoBudgetStore(RedisConnection &redis, const ZohoSettings &zoho);

    // limits say each family's window and daily kind (the keys hold counts, not limits);
    // nowMs 0: Redis TIME, as the budgets use it unless a test pins them.
    [[nodiscard]] Result<ZohoBudgetUsage> read(const ZohoLimits &limits, qint64 nowMs,
                                               qint64 liveTtlMs = kLiveTtlMs) const;

    // snapshot.lua's keys for the scopes (RedisZohoBudget::keyPrefix) and its arguments
    // (nowArg empty: Redis TIME).
    [[nodiscard]] static QList<QByteArray> totalsKeys(const QByteArray &booksScope, const QByteArray &crmScope);
    [[nodiscard]] static QList<QByteArray> totalsArgs(const ZohoLimits &limits, const QByteArray &nowArg,
                                                      qint64 liveTtlMs);
    // The totals in a reply of snapshot.lua (mode Shared); nullopt if it is not one.
    [[nodiscard]] static std::optional<ZohoBudgetSnapshot> parseTotals(const RedisReply &reply,
                                                                       const ZohoLimits &limits);
    // snapshot.lua's source (compiled in).
    [[nodiscard]] static QByteArray script();

private:
    RedisConnection &m_redis;
    ZohoSettings m_zoho;
};

}  // namespace tiersync
