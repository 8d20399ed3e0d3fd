#pragma once

#include <QDateTime>
#include <QMetaType>
#include <QString>

namespace tiersync {

// One failed attempt at a Zoho call, and what the client did about it. Emitted by the
// Zoho client for every failure, stored in retry_events, shown in the console.
struct RetryEvent final {
    QDateTime at;
    QString target;       // "GET /books/v3/items" (no query string: it may carry ids)
    int attempt = 0;      // 1-based attempt that failed
    int maxAttempts = 0;
    QString errorClass;   // errorKindName() of the failure: "timeout", "server", "rate_limited"…
    int httpStatus = 0;   // 0 when there was no HTTP response
    qint64 delayMs = 0;   // wait before the next attempt (0 when none follows)
    QString outcome;      // "retry" (another attempt follows), "gave_up", "not_retried"
};

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::RetryEvent)
