#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace tiersync {

// Authenticity checks of webhook deliveries, in constant time: neither the position of
// the first differing byte nor (for tokens) the expected length shows in the timing.
class WebhookVerifier final {
public:
    WebhookVerifier() = delete;

    // SHA-256 of both sides compared with CRYPTO_memcmp, so the comparison time does not
    // depend on where they differ or on the expected token's length. An empty expected
    // token matches nothing.
    [[nodiscard]] static bool tokenMatches(QByteArrayView expected, QByteArrayView given);

    // HMAC-SHA256(secret, signedData) against a signature given as hex (either case) or
    // base64 (standard or URL alphabet, padding optional). Whitespace around it is ignored.
    [[nodiscard]] static bool signatureMatches(QByteArrayView secret, QByteArrayView signedData,
                                               QByteArrayView signature);

    [[nodiscard]] static QByteArray hmacSha256(QByteArrayView secret, QByteArrayView data);
};

}  // namespace tiersync
