#pragma once

#include "core/result.h"
#include "core/secret.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QFlags>
#include <QString>
#include <QStringList>

#include <optional>

namespace tiersync {

// What a key may call: read → /api/v1, metrics → /metrics.
enum class ApiScope : quint8 {
    Read = 0x1,
    Metrics = 0x2,
};
Q_DECLARE_FLAGS(ApiScopes, ApiScope)
Q_DECLARE_OPERATORS_FOR_FLAGS(ApiScopes)

// The API keys of `tiersync serve`: `tsk_<prefix>_<secret>`, where the prefix (12 hex
// digits, shown with its "tsk_" by `apikey list`) is a public id a server looks the key
// up by, and the secret is 32 bytes (256 bits) from the OS's CSPRNG in base64url. Stored
// as the SHA-256 of the whole key (see 0012_api_keys.sql for why no slow KDF).
namespace apikey {

inline constexpr char kTag[] = "tsk_";
inline constexpr int kPrefixHexDigits = 12;
inline constexpr int kSecretBytes = 32;
inline constexpr int kSecretChars = 43;  // base64url of 32 bytes, no padding
inline constexpr int kPrefixLength = 4 + kPrefixHexDigits;
inline constexpr int kKeyLength = kPrefixLength + 1 + kSecretChars;

// A new key (RAND_bytes); Unavailable when the CSPRNG cannot give bytes.
[[nodiscard]] Result<Secret> generate();
// "tsk_" + 12 hex digits when key has exactly a key's shape; nullopt otherwise (a
// server refuses it without a lookup).
[[nodiscard]] std::optional<QString> prefixOf(QByteArrayView key);
// Whether text is a prefix ("tsk_" + 12 lower-case hex digits).
[[nodiscard]] bool isPrefix(const QString &text);
[[nodiscard]] QByteArray sha256(QByteArrayView key);     // 32 raw bytes
[[nodiscard]] QByteArray sha256Hex(QByteArrayView key);  // 64 lower-case hex digits
// Equal digests, in time independent of where they differ (CRYPTO_memcmp).
[[nodiscard]] bool sameDigest(const QByteArray &a, const QByteArray &b);

[[nodiscard]] QString scopeName(ApiScope scope);
[[nodiscard]] QStringList scopeNames(ApiScopes scopes);
// "read", "metrics" (each once at most, at least one); InvalidArgument names the bad one.
[[nodiscard]] Result<ApiScopes> parseScopes(const QStringList &names);

}  // namespace apikey

}  // namespace tiersync
