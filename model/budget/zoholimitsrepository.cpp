#include "budget/zoholimitsrepository.h"

#include "core/logging.h"
#include "store/pgconnection.h"
#include "store/pgvalues.h"
#include "store/settingsrepository.h"

#include <pqxx/pqxx>

namespace tiersync {

namespace {

using Idempotency = PgConnection::Idempotency;

constexpr ZohoApiFamily kFamilies[] = {ZohoApiFamily::Books, ZohoApiFamily::Inventory, ZohoApiFamily::Crm};

ZohoLimitsRepository::Row defaultRow(ZohoApiFamily family)
{
    ZohoLimitsRepository::Row row;
    row.family = family;
    row.limits = ZohoLimits{}.of(family);
    return row;
}

}  // namespace

ZohoLimitsRepository::ZohoLimitsRepository(PgConnection &connection) : m_connection(connection) {}

Result<QList<ZohoLimitsRepository::Row>> ZohoLimitsRepository::rows()
{
    QList<Row> rows;
    for (ZohoApiFamily family : kFamilies)
        rows.append(defaultRow(family));
    Status status = m_connection.transaction(
        QStringLiteral("reading the Zoho limits"),
        [&](pqxx::transaction_base &txn) -> Status {
            const auto result = txn.exec(
                "SELECT family, plan, users, per_window, window_seconds, per_day, concurrency, read_reserve_pct, "
                + pgEpochMs("updated_at") + ", updated_by FROM tiersync.zoho_limits");
            for (const auto &r : result) {
                const QString name = fromPgText(r[0]);
                for (Row &row : rows) {
                    if (zohoApiFamilyName(row.family) != name)
                        continue;
                    row.plan = fromPgText(r[1]);
                    row.users = r[2].as<int>();
                    row.limits.perWindow = r[3].as<int>();
                    row.limits.windowMs = r[4].as<qint64>() * 1000;
                    row.limits.perDay = r[5].as<qint64>();
                    row.limits.concurrency = r[6].as<int>();
                    row.limits.readReservePct = r[7].as<int>();
                    row.updatedAt = fromPgEpochMs(r[8]);
                    row.updatedBy = fromPgText(r[9]);
                }
            }
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return rows;
}

Result<ZohoLimits> ZohoLimitsRepository::load()
{
    auto stored = rows();
    if (!stored)
        return stored.error();
    ZohoLimits limits;
    for (const Row &row : std::as_const(*stored))
        limits.of(row.family) = row.limits;
    return limits;
}

Status ZohoLimitsRepository::save(const Row &row, const QString &updatedBy)
{
    if (Status valid = row.limits.validate(); !valid)
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("%1: %2").arg(zohoApiFamilyName(row.family), valid.error().message));
    if (row.limits.windowMs % 1000 != 0)
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("%1: the window is whole seconds")
                                                         .arg(zohoApiFamilyName(row.family)));
    if (row.users < 0)
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("users cannot be negative"));
    const FamilyLimits &l = row.limits;
    Status status = m_connection.transaction(
        QStringLiteral("storing the Zoho limits of %1").arg(zohoApiFamilyName(row.family)),
        [&](pqxx::transaction_base &txn) -> Status {
            txn.exec_params(
                "INSERT INTO tiersync.zoho_limits (family, plan, users, per_window, window_seconds, per_day,"
                " concurrency, read_reserve_pct, updated_at, updated_by)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9)"
                " ON CONFLICT (family) DO UPDATE SET plan = EXCLUDED.plan, users = EXCLUDED.users,"
                " per_window = EXCLUDED.per_window, window_seconds = EXCLUDED.window_seconds,"
                " per_day = EXCLUDED.per_day, concurrency = EXCLUDED.concurrency,"
                " read_reserve_pct = EXCLUDED.read_reserve_pct, updated_at = EXCLUDED.updated_at,"
                " updated_by = EXCLUDED.updated_by",
                zohoApiFamilyName(row.family).toStdString(), row.plan.toStdString(), row.users, l.perWindow,
                static_cast<long long>(l.windowMs / 1000), static_cast<long long>(l.perDay), l.concurrency,
                l.readReservePct, updatedBy.isEmpty() ? std::string("unknown") : updatedBy.toStdString());
            txn.exec_params("SELECT pg_notify($1, $2)", std::string(SettingsRepository::kChannel),
                            std::string(kNotifyKey));
            return {};
        },
        Idempotency::Idempotent);
    if (status)
        qCInfo(lcPg).noquote() << "Zoho limits of" << zohoApiFamilyName(row.family) << "changed by" << updatedBy;
    return status;
}

}  // namespace tiersync
