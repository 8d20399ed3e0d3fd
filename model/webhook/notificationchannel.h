#pragma once

#include <QDateTime>
#include <QString>
#include <QStringList>

#include <optional>

namespace tiersync {

// A channel's state in tiersync.notification_channels.
enum class ChannelStatus {
    Active,    // enabled or renewed; Zoho listed it at the last pass
    Expired,   // its expiry passed before it was renewed
    Dropped,   // Zoho no longer has it (its list or a renewal said so)
    Failed,    // Zoho refused to enable it (last_error says why)
    Disabled,  // we disabled it (`tiersync channels disable`, or its module is no longer fed)
};

[[nodiscard]] QString channelStatusName(ChannelStatus status);  // "active", …
[[nodiscard]] std::optional<ChannelStatus> channelStatusFromName(const QString &name);

// One row of tiersync.notification_channels.
struct NotificationChannel final {
    QString channelId;         // digits
    QString entityType;        // "students"
    QString module;            // "Students"
    QStringList events;        // {"Students.all"}
    QString notifyUrl;
    QDateTime expiresAt;       // as Zoho last reported it; invalid: never enabled
    QDateTime enabledAt;
    QDateTime renewedAt;
    QDateTime lastNotificationAt;
    qint64 notifications = 0;
    ChannelStatus status = ChannelStatus::Active;
    QString lastError;
    QDateTime updatedAt;
    // The feed's self-check (FeedCadence; written only by ChannelRepository::recordCheck):
    // degraded since degradedAt (invalid: not degraded) because a feed run found changes
    // it never delivered; clean runs since cleanSince count towards proving it again.
    QDateTime degradedAt;
    QString degradedReason;
    QDateTime cleanSince;
    QDateTime lastCheckAt;    // the last feed run that checked it
    int lastCheckMissed = 0;  // changes that run found the channel never delivered
};

}  // namespace tiersync
