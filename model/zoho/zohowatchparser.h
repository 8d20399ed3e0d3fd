#pragma once

#include "core/result.h"
#include "zoho/zohowatch.h"

#include <QJsonObject>

// Pure functions for the answers of `/crm/{v}/actions/watch` (see zohoparser.h for the
// rules: anything unexpected is ErrorKind::Protocol saying what, nothing throws).

namespace tiersync::zohowatchparser {

// The body of an enable / update (PUT, PATCH) call.
[[nodiscard]] QJsonObject subscribeBody(const QList<WatchSubscription> &subscriptions);

// An enable / update / disable answer: HTTP 200 (all succeeded), 207 (some) or 400 (none)
// with a `watch` array of exactly expectedItems results. A 400 without that array (no
// `watch` sent, too many items, a body that was not JSON) is the call's own error
// (InvalidArgument with Zoho's code). 200 with a failed item, or 400 with a succeeded
// one, contradicts itself and is a protocol error.
[[nodiscard]] Result<QList<WatchItemResult>> parseItemResults(int httpStatus, const QJsonObject &json,
                                                               qsizetype expectedItems);

// A list answer: 200 with `watch` and `info`, or 204 (no body: an empty object) → none.
[[nodiscard]] Result<WatchListPage> parseList(int httpStatus, const QJsonObject &json);

// Zoho's time format ("2026-12-14T14:11:00+05:30"); invalid for anything else.
[[nodiscard]] QDateTime parseTime(const QString &text);
// UTC as Zoho writes it: "2026-12-14T14:11:00+00:00" (second precision).
[[nodiscard]] QString formatTime(const QDateTime &time);

}  // namespace tiersync::zohowatchparser
