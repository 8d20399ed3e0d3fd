#pragma once

#include "budget/zohobudgetusage.h"
#include "cache/instanceheartbeat.h"
#include "cache/statscounts.h"
#include "cache/zohocallcounts.h"

#include <QList>
#include <QMetaType>
#include <QString>

namespace tiersync {

// One poll of what the Overview page shows, as plain values: the connection state,
// the caching switch, every live engine instance, and the shared per-minute
// statistics of the last hour (every running server's counts). Built by
// OverviewReader (EngineStatisticsService); the page only renders it.
struct OverviewSnapshot final {
    struct Endpoint {
        QString name;
        QList<StatsCounts> perMinute;  // oldest first, one per minute up to firstMinute + minutes - 1
        StatsCounts total;             // the sum of perMinute
    };

    qint64 takenAtMs = 0;    // epoch ms
    qint64 firstMinute = 0;  // epoch minute of perMinute[0]
    int minutes = 0;

    bool redisOk = false;
    qint64 redisLatencyMs = 0;
    QString redisMessage;  // what went wrong, in words; empty when fine
    bool pgOk = false;
    qint64 pgLatencyMs = 0;
    QString pgMessage;

    bool cachingKnown = false;   // settings.caching_enabled could be read
    bool cachingStored = true;   // its value
    QList<InstanceHeartbeat> instances;
    QList<Endpoint> endpoints;   // registry order
    // The organisation's Zoho calls per minute by purpose (tiersync:v1:zoho_calls),
    // oldest first like perMinute: reads, syncs and webhook re-fetches of every instance.
    QList<ZohoCallCounts> zohoCalls;

    // Zoho's per-minute rate-limit budget: the largest an instance reports, else the
    // client's default (requests are limited per organisation, not per instance).
    double zohoBudgetPerMinute = 0.0;

    // The organisation's shared Zoho budget exactly as Redis holds it (ZohoBudgetStore):
    // totals per family against the limits, each instance's part, and the shared token's
    // age and refresher (never the token). budgetKnown false: not read, budgetMessage
    // says why. budgetLimitsMessage: the limits are Zoho's defaults because
    // tiersync.zoho_limits could not be read.
    bool budgetKnown = false;
    QString budgetMessage;
    QString budgetLimitsMessage;
    ZohoBudgetUsage budget;

    // Summed over every endpoint.
    [[nodiscard]] StatsCounts total() const;
    // Minute i (0 = firstMinute) of zohoCalls; its read count is at least what the
    // endpoint statistics say (an engine too old to write the zoho_calls hash).
    [[nodiscard]] ZohoCallCounts zohoCallsAt(int minute) const;
    // Every purpose together, per minute: what the rate limit is measured against.
    [[nodiscard]] QList<quint64> zohoCallsPerMinute() const;
    [[nodiscard]] QList<quint64> zohoCallsPerMinute(ZohoCallPurpose purpose) const;
    // Instances whose circuit is not closed / that have caching forced off.
    [[nodiscard]] int instancesWithCircuit(const QString &state) const;
    [[nodiscard]] int instancesForcedOff() const;
};

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::OverviewSnapshot)
