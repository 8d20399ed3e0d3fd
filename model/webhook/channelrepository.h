#pragma once

#include "core/result.h"
#include "webhook/notificationchannel.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace tiersync {

class PgConnection;

// tiersync.notification_channels: the CRM notification channels a serve keeps (written by
// ChannelManager) and what they delivered (written by the CRM webhook handler). Same
// thread rules as the PgConnection it uses.
class ChannelRepository final {
public:
    explicit ChannelRepository(PgConnection &connection);

    // Every channel, by module then channel id.
    [[nodiscard]] Result<QList<NotificationChannel>> list();
    [[nodiscard]] Result<std::optional<NotificationChannel>> get(const QString &channelId);
    // Inserts or replaces the row, all but the notification counters (kept as they are;
    // 0 for a new row). updated_at = channel.updatedAt, or now() when invalid.
    [[nodiscard]] Status save(const NotificationChannel &channel);
    // A notification arrived on channelId at `at`: last_notification_at = at (never moved
    // back), notifications += 1. false when no such channel is recorded (not ours).
    [[nodiscard]] Result<bool> recordNotification(const QString &channelId, const QDateTime &at);

private:
    PgConnection &m_connection;
};

}  // namespace tiersync
