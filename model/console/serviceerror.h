#pragma once

#include "console/connectioncheck.h"
#include "core/error.h"

#include <QMetaType>
#include <QString>

#include <optional>

namespace tiersync {

// An engine Error and the server it came from, known where the call was made (a
// PostgreSQL read, a Zoho call), so nothing guesses the source from the message text.
// No service: the engine itself refused (a bad argument, the compiled-in registry).
struct ServiceError final {
    std::optional<ConnectionCheck::Service> service;
    Error error;

    // The error as a sentence an admin can act on, naming the server (describeForAdmin).
    [[nodiscard]] QString describe() const;
};

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::ServiceError)
