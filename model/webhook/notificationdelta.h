#pragma once

#include "store/entityrepository.h"
#include "sync/entitydefinition.h"

#include <QJsonObject>
#include <QString>

#include <optional>

namespace tiersync {

// A CRM update notification's affected_values applied to the stored record, so the record
// needs no Get Records call (ZOHO-API.md "CRM notification channels"). Pure functions.
namespace notificationdelta {

// The record Zoho now has: the stored payload with `values` merged over it (only the
// changed fields are sent) and the modified field set from serverTimeMs, in the stored
// time's own offset and spelling. Nullopt whenever that is not provably right — then the
// record is fetched:
//  - the row is deleted, or values is empty, or values names another record id;
//  - the stored payload is not an object, or its modified time is unknown or unreadable;
//  - the notification is not provably newer: serverTimeMs's whole second must be after the
//    stored row's modified time (a second-precision time; an equal second may be older).
[[nodiscard]] std::optional<QJsonObject> merged(const EntityDefinition &entity,
                                                const EntityRepository::StoredRow &stored,
                                                const QJsonObject &values, qint64 serverTimeMs);

// epochSeconds as Zoho writes a time: "2030-01-07T10:00:00+05:30" (CRM) or, with
// colonInOffset false, "…+0530" (Books), at offsetSeconds from UTC.
[[nodiscard]] QString formatZohoTime(qint64 epochSeconds, int offsetSeconds, bool colonInOffset = true);

}  // namespace notificationdelta

}  // namespace tiersync
