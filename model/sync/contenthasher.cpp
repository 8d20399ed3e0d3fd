#include "sync/contenthasher.h"

#include "sync/canonicaljson.h"

#include <openssl/evp.h>

namespace tiersync {

struct ContentHasher::Digest {
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    ~Digest() { EVP_MD_CTX_free(context); }
};

ContentHasher::ContentHasher()
    : m_digest(std::make_unique<Digest>())
{
    m_buffer.reserve(4096);
}

ContentHasher::~ContentHasher() = default;

QString ContentHasher::hash(const QJsonObject &entity, const QStringList &volatileFields)
{
    m_buffer.resize(0);  // keeps the capacity (clear() would free it)
    canonicaljson::appendObject(entity, volatileFields, m_buffer);
    return sha256Hex(m_buffer);
}

QString ContentHasher::sha256Hex(QByteArrayView data)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_MD_CTX *context = m_digest->context;
    if (context == nullptr || EVP_DigestInit_ex(context, EVP_sha256(), nullptr) != 1
        || EVP_DigestUpdate(context, data.data(), size_t(data.size())) != 1
        || EVP_DigestFinal_ex(context, digest, &length) != 1)
        qFatal("OpenSSL SHA-256 failed");  // only on allocation failure inside OpenSSL
    static constexpr char kHex[] = "0123456789abcdef";
    QString hex(qsizetype(length) * 2, Qt::Uninitialized);
    QChar *out = hex.data();
    for (unsigned int i = 0; i < length; ++i) {
        *out++ = QLatin1Char(kHex[digest[i] >> 4]);
        *out++ = QLatin1Char(kHex[digest[i] & 0xf]);
    }
    return hex;
}

}  // namespace tiersync
