#pragma once

#include <QDateTime>
#include <QJsonValue>

namespace tiersync {

// Zoho's times: "2023-02-20T02:38:14+0530" (Books, no colon in the offset) or
// "2022-04-03T10:36:32+05:30" (CRM). Parsed by hand: QDateTime::fromString costs more
// than hashing the whole entity, and a cold sync parses one per entity. Anything else
// goes to Qt's ISO parser; invalid when not a time.
[[nodiscard]] QDateTime parseZohoTime(const QJsonValue &value);

}  // namespace tiersync
