#include "store/syncrunrepository.h"

#include "store/pgconnection.h"
#include "store/pgvalues.h"

#include <pqxx/pqxx>

namespace tiersync {

namespace {

using Idempotency = PgConnection::Idempotency;

std::string runColumns()
{
    return "id, entity_type, mode, trigger, status, " + pgEpochMs("started_at") + ", "
        + pgEpochMs("finished_at")
        + ", fetched, synced, skipped, failed, deleted, pages, zoho_calls, retries,"
          " duration_ms, error, listing_shifted, caught_up, listing_passes";
}

SyncRunRepository::Run toRun(const pqxx::row &r)
{
    SyncRunRepository::Run run;
    run.id = r[0].as<qint64>();
    run.entityType = fromPgText(r[1]);
    run.mode = fromPgText(r[2]);
    run.trigger = fromPgText(r[3]);
    // The column's CHECK constraint admits the four names only.
    run.status = syncRunStatusFromName(fromPgText(r[4])).value_or(SyncRunStatus::Failed);
    run.startedAt = fromPgEpochMs(r[5]);
    run.finishedAt = fromPgEpochMs(r[6]);
    run.counters.fetched = r[7].as<qint64>();
    run.counters.synced = r[8].as<qint64>();
    run.counters.skipped = r[9].as<qint64>();
    run.counters.failed = r[10].as<qint64>();
    run.counters.deleted = r[11].as<qint64>();
    run.counters.pages = r[12].as<int>();
    run.counters.zohoCalls = r[13].as<int>();
    run.counters.retries = r[14].as<int>();
    run.durationMs = r[15].is_null() ? -1 : r[15].as<qint64>();
    run.error = fromPgText(r[16]);
    run.counters.listingShifted = r[17].as<bool>();
    run.counters.caughtUp = r[18].as<qint64>();
    run.counters.listingPasses = r[19].as<int>();
    return run;
}

}  // namespace

SyncRunRepository::SyncRunRepository(PgConnection &connection)
    : m_connection(connection)
{
}

Result<qint64> SyncRunRepository::start(const QString &entityType, const QString &mode,
                                        const QString &trigger)
{
    qint64 id = 0;
    Status status = m_connection.transaction(
        QStringLiteral("starting sync run for %1").arg(entityType),
        [&](pqxx::transaction_base &txn) -> Status {
            id = txn.exec_params1("INSERT INTO tiersync.sync_runs (entity_type, mode, trigger)"
                                  " VALUES ($1, $2, $3) RETURNING id",
                                  entityType.toStdString(), mode.toStdString(),
                                  trigger.toStdString())[0]
                     .as<qint64>();
            return {};
        });
    if (!status)
        return status.error();
    return id;
}

Status SyncRunRepository::updateProgress(qint64 id, const Counters &c)
{
    return m_connection.transaction(
        QStringLiteral("updating sync run %1").arg(id),
        [&](pqxx::transaction_base &txn) -> Status {
            const auto result = txn.exec_params(
                "UPDATE tiersync.sync_runs SET fetched = $2, synced = $3, skipped = $4,"
                " failed = $5, deleted = $6, pages = $7, zoho_calls = $8, retries = $9,"
                " listing_shifted = $10, caught_up = $11, listing_passes = $12"
                " WHERE id = $1 AND status = 'running'",
                id, c.fetched, c.synced, c.skipped, c.failed, c.deleted, c.pages, c.zohoCalls,
                c.retries, c.listingShifted, c.caughtUp, c.listingPasses);
            if (result.affected_rows() != 1)
                return makeError(ErrorKind::Conflict,
                                 QStringLiteral("sync run %1 is not running").arg(id));
            return {};
        },
        Idempotency::Idempotent);
}

Status SyncRunRepository::finish(qint64 id, SyncRunStatus status, const Counters &c,
                                 const QString &error)
{
    if (status == SyncRunStatus::Running)
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("a run cannot finish as running"));
    return m_connection.transaction(
        QStringLiteral("finishing sync run %1").arg(id),
        [&](pqxx::transaction_base &txn) -> Status {
            std::optional<std::string> errorText;
            if (!error.isEmpty())
                errorText = error.toStdString();
            const auto result = txn.exec_params(
                "UPDATE tiersync.sync_runs SET status = $2, fetched = $3, synced = $4,"
                " skipped = $5, failed = $6, deleted = $7, pages = $8, zoho_calls = $9,"
                " retries = $10, error = $11, listing_shifted = $12, caught_up = $13,"
                " listing_passes = $14, finished_at = clock_timestamp(),"
                " duration_ms = (extract(epoch from clock_timestamp() - started_at) * 1000)::bigint"
                " WHERE id = $1 AND status = 'running'",
                id, syncRunStatusName(status).toStdString(), c.fetched, c.synced, c.skipped, c.failed, c.deleted,
                c.pages, c.zohoCalls, c.retries, errorText, c.listingShifted, c.caughtUp,
                c.listingPasses);
            if (result.affected_rows() != 1)
                return makeError(ErrorKind::Conflict,
                                 QStringLiteral("sync run %1 is not running").arg(id));
            return {};
        });
}

Result<QList<SyncRunRepository::Run>> SyncRunRepository::recent(int limit, const QString &entityType)
{
    QList<Run> runs;
    Status status = m_connection.transaction(
        QStringLiteral("listing sync runs"),
        [&](pqxx::transaction_base &txn) -> Status {
            std::optional<std::string> type;
            if (!entityType.isEmpty())
                type = entityType.toStdString();
            runs.clear();
            for (const auto &r : txn.exec_params("SELECT " + runColumns()
                                                     + " FROM tiersync.sync_runs"
                                                       " WHERE $1::text IS NULL OR entity_type = $1"
                                                       " ORDER BY started_at DESC, id DESC LIMIT $2",
                                                 type, limit))
                runs << toRun(r);
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return runs;
}

Result<std::optional<SyncRunRepository::Run>> SyncRunRepository::get(qint64 id)
{
    std::optional<Run> run;
    Status status = m_connection.transaction(
        QStringLiteral("reading sync run %1").arg(id),
        [&](pqxx::transaction_base &txn) -> Status {
            const auto result = txn.exec_params(
                "SELECT " + runColumns() + " FROM tiersync.sync_runs WHERE id = $1", id);
            run.reset();
            if (!result.empty())
                run = toRun(result[0]);
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return run;
}

}  // namespace tiersync
