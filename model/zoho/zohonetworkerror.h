#pragma once

#include "core/error.h"

#include <QNetworkReply>

namespace tiersync {

// The Error for a request that got no HTTP answer (refused, reset, DNS, TLS, our own
// timeout abort). Such failures are transient: Unavailable or Timeout.
[[nodiscard]] Error zohoNetworkError(QNetworkReply::NetworkError code, const QString &detail,
                                     bool timedOut, qint64 timeoutMs);

}  // namespace tiersync
