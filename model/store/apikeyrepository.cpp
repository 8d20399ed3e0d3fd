#include "store/apikeyrepository.h"

#include "core/logging.h"
#include "store/pgconnection.h"
#include "store/pgvalues.h"

#include <pqxx/pqxx>

namespace tiersync {

namespace {

using Idempotency = PgConnection::Idempotency;

std::string keyColumns()
{
    return "id, prefix, name, scopes, " + pgEpochMs("created_at") + ", created_by, " + pgEpochMs("last_used_at")
           + ", " + pgEpochMs("revoked_at");
}

ApiKeyRepository::Key toKey(const pqxx::row &r)
{
    ApiKeyRepository::Key key;
    key.id = r[0].as<qint64>();
    key.prefix = fromPgText(r[1]);
    key.name = fromPgText(r[2]);
    key.scopes = fromPgTextArray(r[3].c_str());
    key.createdAt = fromPgEpochMs(r[4]);
    key.createdBy = fromPgText(r[5]);
    key.lastUsedAt = fromPgEpochMs(r[6]);
    key.revokedAt = fromPgEpochMs(r[7]);
    return key;
}

}  // namespace

ApiKeyRepository::ApiKeyRepository(PgConnection &connection) : m_connection(connection) {}

Result<ApiKeyRepository::Key> ApiKeyRepository::create(const QString &prefix, const QByteArray &sha256Hex,
                                                        const QString &name, const QStringList &scopes,
                                                        const QString &createdBy)
{
    Key created;
    const Status status = m_connection.transaction(
        QStringLiteral("creating API key %1").arg(prefix),
        [&](pqxx::transaction_base &txn) -> Status {
            const pqxx::row row = txn.exec_params1(
                "INSERT INTO tiersync.api_keys (prefix, key_sha256, name, scopes, created_by)"
                " VALUES ($1, $2, $3, $4::text[], $5) RETURNING " + keyColumns(),
                prefix.toStdString(), sha256Hex.toStdString(), name.toStdString(), toPgTextArray(scopes),
                createdBy.isEmpty() ? std::string("unknown") : createdBy.toStdString());
            created = toKey(row);
            return {};
        });
    if (!status)
        return status.error();
    qCInfo(lcPg).noquote() << "API key" << created.prefix << "created by" << created.createdBy;
    return created;
}

Result<QList<ApiKeyRepository::Key>> ApiKeyRepository::list()
{
    QList<Key> keys;
    const Status status = m_connection.transaction(
        QStringLiteral("listing API keys"),
        [&](pqxx::transaction_base &txn) -> Status {
            keys.clear();
            for (const auto &r : txn.exec("SELECT " + keyColumns() + " FROM tiersync.api_keys ORDER BY id"))
                keys << toKey(r);
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return keys;
}

Result<std::optional<ApiKeyRepository::Credential>> ApiKeyRepository::findByPrefix(const QString &prefix)
{
    std::optional<Credential> found;
    const Status status = m_connection.transaction(
        QStringLiteral("reading API key %1").arg(prefix),
        [&](pqxx::transaction_base &txn) -> Status {
            found.reset();
            const auto result = txn.exec_params("SELECT " + keyColumns() + ", key_sha256 FROM tiersync.api_keys"
                                                " WHERE prefix = $1",
                                                prefix.toStdString());
            if (!result.empty())
                found = Credential{toKey(result[0]), QByteArray(result[0][8].c_str())};
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return found;
}

Result<std::optional<ApiKeyRepository::Key>> ApiKeyRepository::revoke(qint64 id)
{
    return revokeWhere("id = $1::bigint", std::to_string(id));
}

Result<std::optional<ApiKeyRepository::Key>> ApiKeyRepository::revokeByPrefix(const QString &prefix)
{
    return revokeWhere("prefix = $1", prefix.toStdString());
}

Result<std::optional<ApiKeyRepository::Key>> ApiKeyRepository::revokeWhere(const std::string &condition,
                                                                          const std::string &value)
{
    std::optional<Key> revoked;
    const Status status = m_connection.transaction(
        QStringLiteral("revoking an API key"),
        [&](pqxx::transaction_base &txn) -> Status {
            revoked.reset();
            const auto result = txn.exec_params("UPDATE tiersync.api_keys SET revoked_at = COALESCE(revoked_at, now())"
                                                " WHERE " + condition + " RETURNING " + keyColumns(),
                                                value);
            if (!result.empty())
                revoked = toKey(result[0]);
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    if (revoked)
        qCInfo(lcPg).noquote() << "API key" << revoked->prefix << "revoked";
    return revoked;
}

Status ApiKeyRepository::recordUses(const QList<Use> &uses)
{
    if (uses.isEmpty())
        return {};
    QStringList ids;
    QStringList times;
    for (const Use &use : uses) {
        ids << QString::number(use.id);
        times << QString::number(use.atEpochMs);
    }
    return m_connection.transaction(
        QStringLiteral("recording API key use"),
        [&](pqxx::transaction_base &txn) -> Status {
            txn.exec_params("UPDATE tiersync.api_keys k"
                            "   SET last_used_at = GREATEST(k.last_used_at, to_timestamp(u.at_ms / 1000.0))"
                            "  FROM unnest($1::text[]::bigint[], $2::text[]::bigint[]) AS u(id, at_ms)"
                            " WHERE k.id = u.id",
                            toPgTextArray(ids), toPgTextArray(times));
            return {};
        },
        Idempotency::Idempotent);
}

}  // namespace tiersync
