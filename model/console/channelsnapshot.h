#pragma once

#include "cache/channelhealthfacts.h"
#include "webhook/notificationchannel.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QMetaType>

namespace tiersync {

// The CRM notification channels (tiersync.notification_channels), read at asOf, and the
// health of each at asOf (ChannelHealthFacts; only a healthy one puts its module's feed
// on its safety net), by channel id.
struct ChannelSnapshot final {
    QDateTime asOf;
    QList<NotificationChannel> channels;
    QHash<QString, ChannelHealth> health;
};

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::ChannelSnapshot)
