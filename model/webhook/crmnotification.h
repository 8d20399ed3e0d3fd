#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace tiersync {

// A Zoho CRM notification (ZOHO-API.md "Webhooks"): {"server_time", "module", "ids",
// "operation", "channel_id", "token", …}. parse() checks shape only; the token, the
// module and the ids are judged by the caller.
struct CrmNotification final {
    QString module;
    QString operation;   // insert / update / delete; any value accepted
    QString channelId;
    QString serverTime;  // digits, as sent (a JSON number or string)
    QStringList ids;     // as sent, in order, strings only (invalid ones included)
    QByteArray token;
    bool hasToken = false;

    // InvalidArgument for anything that is not a JSON object with a string module and an
    // array ids (error messages never echo the input).
    [[nodiscard]] static Result<CrmNotification> parse(const QByteArray &body);

    // crm:{sha256 of channel_id, server_time, operation, module and the sorted distinct
    // ids}: the same notification delivered again gives the same key.
    [[nodiscard]] QString idempotencyKey(const QStringList &distinctIds) const;
};

}  // namespace tiersync
