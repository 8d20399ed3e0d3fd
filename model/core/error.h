#pragma once

#include <QString>

namespace tiersync {

// What went wrong, in terms a caller can act on. The message is for people; the kind
// is for code (retry decisions, HTTP status mapping, UI wording).
enum class ErrorKind {
    None,
    InvalidArgument,   // bad input from a caller: never retried
    NotFound,
    Unavailable,       // server unreachable or went away: a reconnect may help
    Timeout,
    Protocol,          // the peer answered something we cannot read
    Auth,              // credentials rejected: needs re-authorisation
    RateLimited,
    Server,            // the peer reported an internal error (5xx)
    CircuitOpen,
    Cancelled,
    Conflict,          // e.g. a lock held by someone else
    Internal,
};

[[nodiscard]] QString errorKindName(ErrorKind kind);

struct Error final {
    ErrorKind kind = ErrorKind::None;
    QString message;
    int httpStatus = 0;   // when the error came from an HTTP peer
    QString code;         // the peer's own error code ("INVALID_TOKEN", "44", "invalid_client")

    [[nodiscard]] QString toString() const;
};

[[nodiscard]] Error makeError(ErrorKind kind, QString message);

}  // namespace tiersync
