#include "store/webhookeventrepository.h"

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

std::string eventColumns()
{
    return "idempotency_key, " + pgEpochMs("received_at")
        + ", source, entity_type, entity_id, outcome, invalidated_keys::text, error, zoho_calls, zoho_calls_saved";
}

Result<WebhookEventRepository::Event> toEvent(const pqxx::row &r)
{
    WebhookEventRepository::Event event;
    event.idempotencyKey = fromPgText(r[0]);
    event.receivedAt = fromPgEpochMs(r[1]);
    event.source = fromPgText(r[2]);
    event.entityType = fromPgText(r[3]);
    event.entityId = fromPgText(r[4]);
    const QString outcome = fromPgText(r[5]);
    if (auto known = webhookOutcomeFromName(outcome))
        event.outcome = *known;
    else
        return makeError(ErrorKind::Protocol, QStringLiteral("webhook event %1 has an outcome this version does not know: “%2”")
                                                  .arg(event.idempotencyKey, outcome));
    event.invalidatedKeys = fromPgTextArray(r[6].as<std::string>());
    event.error = fromPgText(r[7]);
    event.zohoCalls = r[8].as<qint64>();
    event.zohoCallsSaved = r[9].as<qint64>();
    return event;
}

}  // namespace

QString webhookOutcomeName(WebhookOutcome outcome)
{
    switch (outcome) {
    case WebhookOutcome::Received:
        return QStringLiteral("received");
    case WebhookOutcome::Processed:
        return QStringLiteral("processed");
    case WebhookOutcome::Unchanged:
        return QStringLiteral("unchanged");
    case WebhookOutcome::Rejected:
        return QStringLiteral("rejected");
    case WebhookOutcome::Failed:
        return QStringLiteral("failed");
    }
    return {};
}

std::optional<WebhookOutcome> webhookOutcomeFromName(const QString &name)
{
    for (WebhookOutcome outcome : {WebhookOutcome::Received, WebhookOutcome::Processed, WebhookOutcome::Unchanged,
                                   WebhookOutcome::Rejected, WebhookOutcome::Failed}) {
        if (name == webhookOutcomeName(outcome))
            return outcome;
    }
    return std::nullopt;
}

WebhookEventRepository::WebhookEventRepository(PgConnection &connection)
    : m_connection(connection)
{
}

Result<bool> WebhookEventRepository::record(const Event &event)
{
    if (event.idempotencyKey.isEmpty())
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("webhook event without idempotency key"));
    bool isNew = false;
    Status status = m_connection.transaction(
        QStringLiteral("recording webhook event"),
        [&](pqxx::transaction_base &txn) -> Status {
            const auto result = txn.exec_params(
                "INSERT INTO tiersync.webhook_events (idempotency_key, received_at, source,"
                " entity_type, entity_id, outcome, invalidated_keys, error)"
                " VALUES ($1, coalesce($2::timestamptz, now()), $3, $4, $5, $6, $7::text[], $8)"
                " ON CONFLICT (idempotency_key) DO NOTHING",
                event.idempotencyKey.toStdString(), toPgTimestamp(event.receivedAt),
                event.source.toStdString(), optionalText(event.entityType),
                optionalText(event.entityId),
                webhookOutcomeName(event.outcome).toStdString(),
                toPgTextArray(event.invalidatedKeys), optionalText(event.error));
            isNew = result.affected_rows() == 1;
            return {};
        },
        // Never replayed: if the commit got through but its answer was lost, a replay
        // would find the row this very call stored, report "not new", and the event
        // would never be processed. The caller sees the error and the sender retries.
        Idempotency::NotIdempotent);
    if (!status)
        return status.error();
    return isNew;
}

Status WebhookEventRepository::updateOutcome(const QString &idempotencyKey, WebhookOutcome outcome,
                                             const QStringList &invalidatedKeys,
                                             const QString &error, qint64 zohoCalls, qint64 zohoCallsSaved)
{
    return m_connection.transaction(
        QStringLiteral("updating webhook event"),
        [&](pqxx::transaction_base &txn) -> Status {
            const auto result = txn.exec_params(
                "UPDATE tiersync.webhook_events SET outcome = $2, invalidated_keys = $3::text[],"
                " error = $4, zoho_calls = $5, zoho_calls_saved = $6 WHERE idempotency_key = $1",
                idempotencyKey.toStdString(), webhookOutcomeName(outcome).toStdString(),
                toPgTextArray(invalidatedKeys), optionalText(error), zohoCalls, zohoCallsSaved);
            if (result.affected_rows() != 1)
                return makeError(ErrorKind::NotFound, QStringLiteral("no webhook event with that key"));
            return {};
        },
        Idempotency::Idempotent);
}

Result<std::optional<WebhookEventRepository::Event>> WebhookEventRepository::get(
    const QString &idempotencyKey)
{
    std::optional<Event> found;
    Status status = m_connection.transaction(
        QStringLiteral("reading webhook event"),
        [&](pqxx::transaction_base &txn) -> Status {
            const auto result = txn.exec_params("SELECT " + eventColumns()
                                                    + " FROM tiersync.webhook_events"
                                                      " WHERE idempotency_key = $1",
                                                idempotencyKey.toStdString());
            found.reset();
            if (result.empty())
                return {};
            auto event = toEvent(result[0]);
            if (!event)
                return event.error();
            found = std::move(*event);
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return found;
}

Result<QList<WebhookEventRepository::Event>> WebhookEventRepository::recent(int limit,
                                                                           const QString &source)
{
    QList<Event> events;
    Status status = m_connection.transaction(
        QStringLiteral("listing webhook events"),
        [&](pqxx::transaction_base &txn) -> Status {
            events.clear();
            for (const auto &r : txn.exec_params("SELECT " + eventColumns()
                                                     + " FROM tiersync.webhook_events"
                                                       " WHERE $1::text IS NULL OR source = $1"
                                                       " ORDER BY received_at DESC, id DESC LIMIT $2",
                                                 optionalText(source), limit)) {
                auto event = toEvent(r);
                if (!event)
                    return event.error();
                events << std::move(*event);
            }
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return events;
}

}  // namespace tiersync
