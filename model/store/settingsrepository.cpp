#include "store/settingsrepository.h"

#include "core/logging.h"
#include "store/pgconnection.h"
#include "store/pgvalues.h"

#include <pqxx/pqxx>

namespace tiersync {

namespace {

using Idempotency = PgConnection::Idempotency;

std::string entryColumns()
{
    return "key, value, " + pgEpochMs("updated_at") + ", updated_by";
}

SettingsRepository::Entry toEntry(const pqxx::row &r)
{
    return SettingsRepository::Entry{fromPgText(r[0]), fromPgText(r[1]), fromPgEpochMs(r[2]),
                                     fromPgText(r[3])};
}

}  // namespace

SettingsRepository::SettingsRepository(PgConnection &connection)
    : m_connection(connection)
{
}

Result<std::optional<SettingsRepository::Entry>> SettingsRepository::get(const QString &key)
{
    std::optional<Entry> found;
    Status status = m_connection.transaction(
        QStringLiteral("reading setting %1").arg(key),
        [&](pqxx::transaction_base &txn) -> Status {
            const auto result = txn.exec_params(
                "SELECT " + entryColumns() + " FROM tiersync.settings WHERE key = $1",
                key.toStdString());
            found.reset();
            if (!result.empty())
                found = toEntry(result[0]);
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return found;
}

Status SettingsRepository::set(const QString &key, const QString &value, const QString &updatedBy)
{
    if (key.isEmpty())
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("setting without key"));
    Status status = m_connection.transaction(
        QStringLiteral("storing setting %1").arg(key),
        [&](pqxx::transaction_base &txn) -> Status {
            txn.exec_params("INSERT INTO tiersync.settings (key, value, updated_at, updated_by)"
                            " VALUES ($1, $2, now(), $3)"
                            " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value,"
                            " updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by",
                            key.toStdString(), value.toStdString(),
                            updatedBy.isEmpty() ? std::string("unknown") : updatedBy.toStdString());
            // pg_notify is NOTIFY with parameters; delivered at commit.
            txn.exec_params("SELECT pg_notify($1, $2)", std::string(kChannel), key.toStdString());
            return {};
        },
        Idempotency::Idempotent);
    if (status)
        qCInfo(lcPg).noquote() << "setting" << key << "changed by" << updatedBy;
    return status;
}

Result<QList<SettingsRepository::Entry>> SettingsRepository::all()
{
    QList<Entry> entries;
    Status status = m_connection.transaction(
        QStringLiteral("reading settings"),
        [&](pqxx::transaction_base &txn) -> Status {
            entries.clear();
            for (const auto &r :
                 txn.exec("SELECT " + entryColumns() + " FROM tiersync.settings ORDER BY key"))
                entries << toEntry(r);
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return entries;
}

Result<bool> SettingsRepository::cachingEnabled()
{
    auto entry = get(QString::fromLatin1(kCachingEnabled));
    if (!entry)
        return entry.error();
    if (!*entry)
        return true;
    const QString value = (*entry)->value.trimmed().toLower();
    if (value == QLatin1String("true") || value == QLatin1String("1") || value == QLatin1String("on"))
        return true;
    if (value == QLatin1String("false") || value == QLatin1String("0") || value == QLatin1String("off"))
        return false;
    return makeError(ErrorKind::Protocol,
                     QStringLiteral("setting caching_enabled holds '%1', not true/false").arg(value));
}

Status SettingsRepository::setCachingEnabled(bool enabled, const QString &updatedBy)
{
    return set(QString::fromLatin1(kCachingEnabled),
               enabled ? QStringLiteral("true") : QStringLiteral("false"), updatedBy);
}

}  // namespace tiersync
