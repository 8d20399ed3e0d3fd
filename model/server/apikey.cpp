#include "server/apikey.h"

#include <QCryptographicHash>

#include <openssl/crypto.h>
#include <openssl/rand.h>

namespace tiersync::apikey {

namespace {

bool isLowerHex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool isBase64Url(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool hasPrefixShape(QByteArrayView text)
{
    if (text.size() < kPrefixLength || !text.startsWith(QByteArrayView(kTag)))
        return false;
    for (qsizetype i = 4; i < kPrefixLength; ++i)
        if (!isLowerHex(text.at(i)))
            return false;
    return true;
}

}  // namespace

Result<Secret> generate()
{
    unsigned char bytes[kPrefixHexDigits / 2 + kSecretBytes];
    if (RAND_bytes(bytes, int(sizeof bytes)) != 1)
        return makeError(ErrorKind::Unavailable, QStringLiteral("the system's random generator gave no bytes"));
    const QByteArray prefix = QByteArray(reinterpret_cast<const char *>(bytes), kPrefixHexDigits / 2).toHex();
    const QByteArray secret = QByteArray(reinterpret_cast<const char *>(bytes) + kPrefixHexDigits / 2, kSecretBytes)
                                  .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    OPENSSL_cleanse(bytes, sizeof bytes);
    return Secret(QString::fromLatin1(kTag + prefix + '_' + secret));
}

std::optional<QString> prefixOf(QByteArrayView key)
{
    if (key.size() != kKeyLength || !hasPrefixShape(key) || key.at(kPrefixLength) != '_')
        return std::nullopt;
    for (qsizetype i = kPrefixLength + 1; i < key.size(); ++i)
        if (!isBase64Url(key.at(i)))
            return std::nullopt;
    return QString::fromLatin1(key.first(kPrefixLength));
}

bool isPrefix(const QString &text)
{
    const QByteArray latin = text.toLatin1();
    return latin.size() == kPrefixLength && hasPrefixShape(latin);
}

QByteArray sha256(QByteArrayView key)
{
    return QCryptographicHash::hash(key, QCryptographicHash::Sha256);
}

QByteArray sha256Hex(QByteArrayView key)
{
    return sha256(key).toHex();
}

bool sameDigest(const QByteArray &a, const QByteArray &b)
{
    return a.size() == b.size() && !a.isEmpty() && CRYPTO_memcmp(a.constData(), b.constData(), size_t(a.size())) == 0;
}

QString scopeName(ApiScope scope)
{
    return scope == ApiScope::Read ? QStringLiteral("read") : QStringLiteral("metrics");
}

QStringList scopeNames(ApiScopes scopes)
{
    QStringList names;
    for (ApiScope scope : {ApiScope::Read, ApiScope::Metrics})
        if (scopes.testFlag(scope))
            names << scopeName(scope);
    return names;
}

Result<ApiScopes> parseScopes(const QStringList &names)
{
    ApiScopes scopes;
    for (const QString &name : names) {
        ApiScope scope{};
        if (name == QLatin1String("read"))
            scope = ApiScope::Read;
        else if (name == QLatin1String("metrics"))
            scope = ApiScope::Metrics;
        else
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("unknown scope '%1' (read or metrics)").arg(name));
        if (scopes.testFlag(scope))
            return makeError(ErrorKind::InvalidArgument, QStringLiteral("scope '%1' given twice").arg(name));
        scopes |= scope;
    }
    if (!scopes)
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("no scope given (read, metrics)"));
    return scopes;
}

}  // namespace tiersync::apikey
