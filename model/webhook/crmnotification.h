#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace tiersync {

// A Zoho CRM notification (ZOHO-API.md "Webhooks"): {"server_time", "module", "ids",
// "operation", "channel_id", "token", "affected_values", …}. parse() checks shape only; the
// token, the module and the ids are judged by the caller.
//
// affected_values (a channel enabled with return_affected_field_values): [{"record_id",
// "values":{field: new value}}…], the changed fields only. Kept strictly: an entry that is
// not an object, whose record_id is not a string naming one of `ids`, whose values is not
// an object, or whose record_id another entry names too, is ignored and counted (its
// record is then fetched, never patched from a guess); a non-array affected_values counts
// as one ignored entry.
struct CrmNotification final {
    QString module;
    QString operation;   // insert / update / delete; any value accepted
    QString channelId;
    QString serverTime;  // digits, as sent (a JSON number or string)
    QStringList ids;     // as sent, in order, strings only (invalid ones included)
    QByteArray token;
    bool hasToken = false;
    QHash<QString, QJsonObject> affectedValues;  // record id -> its changed fields (may be empty)
    int ignoredAffectedValues = 0;

    // server_time as epoch ms; -1 unless a non-negative integer.
    [[nodiscard]] qint64 serverTimeMs() const;

    // InvalidArgument for anything that is not a JSON object with a string module and an
    // array ids (error messages never echo the input).
    [[nodiscard]] static Result<CrmNotification> parse(const QByteArray &body);

    // crm:{sha256 of channel_id, server_time, operation, module and the sorted distinct
    // ids}: the same notification delivered again gives the same key.
    [[nodiscard]] QString idempotencyKey(const QStringList &distinctIds) const;
};

}  // namespace tiersync
