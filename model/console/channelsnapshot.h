#pragma once

#include "webhook/notificationchannel.h"

#include <QDateTime>
#include <QList>
#include <QMetaType>

namespace tiersync {

// The CRM notification channels (tiersync.notification_channels), read at asOf.
struct ChannelSnapshot final {
    QDateTime asOf;
    QList<NotificationChannel> channels;
};

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::ChannelSnapshot)
