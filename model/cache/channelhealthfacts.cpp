#include "cache/channelhealthfacts.h"

#include "store/pgconnection.h"
#include "store/pgvalues.h"

#include <pqxx/pqxx>

namespace tiersync {

QString channelHealthName(ChannelHealth health)
{
    switch (health) {
    case ChannelHealth::Inactive: return QStringLiteral("inactive");
    case ChannelHealth::Expired: return QStringLiteral("expired");
    case ChannelHealth::Failing: return QStringLiteral("failing");
    case ChannelHealth::Unconfirmed: return QStringLiteral("unconfirmed");
    case ChannelHealth::Degraded: return QStringLiteral("degraded");
    case ChannelHealth::Healthy: return QStringLiteral("healthy");
    }
    return QStringLiteral("inactive");
}

ChannelHealth ChannelHealthFacts::healthAt(qint64 nowMs) const
{
    if (!active)
        return ChannelHealth::Inactive;
    if (expiresAtMs <= 0 || expiresAtMs - nowMs <= kExpiryMarginMs)
        return ChannelHealth::Expired;
    if (failing)
        return ChannelHealth::Failing;
    // A confirmation stamped ahead of our clock counts as now, never as a future one.
    if (confirmedAtMs <= 0 || nowMs - confirmedAtMs > kMaxUnconfirmedMs)
        return ChannelHealth::Unconfirmed;
    if (degradedAtMs > 0)
        return ChannelHealth::Degraded;
    return ChannelHealth::Healthy;
}

Result<QList<ChannelHealthFacts>> ChannelHealthFacts::load(PgConnection &connection)
{
    QList<ChannelHealthFacts> channels;
    const auto epochMs = [](const pqxx::field &field) -> qint64 {
        return field.is_null() ? 0 : field.as<long long>();
    };
    Status status = connection.transaction(
        QStringLiteral("reading the notification channels' health"),
        [&](pqxx::transaction_base &txn) -> Status {
            channels.clear();
            for (const auto &r : txn.exec("SELECT entity_type, status = 'active', last_error IS NOT NULL, "
                                          + pgEpochMs("expires_at") + ", " + pgEpochMs("updated_at") + ", "
                                          + pgEpochMs("degraded_at")
                                          + " FROM tiersync.notification_channels WHERE status <> 'disabled'"
                                            " ORDER BY entity_type, channel_id")) {
                ChannelHealthFacts facts;
                facts.entityType = fromPgText(r[0]);
                facts.active = r[1].as<bool>();
                facts.failing = r[2].as<bool>();
                facts.expiresAtMs = epochMs(r[3]);
                facts.confirmedAtMs = epochMs(r[4]);
                facts.degradedAtMs = epochMs(r[5]);
                channels.append(facts);
            }
            return {};
        },
        PgConnection::Idempotency::Idempotent);
    if (!status)
        return status.error();
    return channels;
}

bool ChannelHealthFacts::anyHealthy(const QList<ChannelHealthFacts> &channels, const QString &entityType,
                                    qint64 nowMs)
{
    for (const ChannelHealthFacts &facts : channels)
        if (facts.entityType == entityType && facts.healthAt(nowMs) == ChannelHealth::Healthy)
            return true;
    return false;
}

}  // namespace tiersync
