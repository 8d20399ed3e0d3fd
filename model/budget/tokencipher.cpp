#include "budget/tokencipher.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <memory>

namespace tiersync {

namespace {

constexpr char kSalt[] = "tiersync-oauth-v1";

struct KdfFree {
    void operator()(EVP_KDF *kdf) const { EVP_KDF_free(kdf); }
    void operator()(EVP_KDF_CTX *context) const { EVP_KDF_CTX_free(context); }
    void operator()(EVP_CIPHER_CTX *context) const { EVP_CIPHER_CTX_free(context); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, KdfFree>;

Error cipherError(const QString &what)
{
    return makeError(ErrorKind::Internal, QStringLiteral("token cipher: %1").arg(what));
}

auto *bytes(QByteArray &array)
{
    return reinterpret_cast<unsigned char *>(array.data());
}

const auto *bytes(const QByteArray &array)
{
    return reinterpret_cast<const unsigned char *>(array.constData());
}

}  // namespace

TokenCipher::TokenCipher(const Secret &clientSecret, const QString &clientId)
{
    if (clientSecret.isEmpty())
        return;
    QByteArray secret = clientSecret.reveal().toUtf8();
    QByteArray info = QByteArrayLiteral("tiersync:v1:oauth:") + clientId.toUtf8();
    std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
    if (kdf) {
        std::unique_ptr<EVP_KDF_CTX, KdfFree> context(EVP_KDF_CTX_new(kdf.get()));
        char digest[] = "SHA256";
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, secret.data(), size_t(secret.size())),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char *>(kSalt), sizeof(kSalt) - 1),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), size_t(info.size())),
            OSSL_PARAM_construct_end()};
        m_valid = context && EVP_KDF_derive(context.get(), m_key.data(), m_key.size(), params) == 1;
    }
    OPENSSL_cleanse(secret.data(), size_t(secret.size()));
    if (!m_valid)
        OPENSSL_cleanse(m_key.data(), m_key.size());
}

TokenCipher::~TokenCipher()
{
    OPENSSL_cleanse(m_key.data(), m_key.size());
}

Result<QByteArray> TokenCipher::seal(const QByteArray &plaintext, const QByteArray &additionalData) const
{
    if (!m_valid)
        return makeError(ErrorKind::Auth, QStringLiteral("token cipher: no key (the Zoho client secret is not set)"));
    QByteArray out(kIvBytes + plaintext.size() + kTagBytes, Qt::Uninitialized);
    if (RAND_bytes(bytes(out), kIvBytes) != 1)
        return cipherError(QStringLiteral("no random bytes for the IV"));
    CipherContext context(EVP_CIPHER_CTX_new());
    int length = 0;
    int total = 0;
    if (!context || EVP_EncryptInit_ex2(context.get(), EVP_aes_256_gcm(), m_key.data(), bytes(out), nullptr) != 1
        || EVP_EncryptUpdate(context.get(), nullptr, &length, bytes(additionalData), int(additionalData.size())) != 1
        || EVP_EncryptUpdate(context.get(), bytes(out) + kIvBytes, &length, bytes(plaintext), int(plaintext.size())) != 1)
        return cipherError(QStringLiteral("encryption failed"));
    total = length;
    if (EVP_EncryptFinal_ex(context.get(), bytes(out) + kIvBytes + total, &length) != 1)
        return cipherError(QStringLiteral("encryption failed"));
    total += length;
    if (total != plaintext.size()
        || EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_AEAD_GET_TAG, kTagBytes, bytes(out) + kIvBytes + total) != 1)
        return cipherError(QStringLiteral("no authentication tag"));
    return out;
}

Result<QByteArray> TokenCipher::open(const QByteArray &sealed, const QByteArray &additionalData) const
{
    const Error rejected = makeError(ErrorKind::Auth,
                                     QStringLiteral("token cipher: the sealed token does not open with this "
                                                    "client secret (another secret, or changed)"));
    if (!m_valid)
        return makeError(ErrorKind::Auth, QStringLiteral("token cipher: no key (the Zoho client secret is not set)"));
    if (sealed.size() < kIvBytes + kTagBytes)
        return rejected;
    const qsizetype textBytes = sealed.size() - kIvBytes - kTagBytes;
    QByteArray plain(textBytes, Qt::Uninitialized);
    QByteArray tag = sealed.right(kTagBytes);
    CipherContext context(EVP_CIPHER_CTX_new());
    int length = 0;
    if (!context || EVP_DecryptInit_ex2(context.get(), EVP_aes_256_gcm(), m_key.data(), bytes(sealed), nullptr) != 1
        || EVP_DecryptUpdate(context.get(), nullptr, &length, bytes(additionalData), int(additionalData.size())) != 1
        || EVP_DecryptUpdate(context.get(), bytes(plain), &length, bytes(sealed) + kIvBytes, int(textBytes)) != 1
        || EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_AEAD_SET_TAG, kTagBytes, tag.data()) != 1) {
        OPENSSL_cleanse(plain.data(), size_t(plain.size()));
        return rejected;
    }
    int finalLength = 0;
    if (EVP_DecryptFinal_ex(context.get(), bytes(plain) + length, &finalLength) != 1) {
        OPENSSL_cleanse(plain.data(), size_t(plain.size()));
        return rejected;
    }
    return plain;
}

}  // namespace tiersync
