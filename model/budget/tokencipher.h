#pragma once

#include "core/result.h"
#include "core/secret.h"

#include <QByteArray>
#include <QString>

#include <array>

namespace tiersync {

// Seals the shared OAuth access token before it goes to Redis, so Redis (its dumps,
// replicas, MONITOR) never holds it in clear. Every process that holds the client
// secret derives the same key:
//   key = HKDF-SHA256(ikm = client secret (UTF-8), salt = "tiersync-oauth-v1",
//                     info = "tiersync:v1:oauth:" + client id), 32 bytes
// and seals with AES-256-GCM: a random 12-byte IV per seal, a 16-byte tag, and the
// caller's additional data (the Redis key and the record's clear header) bound in, so
// neither can be changed unnoticed. A sealed value is iv ‖ ciphertext ‖ tag.
// The key is wiped (OPENSSL_cleanse) when the cipher is destroyed.
class TokenCipher final {
public:
    static constexpr int kIvBytes = 12;
    static constexpr int kTagBytes = 16;

    TokenCipher(const Secret &clientSecret, const QString &clientId);
    ~TokenCipher();
    Q_DISABLE_COPY_MOVE(TokenCipher)

    // False when there is no client secret or the key could not be derived; then seal
    // and open fail.
    [[nodiscard]] bool isValid() const { return m_valid; }

    [[nodiscard]] Result<QByteArray> seal(const QByteArray &plaintext, const QByteArray &additionalData) const;
    // Fails (ErrorKind::Auth) for anything not sealed by this key with exactly this
    // additional data: another secret, a changed header, a flipped bit.
    [[nodiscard]] Result<QByteArray> open(const QByteArray &sealed, const QByteArray &additionalData) const;

private:
    std::array<unsigned char, 32> m_key{};
    bool m_valid = false;
};

}  // namespace tiersync
