#pragma once

#include "core/result.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace tiersync {

class PgConnection;

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
        QString outcome = QStringLiteral("received");
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
    [[nodiscard]] Status updateOutcome(const QString &idempotencyKey, const QString &outcome,
                                       const QStringList &invalidatedKeys,
                                       const QString &error = {}, qint64 zohoCalls = 0,
                                       qint64 zohoCallsSaved = 0);
    [[nodiscard]] Result<std::optional<Event>> get(const QString &idempotencyKey);
    // Newest first, optionally of one source.
    [[nodiscard]] Result<QList<Event>> recent(int limit, const QString &source = {});

private:
    PgConnection &m_connection;
};

}  // namespace tiersync
