#pragma once

#include "core/epochclock.h"
#include "core/pgsettings.h"
#include "core/redissettings.h"
#include "core/result.h"
#include "server/webhookhandler.h"
#include "sync/commitstep.h"
#include "sync/entitydefinition.h"
#include "sync/entityregistry.h"
#include "webhook/webhooksettings.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

namespace tiersync {

class ZohoClient;

// The webhook endpoints' logic (`POST /webhooks/zoho/crm`, `POST /webhooks/zoho/books`).
//
// Each delivery, in order:
//  1. size: empty → 400, over maxBodyBytes → 413;
//  2. authenticity: CRM `token` (constant time) / Books `X-Zoho-Webhook-Signature`
//     (HMAC-SHA256 of the raw body, hex or base64) → 401 and nothing recorded;
//  3. shape: malformed JSON → 400 (nothing recorded: nothing trustworthy to record);
//     unknown module / entity, no valid id, too many ids → 400 / 413, recorded `rejected`.
//     Ids that are not Zoho ids ([A-Za-z0-9_-]{1,64}: never `*`, `3*`, `../`) are skipped
//     and counted; only the remaining named records are ever touched;
//  4. idempotency: recorded once in webhook_events by key; a repeated delivery → 200
//     `duplicate`, not processed again — unless its first processing `failed` (or was
//     abandoned: still `received` after 5 minutes), in which case it is processed again
//     (without the unchanged shortcut, so a half-done first attempt is completed);
//  5. the entity: CRM → GET the named records from Zoho by id (204 → deleted); Books → the
//     entity object in the body ({"item": …} / {"contact": …}). A CRM update whose
//     notification carries a record's changed values (affected_values) needs no GET for
//     it when its row is live and the notification provably newer (notificationdelta.h):
//     the stored payload + the delta, committed only while the row is still the one the
//     delta was applied to (else fetched after all). The calls made and saved are recorded
//     with the delivery (webhook_events.zoho_calls / zoho_calls_saved);
//  6. content hash unchanged (and caching on) → `unchanged`, no writes. Otherwise the
//     CommitStep: rows upserted (or marked deleted) and the affected students' snapshots
//     regrouped in one transaction, then the Redis states written and the students'
//     endpoint keys rewritten with the new payload (unlinked when the snapshot went, or
//     caching is off), so the very next read is answered from Redis with the change;
//  7. outcome (processed / unchanged / rejected / failed) and the keys invalidated are
//     recorded. Zoho, PostgreSQL or Redis failures → `failed` and 503, so the sender
//     retries and the retry is processed.
//
// Thread-safe: each calling thread uses its own PostgreSQL and Redis connections.
class WebhookProcessor final : public WebhookHandler {
public:
    using CachingEnabled = std::function<bool()>;

    // zohoClient may be null: CRM notifications are then answered 503 (they need Zoho).
    // cachingEnabled: with caching off webhooks never skip (null: always on).
    // clock: the minute of it a delivery's Zoho calls are counted in (null: the system clock).
    WebhookProcessor(EntityRegistry registry, PgSettings pg, RedisSettings redis, ZohoClient *zohoClient,
                     WebhookSettings settings, CachingEnabled cachingEnabled = {}, EpochClock clock = {});
    ~WebhookProcessor() override;
    Q_DISABLE_COPY_MOVE(WebhookProcessor)

    [[nodiscard]] int maxBodyBytes() const override { return m_settings.maxBodyBytes; }
    [[nodiscard]] Answer handle(const Delivery &delivery) override;

private:
    struct Fetched {
        QString id;
        std::optional<QJsonObject> record;  // nullopt: gone from Zoho
        bool refused = false;               // Zoho refused the id (4xx): skipped, never retried
        QString baseHash;  // set: made from the notification's values over the row with this hash
    };
    struct ZohoCalls {
        qint64 made = 0;
        qint64 saved = 0;  // Get Records calls the records applied from the notification did not need
    };
    using Fetch = std::function<Result<QList<Fetched>>(ZohoCalls &calls)>;
    using Refetch = std::function<Result<QList<Fetched>>(const QStringList &ids, ZohoCalls &calls)>;
    struct Applied {
        int changed = 0;
        int unchanged = 0;
        int deleted = 0;
        int refused = 0;
        QStringList invalidatedKeys;
        int fromNotification = 0;  // records written from the notification's values
        QStringList conflicted;    // such records whose row changed before the commit
        QString error;  // set: PostgreSQL or Redis failed
        bool zohoCallsCounted = false;  // the state write carried the delivery's Zoho calls
    };
    struct Accepted {
        const EntityDefinition *entity = nullptr;
        QString source;
        QString idempotencyKey;
        QStringList ids;
        int skippedIds = 0;
        QString channelId;  // CRM: the notification channel it came on
        int ignoredValues = 0;  // CRM: affected_values entries ignored (malformed, or another record's)
    };

    [[nodiscard]] Answer handleCrm(const Delivery &delivery);
    [[nodiscard]] Answer handleBooks(const Delivery &delivery);
    // Steps 4 to 7 for an accepted delivery; fetch produces the entities and sets the
    // Zoho calls it made (counted in ZohoCallStore, purpose webhook); refetch fetches the
    // records a commit found conflicted.
    [[nodiscard]] Answer process(const Accepted &accepted, const Fetch &fetch, const Refetch &refetch = {});
    // webhookprocessorcrm.cpp: Get Records by id (batched), and the records an update's
    // affected_values make without a call.
    [[nodiscard]] Result<QList<Fetched>> fetchCrm(const EntityDefinition &entity, const QStringList &ids,
                                                  qint64 &zohoCalls) const;
    [[nodiscard]] QList<Fetched> fromNotification(const EntityDefinition &entity, const QStringList &ids,
                                                  const QHash<QString, QJsonObject> &values, qint64 serverTimeMs);
    [[nodiscard]] Answer reject(const QString &source, const QString &idempotencyKey,
                                const QString &entityType, int status, const QString &detail,
                                const QString &channelId = {});
    [[nodiscard]] Applied apply(const EntityDefinition &entity, const QList<Fetched> &fetched, bool force,
                                qint64 zohoCalls);
    [[nodiscard]] static qint64 getRecordsCalls(qsizetype ids);  // batched calls for that many ids
    void recordZohoCalls(qint64 zohoCalls);
    void countOnChannel(const QString &channelId);
    [[nodiscard]] bool cachingEnabled() const;

    EntityRegistry m_registry;
    PgSettings m_pg;
    RedisSettings m_redis;
    ZohoClient *m_zohoClient;
    WebhookSettings m_settings;
    CachingEnabled m_cachingEnabled;
    EpochClock m_clock;
    Result<CommitStep::Layout> m_layout;  // the registry's entities and the built-in endpoints
};

}  // namespace tiersync
