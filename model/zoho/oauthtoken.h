#pragma once

#include "core/secret.h"

#include <QString>

namespace tiersync {

// A successful answer of the OAuth token endpoint.
struct OAuthToken final {
    Secret accessToken;
    qint64 expiresInMs = 0;
    QString apiDomain;
    QString tokenType;
};

}  // namespace tiersync
