#include "webhook/webhookverifier.h"

#include <QCryptographicHash>
#include <QMessageAuthenticationCode>

#include <openssl/crypto.h>

namespace tiersync {

namespace {

constexpr qsizetype kDigestBytes = 32;

bool equalDigests(const QByteArray &a, const QByteArray &b)
{
    return a.size() == kDigestBytes && b.size() == kDigestBytes
        && CRYPTO_memcmp(a.constData(), b.constData(), kDigestBytes) == 0;
}

// The 32 signature bytes from hex or base64; empty when it is neither.
QByteArray decodeSignature(QByteArrayView text)
{
    const QByteArray trimmed = text.toByteArray().trimmed();
    if (trimmed.size() == 2 * kDigestBytes) {
        bool hex = true;
        for (char c : trimmed)
            hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
        if (hex)
            return QByteArray::fromHex(trimmed);
    }
    for (const auto options : {QByteArray::Base64Encoding, QByteArray::Base64UrlEncoding}) {
        auto decoded = QByteArray::fromBase64Encoding(trimmed, options | QByteArray::AbortOnBase64DecodingErrors);
        if (decoded && decoded.decoded.size() == kDigestBytes)
            return decoded.decoded;
    }
    return {};
}

}  // namespace

bool WebhookVerifier::tokenMatches(QByteArrayView expected, QByteArrayView given)
{
    if (expected.isEmpty())
        return false;
    return equalDigests(QCryptographicHash::hash(expected, QCryptographicHash::Sha256),
                        QCryptographicHash::hash(given, QCryptographicHash::Sha256));
}

QByteArray WebhookVerifier::hmacSha256(QByteArrayView secret, QByteArrayView data)
{
    return QMessageAuthenticationCode::hash(data.toByteArray(), secret.toByteArray(),
                                            QCryptographicHash::Sha256);
}

bool WebhookVerifier::signatureMatches(QByteArrayView secret, QByteArrayView signedData,
                                       QByteArrayView signature)
{
    if (secret.isEmpty())
        return false;
    return equalDigests(hmacSha256(secret, signedData), decodeSignature(signature));
}

}  // namespace tiersync
