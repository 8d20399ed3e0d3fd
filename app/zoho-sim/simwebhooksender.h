#pragma once

#include "core/result.h"

#include <QString>

#include <string>
#include <utility>
#include <vector>

namespace tiersync::sim {

// Delivers a webhook the way Zoho would: one JSON POST to a URL. Only loopback URLs
// are allowed, so the simulator can never be turned into a request forwarder.
class SimWebhookSender final {
public:
    using Headers = std::vector<std::pair<std::string, std::string>>;

    // True for http://127.x.y.z[:port]/…, http://localhost[:port]/… and http://[::1]/….
    [[nodiscard]] static bool isLoopbackUrl(const QString &url);
    // Lower-case hex HMAC-SHA256 of `body` keyed with `secret`
    // (X-Zoho-Webhook-Signature).
    [[nodiscard]] static std::string signature(const std::string &secret, const std::string &body);
    // POSTs `body` and returns the receiver's HTTP status.
    [[nodiscard]] static Result<int> post(const QString &url, const std::string &body,
                                          const Headers &headers, int timeoutMs);
};

}  // namespace tiersync::sim
