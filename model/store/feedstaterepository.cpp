#include "store/feedstaterepository.h"

#include "store/pgconnection.h"
#include "store/pgvalues.h"

#include <pqxx/pqxx>

namespace tiersync {

namespace {

std::string stateColumns()
{
    return "entity_type, " + pgEpochMs("modified_watermark") + ", " + pgEpochMs("deleted_watermark") + ", "
        + pgEpochMs("last_success_at") + ", " + pgEpochMs("data_as_of") + ", " + pgEpochMs("last_full_at")
        + ", last_run_id, " + pgEpochMs("updated_at");
}

FeedStateRepository::State toState(const pqxx::row &r)
{
    FeedStateRepository::State state;
    state.entityType = fromPgText(r[0]);
    state.modifiedWatermark = fromPgEpochMs(r[1]);
    state.deletedWatermark = fromPgEpochMs(r[2]);
    state.lastSuccessAt = fromPgEpochMs(r[3]);
    state.dataAsOf = fromPgEpochMs(r[4]);
    state.lastFullAt = fromPgEpochMs(r[5]);
    state.lastRunId = r[6].is_null() ? 0 : r[6].as<qint64>();
    state.updatedAt = fromPgEpochMs(r[7]);
    return state;
}

}  // namespace

FeedStateRepository::FeedStateRepository(PgConnection &connection)
    : m_connection(connection)
{
}

Result<std::optional<FeedStateRepository::State>> FeedStateRepository::get(const QString &entityType)
{
    std::optional<State> state;
    Status status = m_connection.transaction(
        QStringLiteral("reading the %1 feed state").arg(entityType),
        [&](pqxx::transaction_base &txn) -> Status {
            const auto result = txn.exec_params(
                "SELECT " + stateColumns() + " FROM tiersync.feed_state WHERE entity_type = $1",
                entityType.toStdString());
            state.reset();
            if (!result.empty())
                state = toState(result[0]);
            return {};
        },
        PgConnection::Idempotency::Idempotent);
    if (!status)
        return status.error();
    return state;
}

Status FeedStateRepository::recordSuccess(const Success &success)
{
    if (success.entityType.isEmpty())
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("a feed state needs an entity type"));
    if (!success.startedAt.isValid() || !success.finishedAt.isValid())
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("the %1 feed's success needs the run's start and end").arg(success.entityType));
    for (const QDateTime &watermark : {success.modifiedWatermark, success.deletedWatermark}) {
        if (watermark.isValid() && watermark > success.startedAt)
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("the %1 feed's watermark %2 is past its run's start %3")
                                 .arg(success.entityType, watermark.toUTC().toString(Qt::ISODateWithMs),
                                      success.startedAt.toUTC().toString(Qt::ISODateWithMs)));
    }
    return m_connection.transaction(
        QStringLiteral("recording the %1 feed's success").arg(success.entityType),
        [&](pqxx::transaction_base &txn) -> Status {
            std::optional<qint64> runId;
            if (success.runId > 0)
                runId = success.runId;
            txn.exec_params(
                "INSERT INTO tiersync.feed_state AS f (entity_type, modified_watermark, deleted_watermark,"
                " last_success_at, data_as_of, last_full_at, last_run_id, updated_at)"
                " VALUES ($1, $2::timestamptz, $3::timestamptz, $4::timestamptz, $5::timestamptz,"
                " CASE WHEN $6 THEN $5::timestamptz END, $7, now())"
                " ON CONFLICT (entity_type) DO UPDATE SET"
                " modified_watermark = GREATEST(f.modified_watermark, EXCLUDED.modified_watermark),"
                " deleted_watermark = GREATEST(f.deleted_watermark, EXCLUDED.deleted_watermark),"
                " last_success_at = GREATEST(f.last_success_at, EXCLUDED.last_success_at),"
                " data_as_of = GREATEST(f.data_as_of, EXCLUDED.data_as_of),"
                " last_full_at = GREATEST(f.last_full_at, EXCLUDED.last_full_at),"
                " last_run_id = CASE WHEN EXCLUDED.data_as_of >= f.data_as_of OR f.data_as_of IS NULL"
                "                    THEN COALESCE(EXCLUDED.last_run_id, f.last_run_id) ELSE f.last_run_id END,"
                " updated_at = now()",
                success.entityType.toStdString(), toPgTimestamp(success.modifiedWatermark),
                toPgTimestamp(success.deletedWatermark), toPgTimestamp(success.finishedAt),
                toPgTimestamp(success.startedAt), success.full, runId);
            return {};
        },
        PgConnection::Idempotency::Idempotent);
}

Result<QList<FeedStateRepository::State>> FeedStateRepository::list()
{
    QList<State> states;
    Status status = m_connection.transaction(
        QStringLiteral("listing feed states"),
        [&](pqxx::transaction_base &txn) -> Status {
            states.clear();
            for (const auto &r : txn.exec("SELECT " + stateColumns() + " FROM tiersync.feed_state ORDER BY entity_type"))
                states << toState(r);
            return {};
        },
        PgConnection::Idempotency::Idempotent);
    if (!status)
        return status.error();
    return states;
}

}  // namespace tiersync
