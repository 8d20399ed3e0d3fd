#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <memory>

namespace tiersync {

// SHA-256 (OpenSSL EVP, which uses the CPU's SHA instructions) of an entity's
// canonical JSON (canonicaljson.h) without its volatile fields, as 64 lowercase hex
// characters: the content_hash kept in PostgreSQL and in the Redis entity state.
//
// On the hot path of a resync (every entity of every page), so one hasher keeps its
// buffer and digest context between calls. Not thread-safe: one per thread.
class ContentHasher final {
public:
    ContentHasher();
    ~ContentHasher();
    Q_DISABLE_COPY_MOVE(ContentHasher)

    [[nodiscard]] QString hash(const QJsonObject &entity, const QStringList &volatileFields);
    // The canonical bytes of the last hash() call.
    [[nodiscard]] const QByteArray &lastCanonical() const { return m_buffer; }

    [[nodiscard]] QString sha256Hex(QByteArrayView data);

private:
    struct Digest;
    std::unique_ptr<Digest> m_digest;
    QByteArray m_buffer;
};

}  // namespace tiersync
