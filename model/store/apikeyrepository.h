#pragma once

#include "core/result.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace tiersync {

class PgConnection;

// tiersync.api_keys: the keys `tiersync serve` accepts. A row holds the key's public
// prefix and the SHA-256 of the whole key, never the key; making and checking keys is
// server/apikey.h's and server/apikeyauthenticator.h's business.
class ApiKeyRepository final {
public:
    struct Key {
        qint64 id = 0;
        QString prefix;       // "tsk_" + 12 hex: public, printed by `apikey list`
        QString name;
        QStringList scopes;   // "read", "metrics"
        QDateTime createdAt;
        QString createdBy;
        QDateTime lastUsedAt; // invalid: never used (as far as the servers wrote)
        QDateTime revokedAt;  // invalid: live
    };
    // What a server checks a presented key against.
    struct Credential {
        Key key;
        QByteArray sha256Hex;  // 64 lower-case hex digits
    };
    struct Use {
        qint64 id = 0;
        qint64 atEpochMs = 0;
    };

    explicit ApiKeyRepository(PgConnection &connection);

    // Conflict when the prefix is taken (the caller draws another key); InvalidArgument
    // for a name or scope the table refuses.
    [[nodiscard]] Result<Key> create(const QString &prefix, const QByteArray &sha256Hex, const QString &name,
                                     const QStringList &scopes, const QString &createdBy);
    // Oldest first, revoked ones included.
    [[nodiscard]] Result<QList<Key>> list();
    [[nodiscard]] Result<std::optional<Credential>> findByPrefix(const QString &prefix);
    // Sets revoked_at (once: revoking again keeps the first time); the key as it is now,
    // nullopt when no key has that id or prefix.
    [[nodiscard]] Result<std::optional<Key>> revoke(qint64 id);
    [[nodiscard]] Result<std::optional<Key>> revokeByPrefix(const QString &prefix);
    // last_used_at moves forward only (two servers may write one key's uses out of order).
    [[nodiscard]] Status recordUses(const QList<Use> &uses);

private:
    [[nodiscard]] Result<std::optional<Key>> revokeWhere(const std::string &condition, const std::string &value);

    PgConnection &m_connection;
};

}  // namespace tiersync
