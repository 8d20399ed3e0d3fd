#pragma once

#include "core/result.h"

#include <QDateTime>
#include <QMetaType>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace tiersync {

class PgConnection;

// How a webhook delivery ended (webhook_events.outcome). Received: recorded, still being
// processed (or abandoned mid-way by a process that died); Processed: records changed or
// deleted; Unchanged: nothing changed; Rejected: refused before processing (bad
// signature, unknown module…); Failed: processing failed, the sender retries.
enum class WebhookOutcome { Received, Processed, Unchanged, Rejected, Failed };

// The text webhook_events.outcome holds ("received", "processed"…), also the word the
// webhook's JSON answers and the console show.
[[nodiscard]] QString webhookOutcomeName(WebhookOutcome outcome);
// nullopt for a text no version of TierSync writes.
[[nodiscard]] std::optional<WebhookOutcome> webhookOutcomeFromName(const QString &name);

// tiersync.webhook_events: every webhook delivery, unique by idempotency key, so a
// redelivered webhook is recognised and not processed twice.
class WebhookEventRepository final {
public:
    struct Event {
        QString idempotencyKey;
        QDateTime receivedAt;          // invalid on record(): now()
        QString source;                // "books", "crm", "sim"…
        QString entityType;
        QString entityId;
        WebhookOutcome outcome = WebhookOutcome::Received;
        QStringList invalidatedKeys;   // Redis keys deleted because of it
        QString error;
        qint64 zohoCalls = 0;          // Zoho calls the delivery made
        qint64 zohoCallsSaved = 0;     // calls it did not need (records applied from the notification)
    };

    explicit WebhookEventRepository(PgConnection &connection);

    // Inserts the event unless its key is known; true when it was new. Safe to replay.
    [[nodiscard]] Result<bool> record(const Event &event);
    // Sets outcome, invalidated keys, error and Zoho calls of a recorded event; NotFound when the
    // key is unknown.
    [[nodiscard]] Status updateOutcome(const QString &idempotencyKey, WebhookOutcome outcome,
                                       const QStringList &invalidatedKeys,
                                       const QString &error = {}, qint64 zohoCalls = 0,
                                       qint64 zohoCallsSaved = 0);
    [[nodiscard]] Result<std::optional<Event>> get(const QString &idempotencyKey);
    // Newest first, optionally of one source. A row whose outcome this version cannot read
    // is a Protocol error naming the row, not a guess.
    [[nodiscard]] Result<QList<Event>> recent(int limit, const QString &source = {});

private:
    PgConnection &m_connection;
};

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::WebhookOutcome)
