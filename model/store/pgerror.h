#pragma once

#include "core/error.h"

#include <exception>

namespace tiersync {

class Secret;

// Turns an exception thrown by libpqxx (or anything else thrown while talking to
// PostgreSQL) into an Error:
//   connection lost, commit outcome unknown, server shutting down -> Unavailable
//   unique violation, deadlock, serialization failure, lock not available -> Conflict
//   data exceptions (SQLSTATE class 22) and other constraint violations -> InvalidArgument
//   statement timeout / cancel -> Timeout, authentication -> Auth, anything else -> Internal.
// Only the primary line of the server message is kept: DETAIL and CONTEXT lines quote
// row values (a COPY context holds the whole payload), which may carry secrets. The
// password, if it somehow appears, is masked. `context` says what was being done.
[[nodiscard]] Error pgErrorFromException(const std::exception &exception, const QString &context,
                                         const Secret &password);

// Whether the error means the connection is gone (reconnect before the next use).
[[nodiscard]] bool pgIsConnectionLoss(const std::exception &exception);

}  // namespace tiersync
