#pragma once

#include "core/result.h"

#include <QList>
#include <QString>

namespace tiersync {

class PgConnection;

// Whether a fed module's CRM notification channel keeps that module's replica fresh
// (issue 10: a feed's cadence follows its channel's health). Only Healthy vouches for the
// replica; every other state leaves the feed on its own interval and its endpoints on
// their normal max lag. Worst first: a channel is in the first state that applies.
enum class ChannelHealth {
    Inactive,     // dropped by Zoho, refused, disabled, or never enabled
    Expired,      // its expiry has passed (or is within a minute): Zoho notifies no more
    Failing,      // the keeper's last enable or renewal of it failed (last_error)
    Unconfirmed,  // no keeper pass has confirmed it for kMaxUnconfirmedMs
    Degraded,     // a feed run found changes it never delivered, and it has not proved itself since
    Healthy,      // active, not expired, renewed and confirmed by the keeper, not degraded
};

[[nodiscard]] QString channelHealthName(ChannelHealth health);  // "healthy", "degraded", …

// What the health of one channel is decided from: its row of tiersync.notification_channels.
struct ChannelHealthFacts final {
    // The keeper (ChannelKeeper, hourly in serve) saves every channel it looks
    // at; three hours without that means no keeper runs or it cannot reach Zoho.
    static constexpr qint64 kMaxUnconfirmedMs = 3LL * 3600 * 1000;
    // Zoho's clock decides expiry; a channel this close to it is treated as expired.
    static constexpr qint64 kExpiryMarginMs = 60LL * 1000;

    QString entityType;
    bool active = false;       // status 'active'
    bool failing = false;      // last_error set
    qint64 expiresAtMs = 0;    // 0: unknown (never enabled)
    qint64 confirmedAtMs = 0;  // updated_at: the last save by a keeper pass
    qint64 degradedAtMs = 0;   // 0: not degraded

    [[nodiscard]] ChannelHealth healthAt(qint64 nowMs) const;

    // Every channel that is not disabled, by entity type.
    [[nodiscard]] static Result<QList<ChannelHealthFacts>> load(PgConnection &connection);
    // Whether some channel of entityType is healthy at nowMs.
    [[nodiscard]] static bool anyHealthy(const QList<ChannelHealthFacts> &channels, const QString &entityType,
                                         qint64 nowMs);
};

}  // namespace tiersync
