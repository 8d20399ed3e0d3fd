#pragma once

#include "core/error.h"

#include <QByteArray>
#include <QString>

namespace tiersync {

// An error answer: status, a stable machine-readable code and a message meant for the
// client. Built from validation failures or backend Errors, never from their internal
// text, so no host name, SQL or credential leaks into a response.
struct HttpError final {
    int status = 500;
    QString code;      // "bad_request", "not_found", "method_not_allowed", "unavailable", "internal_error"…
    QString detail;    // safe to show
    int retryAfterSeconds = 0;  // > 0: send Retry-After
    QString challenge;          // not empty: send WWW-Authenticate (401, 403)

    // {"error": code, "detail": detail}
    [[nodiscard]] QByteArray toJson() const;

    [[nodiscard]] static HttpError badRequest(const QString &detail);
    [[nodiscard]] static HttpError notFound(const QString &detail);
    [[nodiscard]] static HttpError methodNotAllowed();
    [[nodiscard]] static HttpError internal();
    // 401 "unauthorized", WWW-Authenticate: Bearer (with error="invalid_token" when a
    // key was given).
    [[nodiscard]] static HttpError unauthorized(const QString &detail, bool keyGiven);
    // 403 "forbidden": the key lacks scope (WWW-Authenticate: Bearer error="insufficient_scope").
    [[nodiscard]] static HttpError forbidden(const QString &scope);
    // 429 "rate_limited" with Retry-After.
    [[nodiscard]] static HttpError rateLimited(int retryAfterSeconds);
    // InvalidArgument → 400 (the validator's own wording, which never echoes input),
    // NotFound → 404, Unavailable / CircuitOpen / Timeout / RateLimited → 503 with
    // Retry-After, anything else → 500.
    [[nodiscard]] static HttpError fromBackend(const Error &error);
    // Validation errors: their messages are ours and safe to return.
    [[nodiscard]] static HttpError fromValidation(const Error &error);
};

}  // namespace tiersync
