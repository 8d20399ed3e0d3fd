#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QString>
#include <QtGlobal>

namespace tiersync {

// The shared access token as Redis holds it (DESIGN.md key table):
//   v1.<expires_at_ms>.<refreshed_at_ms>.<b64url(host:pid)>.<b64url(iv ‖ ciphertext ‖ tag)>
// Everything before the last '.' is the clear header: the console reads the token's age
// and who refreshed it there, without the key. The header and the Redis key are the
// sealed token's additional data, so neither can be changed unnoticed.
struct TokenRecord final {
    qint64 expiresAtMs = 0;
    qint64 refreshedAtMs = 0;
    QString refreshedBy;
    QByteArray sealed;  // TokenCipher::seal() output

    [[nodiscard]] QByteArray header() const;
    [[nodiscard]] QByteArray encode() const;
    // Strict: exactly five fields, version v1, decimal times, base64url without padding.
    [[nodiscard]] static Result<TokenRecord> parse(const QByteArray &record);
    // The clear header alone (v1.<expires>.<refreshed>.<b64url(by)>), as the console gets it
    // from Redis without the sealed part: sealed stays empty.
    [[nodiscard]] static Result<TokenRecord> parseHeader(const QByteArray &header);
    // What TokenCipher binds to the sealed token.
    [[nodiscard]] static QByteArray additionalData(const QByteArray &key, const QByteArray &header);
};

}  // namespace tiersync
