#pragma once

#include "core/error.h"

#include <QByteArray>
#include <QDateTime>

#include <optional>

class QRandomGenerator;

namespace tiersync {

// When and how long to wait before trying a Zoho call again (ZOHO-API.md "Transient or
// not"). A value type: the client copies it, tests build their own with millisecond
// delays.
struct RetryPolicy final {
    int maxAttempts = 3;
    qint64 baseDelayMs = 2000;        // first backoff ceiling; doubles per attempt
    qint64 maxDelayMs = 60000;       // ceiling of the exponential part
    qint64 maxRetryAfterMs = 120000; // a server's Retry-After is honoured up to this

    // Full jitter: uniform in [0, min(maxDelayMs, baseDelayMs * 2^(attempt-1))].
    // `attempt` is the 1-based attempt that just failed; `unit` is a draw in [0, 1).
    [[nodiscard]] qint64 backoffCeilingMs(int attempt) const;
    [[nodiscard]] qint64 backoffDelayMs(int attempt, double unit) const;
    [[nodiscard]] qint64 backoffDelayMs(int attempt) const;  // draws from the global RNG

    // The wait after a failed attempt: Retry-After (capped) when the server sent one,
    // otherwise the jittered backoff.
    [[nodiscard]] qint64 delayMs(int attempt, std::optional<qint64> retryAfterMs,
                                 double unit) const;
    [[nodiscard]] qint64 delayMs(int attempt, std::optional<qint64> retryAfterMs) const;

    // Whether an error of this kind may succeed when tried again (timeouts, connection
    // failures, 500/502/503/504, Books 1000, 429 except the daily limit 45). 401 is not
    // "retryable" here: the client handles it by refreshing the token once.
    [[nodiscard]] static bool isRetryable(const Error &error);

    // Retry-After is either delta-seconds or an HTTP-date; nullopt when absent or
    // unreadable. A date in the past gives 0.
    [[nodiscard]] static std::optional<qint64> parseRetryAfterMs(const QByteArray &value,
                                                                 const QDateTime &nowUtc);
};

}  // namespace tiersync
