#pragma once

#include <QByteArray>
#include <QHash>
#include <QString>

namespace tiersync {

// What the HTTP server hands a webhook to: `POST /webhooks/zoho/{source}`. The server
// only forwards the delivery (already size-capped); verification, parsing and processing
// belong to the implementation (model/webhook). Called concurrently from the server's
// worker threads; may block.
class WebhookHandler {
public:
    struct Delivery {
        QString source;                        // "crm", "books" (the last path segment)
        QHash<QByteArray, QByteArray> headers; // names in lower case; a repeated header: its last value
        QByteArray rawQuery;                   // after '?', undecoded
        QByteArray body;                       // raw, as received
    };
    struct Answer {
        int status = 500;
        QByteArray json;  // the response body, application/json
    };

    virtual ~WebhookHandler() = default;

    // The cap the server applies to webhook bodies before calling handle() (larger → 413).
    [[nodiscard]] virtual int maxBodyBytes() const = 0;
    [[nodiscard]] virtual Answer handle(const Delivery &delivery) = 0;
};

}  // namespace tiersync
