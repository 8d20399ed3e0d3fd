#include "store/retryeventrepository.h"

#include "store/pgconnection.h"
#include "store/pgvalues.h"

#include <pqxx/pqxx>

namespace tiersync {

namespace {

using Idempotency = PgConnection::Idempotency;

std::optional<std::string> optionalText(const QString &text)
{
    if (text.isEmpty())
        return std::nullopt;
    return text.toStdString();
}

}  // namespace

RetryEventRepository::RetryEventRepository(PgConnection &connection)
    : m_connection(connection)
{
}

Result<int> RetryEventRepository::insert(const QList<RetryEvent> &events)
{
    if (events.isEmpty())
        return 0;
    int inserted = 0;
    Status status = m_connection.transaction(
        QStringLiteral("storing %1 retry events").arg(events.size()),
        [&](pqxx::transaction_base &txn) -> Status {
            std::string sql = "INSERT INTO tiersync.retry_events (at, target, attempt, max_attempts,"
                              " error_class, http_status, delay_ms, outcome) VALUES ";
            bool first = true;
            for (const RetryEvent &event : events) {
                if (!first)
                    sql += ',';
                first = false;
                const auto at = toPgTimestamp(event.at.isValid() ? event.at
                                                                 : QDateTime::currentDateTimeUtc());
                sql += '(' + txn.quote(*at) + "::timestamptz," + txn.quote(event.target.toStdString())
                    + ',' + std::to_string(event.attempt) + ',' + std::to_string(event.maxAttempts)
                    + ',' + txn.quote(event.errorClass.toStdString()) + ','
                    + (event.httpStatus > 0 ? std::to_string(event.httpStatus) : std::string("NULL"))
                    + ',' + std::to_string(event.delayMs) + ','
                    + txn.quote(event.outcome.toStdString()) + ')';
            }
            inserted = static_cast<int>(txn.exec(sql).affected_rows());
            return {};
        });
    if (!status)
        return status.error();
    return inserted;
}

Result<QList<RetryEvent>> RetryEventRepository::recent(const Filter &filter)
{
    QList<RetryEvent> events;
    Status status = m_connection.transaction(
        QStringLiteral("listing retry events"),
        [&](pqxx::transaction_base &txn) -> Status {
            events.clear();
            const auto result = txn.exec_params(
                "SELECT " + pgEpochMs("at")
                    + ", target, attempt, max_attempts, error_class, http_status, delay_ms, outcome"
                      " FROM tiersync.retry_events"
                      " WHERE ($1::text IS NULL OR target = $1)"
                      " AND ($2::text IS NULL OR error_class = $2)"
                      " AND ($3::text IS NULL OR outcome = $3)"
                      " AND ($4::timestamptz IS NULL OR at >= $4)"
                      " ORDER BY at DESC, id DESC LIMIT $5",
                optionalText(filter.target), optionalText(filter.errorClass),
                optionalText(filter.outcome), toPgTimestamp(filter.since), filter.limit);
            events.reserve(static_cast<qsizetype>(result.size()));
            for (const auto &r : result) {
                RetryEvent event;
                event.at = fromPgEpochMs(r[0]);
                event.target = fromPgText(r[1]);
                event.attempt = r[2].as<int>();
                event.maxAttempts = r[3].as<int>();
                event.errorClass = fromPgText(r[4]);
                event.httpStatus = r[5].is_null() ? 0 : r[5].as<int>();
                event.delayMs = r[6].as<qint64>();
                event.outcome = fromPgText(r[7]);
                events << event;
            }
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return events;
}

Result<QList<RetryEventRepository::Stored>> RetryEventRepository::newerThan(qint64 afterId, int limit)
{
    QList<Stored> events;
    Status status = m_connection.transaction(
        QStringLiteral("listing new retry events"),
        [&](pqxx::transaction_base &txn) -> Status {
            events.clear();
            const auto result = txn.exec_params(
                "SELECT id, " + pgEpochMs("at")
                    + ", target, attempt, max_attempts, error_class, http_status, delay_ms, outcome"
                      " FROM (SELECT * FROM tiersync.retry_events WHERE id > $1 ORDER BY id DESC LIMIT $2) newest"
                      " ORDER BY id",
                afterId, qMax(limit, 0));
            events.reserve(static_cast<qsizetype>(result.size()));
            for (const auto &r : result) {
                Stored stored;
                stored.id = r[0].as<qint64>();
                RetryEvent &event = stored.event;
                event.at = fromPgEpochMs(r[1]);
                event.target = fromPgText(r[2]);
                event.attempt = r[3].as<int>();
                event.maxAttempts = r[4].as<int>();
                event.errorClass = fromPgText(r[5]);
                event.httpStatus = r[6].is_null() ? 0 : r[6].as<int>();
                event.delayMs = r[7].as<qint64>();
                event.outcome = fromPgText(r[8]);
                events << stored;
            }
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return events;
}

Result<int> RetryEventRepository::purgeBefore(const QDateTime &before)
{
    if (!before.isValid())
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("purge needs a valid time"));
    int purged = 0;
    Status status = m_connection.transaction(
        QStringLiteral("purging retry events"),
        [&](pqxx::transaction_base &txn) -> Status {
            purged = static_cast<int>(
                txn.exec_params("DELETE FROM tiersync.retry_events WHERE at < $1::timestamptz",
                                *toPgTimestamp(before))
                    .affected_rows());
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return purged;
}

}  // namespace tiersync
