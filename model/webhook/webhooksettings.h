#pragma once

#include "core/secret.h"

#include <QProcessEnvironment>

namespace tiersync {

// How the webhook endpoints verify and bound what they accept.
struct WebhookSettings final {
    static constexpr char kCrmTokenVariable[] = "TIERSYNC_WEBHOOK_CRM_TOKEN";
    static constexpr char kBooksSecretVariable[] = "TIERSYNC_WEBHOOK_BOOKS_SECRET";

    // The token chosen when the CRM notification channel was subscribed. Empty: every CRM
    // notification is refused (401) — an unauthenticated endpoint that makes us call Zoho
    // and write the database is not something to run by accident.
    Secret crmToken;
    // The Books webhook secret. Empty: Books posts are accepted unsigned (Zoho makes
    // signing optional); set: X-Zoho-Webhook-Signature is required.
    Secret booksSecret;
    // Larger bodies → 413. A CRM notification of kMaxIdsPerDelivery ids is about 3 KiB
    // and a Books entity a few KiB; this leaves room without letting a client make us
    // parse megabytes.
    int maxBodyBytes = 256 * 1024;
    // More ids in one CRM notification → 413, nothing processed (each id costs a Zoho
    // call made while the sender waits). Zoho batches notifications far below this.
    int maxIdsPerDelivery = 100;
    qint64 stateTtlSeconds = 24 * 3600;  // as the sync's (SyncOptions::stateTtlSeconds)

    [[nodiscard]] static WebhookSettings fromEnvironment(const QProcessEnvironment &environment);
};

}  // namespace tiersync
