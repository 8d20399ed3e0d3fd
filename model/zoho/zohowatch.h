#pragma once

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

// The values of Zoho CRM's notification API (`/crm/{v}/actions/watch`, ZOHO-API.md and
// app/zoho-sim/README.md "Notification channels").

namespace tiersync {

// One channel as we ask for it (enable, or update = replace the whole channel).
struct WatchSubscription final {
    QString channelId;     // a positive long as digits; sent as a JSON number
    QStringList events;    // "Grades.all", "Payments.edit", …
    QDateTime expiry;      // at most 7 days ahead on Zoho's clock
    QString token;         // echoed in every notification (at most 50 characters); a secret
    QString notifyUrl;     // http(s)
    // Each notification carries the changed values (affected_values); sent only when true.
    bool returnAffectedFieldValues = false;
};

// One item of an enable / update / disable answer, in the order of the request.
struct WatchItemResult final {
    bool success = false;
    QString code;          // "SUCCESS", "INVALID_DATA", "MANDATORY_NOT_FOUND", "LIMIT_EXCEEDED", …
    QString message;
    QString field;         // error items: details.api_name ("channel_id", "channel_expiry", …)
    QString channelId;     // success items: the channel the details name
    QDateTime expiry;      // enable / update success: the earliest channel_expiry in details.events
    QStringList modules;   // success items: resource_name of each module subscribed

    // The channel is not (or no longer) subscribed: dropped, expired or disabled. Zoho
    // answers this to an update; the channel must be enabled again.
    [[nodiscard]] bool isNotSubscribed() const
    {
        return !success && code == QLatin1String("INVALID_DATA") && field == QLatin1String("channel_id");
    }
};

// One entry of the channel list (one per channel and module). The token is not kept.
struct WatchChannelInfo final {
    QString channelId;
    QString module;        // resource_name
    QStringList events;
    QString notifyUrl;
    QDateTime expiry;
    std::optional<bool> returnAffectedFieldValues;  // as listed; nullopt: the list did not say
};

struct WatchListPage final {
    QList<WatchChannelInfo> channels;
    bool moreRecords = false;
};

}  // namespace tiersync
