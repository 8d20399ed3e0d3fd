#include "webhook/webhookprocessor.h"

#include "cache/cachekeys.h"
#include "cache/endpointregistry.h"
#include "cache/statsstore.h"
#include "cache/zohocallstore.h"
#include "core/jsonfile.h"
#include "core/logging.h"
#include "redis/redisconnection.h"
#include "store/entityrepository.h"
#include "store/pgconnection.h"
#include "store/webhookeventrepository.h"
#include "sync/contenthasher.h"
#include "webhook/channelrepository.h"
#include "webhook/crmnotification.h"
#include "webhook/webhookverifier.h"
#include "zoho/awaitresult.h"
#include "zoho/zohoapi.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFuture>
#include <QJsonArray>
#include <QJsonDocument>
#include <QHash>
#include <QSet>
#include <QUrlQuery>

#include <algorithm>

namespace tiersync {

namespace {

const QString kCrm = QStringLiteral("crm");
const QString kBooks = QStringLiteral("books");
constexpr qsizetype kMaxRecordedIds = 20;  // webhook_events.entity_id stays readable
// A delivery still "received" after this long was abandoned mid-way (the process died):
// its redelivery is processed. Far above any real processing time (Zoho calls time out).
constexpr qint64 kAbandonedAfterSeconds = 300;

WebhookHandler::Answer jsonAnswer(int status, const QJsonObject &body)
{
    return {status, QJsonDocument(body).toJson(QJsonDocument::Compact)};
}

// Details are ours, never an echo of the input.
WebhookHandler::Answer errorAnswer(int status, const QString &code, const QString &detail)
{
    return jsonAnswer(status, QJsonObject{{QStringLiteral("error"), code}, {QStringLiteral("detail"), detail}});
}

QString errorCodeFor(int status)
{
    switch (status) {
    case 400: return QStringLiteral("bad_request");
    case 401: return QStringLiteral("unauthorized");
    case 404: return QStringLiteral("not_found");
    case 413: return QStringLiteral("payload_too_large");
    case 503: return QStringLiteral("unavailable");
    default: return QStringLiteral("internal_error");
    }
}

QString idText(const QJsonValue &value)
{
    if (value.isString())
        return value.toString();
    if (value.isDouble())
        return QString::number(value.toInteger());
    return {};
}

// Which endpoints the registry's entities feed (the endpoints are the built-in ones).
Result<CommitStep::Layout> layoutFor(const EntityRegistry &registry)
{
    auto endpoints = EndpointRegistry::builtIn();
    if (!endpoints)
        return endpoints.error();
    return CommitStep::layout(registry, *endpoints);
}

QString recordedIds(const QStringList &ids)
{
    if (ids.size() <= kMaxRecordedIds)
        return ids.join(QLatin1Char(','));
    return ids.first(kMaxRecordedIds).join(QLatin1Char(',')) + QStringLiteral(",…(%1 ids)").arg(ids.size());
}

QString bodyKey(const QString &source, const QByteArray &body)
{
    return source + QLatin1Char(':')
        + QString::fromLatin1(QCryptographicHash::hash(body, QCryptographicHash::Sha256).toHex());
}

// Zoho Billing's documented scheme signs the query/form pairs, sorted, as "keyvalue",
// followed by the raw body; with no query that is the body alone.
QByteArray signedQueryPrefix(const QByteArray &rawQuery)
{
    QList<QPair<QString, QString>> items = QUrlQuery(QString::fromUtf8(rawQuery)).queryItems(QUrl::FullyDecoded);
    std::sort(items.begin(), items.end());
    QByteArray prefix;
    for (const auto &item : items)
        prefix += item.first.toUtf8() + item.second.toUtf8();
    return prefix;
}

}  // namespace

WebhookProcessor::WebhookProcessor(EntityRegistry registry, PgSettings pg, RedisSettings redis,
                                   ZohoClient *zohoClient, WebhookSettings settings,
                                   CachingEnabled cachingEnabled, EpochClock clock)
    : m_registry(std::move(registry))
    , m_pg(std::move(pg))
    , m_redis(std::move(redis))
    , m_zohoClient(zohoClient)
    , m_settings(std::move(settings))
    , m_cachingEnabled(std::move(cachingEnabled))
    , m_clock(orSystemEpochClock(std::move(clock)))
    , m_layout(layoutFor(m_registry))
{
    if (!m_layout)
        qCWarning(lcHttp) << "webhook: no commit layout, deliveries will fail:" << m_layout.error().toString();
}

WebhookProcessor::~WebhookProcessor() = default;

bool WebhookProcessor::cachingEnabled() const
{
    return !m_cachingEnabled || m_cachingEnabled();
}

WebhookHandler::Answer WebhookProcessor::handle(const Delivery &delivery)
{
    if (delivery.source != kCrm && delivery.source != kBooks)
        return errorAnswer(404, errorCodeFor(404), QStringLiteral("no such webhook"));
    if (delivery.body.isEmpty())
        return errorAnswer(400, errorCodeFor(400), QStringLiteral("empty body"));
    if (delivery.body.size() > m_settings.maxBodyBytes)
        return errorAnswer(413, errorCodeFor(413),
                           QStringLiteral("body larger than %1 bytes").arg(m_settings.maxBodyBytes));
    return delivery.source == kCrm ? handleCrm(delivery) : handleBooks(delivery);
}

WebhookHandler::Answer WebhookProcessor::handleCrm(const Delivery &delivery)
{
    auto notification = CrmNotification::parse(delivery.body);
    if (!notification)
        return errorAnswer(400, errorCodeFor(400), notification.error().message);
    if (!notification->hasToken
        || !WebhookVerifier::tokenMatches(m_settings.crmToken.reveal().toUtf8(), notification->token))
        return errorAnswer(401, errorCodeFor(401), QStringLiteral("missing or wrong token"));
    Accepted accepted;
    accepted.source = kCrm;
    accepted.channelId = notification->channelId;
    for (const EntityDefinition &entity : m_registry.entities())
        if (entity.source == EntityDefinition::Source::Crm && entity.module == notification->module)
            accepted.entity = &entity;
    QSet<QString> seen;
    for (const QString &id : std::as_const(notification->ids)) {
        if (!cachekeys::isValidZohoId(id))
            ++accepted.skippedIds;
        else if (!seen.contains(id)) {
            seen.insert(id);
            accepted.ids.append(id);
        }
    }
    accepted.idempotencyKey = notification->idempotencyKey(accepted.ids);
    const QString entityType = accepted.entity ? accepted.entity->name : QString();
    if (!accepted.entity)
        return reject(kCrm, accepted.idempotencyKey, entityType, 400, QStringLiteral("unknown module"), accepted.channelId);
    if (notification->ids.size() > m_settings.maxIdsPerDelivery)
        return reject(kCrm, accepted.idempotencyKey, entityType, 413,
                      QStringLiteral("more than %1 ids in one notification").arg(m_settings.maxIdsPerDelivery),
                      accepted.channelId);
    if (accepted.ids.isEmpty())
        return reject(kCrm, accepted.idempotencyKey, entityType, 400, QStringLiteral("no valid record id"), accepted.channelId);

    accepted.ignoredValues = notification->ignoredAffectedValues;

    const EntityDefinition *entity = accepted.entity;
    // An update's changed values (affected_values) stand in for a fetch where provably
    // right; inserts and deletes are always fetched (a delete's 204 is the proof).
    const bool update = notification->operation == QLatin1String("update");
    const QHash<QString, QJsonObject> values = update ? notification->affectedValues : QHash<QString, QJsonObject>();
    const qint64 serverTimeMs = notification->serverTimeMs();
    const auto fetch = [this, entity, &accepted, &values, serverTimeMs](ZohoCalls &calls) -> Result<QList<Fetched>> {
        QList<Fetched> made = fromNotification(*entity, accepted.ids, values, serverTimeMs);
        QSet<QString> madeIds;
        for (const Fetched &item : std::as_const(made))
            madeIds.insert(item.id);
        QStringList toFetch;
        for (const QString &id : accepted.ids)
            if (!madeIds.contains(id))
                toFetch.append(id);
        calls.saved = getRecordsCalls(accepted.ids.size()) - getRecordsCalls(toFetch.size());
        auto fetched = fetchCrm(*entity, toFetch, calls.made);
        if (!fetched)
            return fetched.error();
        return made + *fetched;
    };
    const auto refetch = [this, entity](const QStringList &ids, ZohoCalls &calls) -> Result<QList<Fetched>> {
        const qint64 before = calls.made;
        auto fetched = fetchCrm(*entity, ids, calls.made);
        calls.saved = std::max<qint64>(0, calls.saved - (calls.made - before));
        return fetched;
    };
    return process(accepted, fetch, refetch);
}

WebhookHandler::Answer WebhookProcessor::handleBooks(const Delivery &delivery)
{
    if (!m_settings.booksSecret.isEmpty()) {
        const QByteArray signature = delivery.headers.value(QByteArrayLiteral("x-zoho-webhook-signature"));
        const QByteArray secret = m_settings.booksSecret.reveal().toUtf8();
        const bool valid = !signature.isEmpty()
            && (WebhookVerifier::signatureMatches(secret, delivery.body, signature)
                || (!delivery.rawQuery.isEmpty()
                    && WebhookVerifier::signatureMatches(secret, signedQueryPrefix(delivery.rawQuery) + delivery.body,
                                                         signature)));
        if (!valid)
            return errorAnswer(401, errorCodeFor(401), QStringLiteral("missing or wrong signature"));
    }
    auto parsed = parseJsonObject(delivery.body);
    if (!parsed)
        return errorAnswer(400, errorCodeFor(400), QStringLiteral("the body is not a JSON object"));
    const QJsonObject object = *parsed;

    // Redelivery of the same event repeats the same body (its modification time moves
    // with every change), so the body's hash identifies the delivery.
    Accepted accepted;
    accepted.source = kBooks;
    accepted.idempotencyKey = bodyKey(kBooks, delivery.body);
    int matches = 0;
    for (const EntityDefinition &entity : m_registry.entities()) {
        if (entity.source == EntityDefinition::Source::Books && object.value(entity.entityKey).isObject()) {
            accepted.entity = &entity;
            ++matches;
        }
    }
    if (matches != 1)
        return reject(kBooks, accepted.idempotencyKey, {}, 400,
                      matches == 0 ? QStringLiteral("unknown entity") : QStringLiteral("more than one entity"));
    const QJsonObject record = object.value(accepted.entity->entityKey).toObject();
    const QString id = idText(record.value(accepted.entity->idField));
    if (!cachekeys::isValidZohoId(id))
        return reject(kBooks, accepted.idempotencyKey, accepted.entity->name, 400,
                      QStringLiteral("no valid entity id"));
    accepted.ids = {id};
    return process(accepted, [&](ZohoCalls &) -> Result<QList<Fetched>> {
        return QList<Fetched>{Fetched{id, record, false, {}}};
    });
}

// Best effort, when no state write took the calls along: a failure here never fails
// the delivery (the count is the organisation's budget gauge, not data).
void WebhookProcessor::recordZohoCalls(qint64 zohoCalls)
{
    Status added = ZohoCallStore(RedisConnection::forCurrentThread(m_redis))
                       .add(StatsStore::epochMinute(m_clock()), ZohoCallPurpose::Webhook, quint64(zohoCalls));
    if (!added)
        qCDebug(lcHttp) << "webhook:" << zohoCalls << "Zoho call(s) not counted:" << added.error().toString();
}

// The channel a CRM notification came on counts it (tiersync.notification_channels), once
// per distinct delivery: a redelivery Zoho makes of the same notification is not a new
// one. Best effort: the count never decides the answer.
void WebhookProcessor::countOnChannel(const QString &channelId)
{
    if (channelId.isEmpty())
        return;
    if (auto counted = ChannelRepository(PgConnection::forCurrentThread(m_pg))
                           .recordNotification(channelId, QDateTime::fromMSecsSinceEpoch(m_clock(), Qt::UTC));
        !counted)
        qCWarning(lcHttp) << "webhook: cannot count the channel's notification:" << counted.error().toString();
}

WebhookHandler::Answer WebhookProcessor::reject(const QString &source, const QString &idempotencyKey,
                                                const QString &entityType, int status, const QString &detail,
                                                const QString &channelId)
{
    WebhookEventRepository::Event event;
    event.idempotencyKey = idempotencyKey;
    event.source = source;
    event.entityType = entityType;
    event.outcome = WebhookOutcome::Rejected;
    event.error = detail;
    auto recorded = WebhookEventRepository(PgConnection::forCurrentThread(m_pg)).record(event);
    if (!recorded)
        qCWarning(lcHttp) << "webhook: could not record a rejected delivery:" << recorded.error().toString();
    else if (*recorded)
        countOnChannel(channelId);
    return errorAnswer(status, errorCodeFor(status), detail);
}

WebhookHandler::Answer WebhookProcessor::process(const Accepted &accepted, const Fetch &fetch,
                                                 const Refetch &refetch)
{
    WebhookEventRepository events(PgConnection::forCurrentThread(m_pg));
    WebhookEventRepository::Event event;
    event.idempotencyKey = accepted.idempotencyKey;
    event.source = accepted.source;
    event.entityType = accepted.entity->name;
    event.entityId = recordedIds(accepted.ids);
    auto isNew = events.record(event);
    if (!isNew) {
        qCWarning(lcHttp) << "webhook: cannot record delivery:" << isNew.error().toString();
        return errorAnswer(503, errorCodeFor(503), QStringLiteral("cannot record the delivery; retry later"));
    }
    bool force = !cachingEnabled();
    if (*isNew) {
        countOnChannel(accepted.channelId);
    } else {
        auto existing = events.get(accepted.idempotencyKey);
        if (!existing)
            return errorAnswer(503, errorCodeFor(503), QStringLiteral("cannot read the delivery; retry later"));
        const bool abandoned = existing->has_value() && (*existing)->outcome == WebhookOutcome::Received
            && (*existing)->receivedAt.isValid()
            && (*existing)->receivedAt.secsTo(QDateTime::currentDateTimeUtc()) > kAbandonedAfterSeconds;
        if (!existing->has_value() || ((*existing)->outcome != WebhookOutcome::Failed && !abandoned))
            return jsonAnswer(200, QJsonObject{
                                       {QStringLiteral("status"), QStringLiteral("duplicate")},
                                       {QStringLiteral("idempotency_key"), accepted.idempotencyKey},
                                       {QStringLiteral("outcome"),
                                        existing->has_value() ? webhookOutcomeName((*existing)->outcome) : QString()},
                                   });
        force = true;  // the first attempt failed or died part-way: finish its work unconditionally
    }

    Applied applied;
    ZohoCalls calls;
    auto fetched = fetch(calls);
    if (!fetched)
        applied.error = QStringLiteral("fetching from Zoho: ") + fetched.error().toString();
    else
        applied = apply(*accepted.entity, *fetched, force, calls.made);
    qint64 uncounted = applied.zohoCallsCounted ? 0 : calls.made;
    if (applied.error.isEmpty() && !applied.conflicted.isEmpty() && refetch) {
        // Records made from the notification whose row another writer changed first:
        // fetched after all, and committed like any fetched record.
        const qint64 before = calls.made;
        auto again = refetch(applied.conflicted, calls);
        Applied second;
        if (!again)
            second.error = QStringLiteral("fetching from Zoho: ") + again.error().toString();
        else
            second = apply(*accepted.entity, *again, force, calls.made - before);
        uncounted += second.zohoCallsCounted ? 0 : calls.made - before;
        applied.changed += second.changed;
        applied.unchanged += second.unchanged;
        applied.deleted += second.deleted;
        applied.refused += second.refused;
        applied.invalidatedKeys += second.invalidatedKeys;
        applied.error = second.error;
    }
    if (uncounted > 0)
        recordZohoCalls(uncounted);

    WebhookOutcome outcome = WebhookOutcome::Unchanged;
    if (!applied.error.isEmpty())
        outcome = WebhookOutcome::Failed;
    else if (applied.changed + applied.deleted > 0)
        outcome = WebhookOutcome::Processed;
    QStringList notes;
    if (!applied.error.isEmpty())
        notes << applied.error;
    if (accepted.skippedIds > 0)
        notes << QStringLiteral("skipped %1 invalid id(s)").arg(accepted.skippedIds);
    if (accepted.ignoredValues > 0)
        notes << QStringLiteral("ignored %1 affected_values entr%2").arg(accepted.ignoredValues)
                     .arg(accepted.ignoredValues == 1 ? QStringLiteral("y") : QStringLiteral("ies"));
    if (applied.fromNotification > 0)
        notes << QStringLiteral("%1 record(s) from the notification's values").arg(applied.fromNotification);
    if (applied.refused > 0)
        notes << QStringLiteral("Zoho refused %1 id(s)").arg(applied.refused);
    const QString note = notes.join(QStringLiteral("; "));
    if (Status updated = events.updateOutcome(accepted.idempotencyKey, outcome, applied.invalidatedKeys, note,
                                              calls.made, calls.saved);
        !updated)
        qCWarning(lcHttp) << "webhook: cannot record the outcome:" << updated.error().toString();
    if (outcome == WebhookOutcome::Failed) {
        qCWarning(lcHttp) << "webhook" << accepted.idempotencyKey << "failed:" << applied.error;
        return errorAnswer(503, errorCodeFor(503), QStringLiteral("processing failed; retry later"));
    }
    return jsonAnswer(200, QJsonObject{
                               {QStringLiteral("status"), webhookOutcomeName(outcome)},
                               {QStringLiteral("idempotency_key"), accepted.idempotencyKey},
                               {QStringLiteral("entity_type"), accepted.entity->name},
                               {QStringLiteral("records"), accepted.ids.size()},
                               {QStringLiteral("changed"), applied.changed},
                               {QStringLiteral("unchanged"), applied.unchanged},
                               {QStringLiteral("deleted"), applied.deleted},
                               {QStringLiteral("skipped_ids"), accepted.skippedIds + applied.refused},
                               {QStringLiteral("from_notification"), applied.fromNotification},
                               {QStringLiteral("zoho_calls"), calls.made},
                               {QStringLiteral("zoho_calls_saved"), calls.saved},
                               {QStringLiteral("invalidated_keys"), QJsonArray::fromStringList(applied.invalidatedKeys)},
                           });
}

WebhookProcessor::Applied WebhookProcessor::apply(const EntityDefinition &entity, const QList<Fetched> &fetched,
                                                  bool force, qint64 zohoCalls)
{
    Applied applied;
    if (!m_layout) {
        applied.error = m_layout.error().toString();
        return applied;
    }
    PgConnection &pg = PgConnection::forCurrentThread(m_pg);
    EntityRepository repository(pg);
    ContentHasher hasher;
    CommitStep::Batch batch;
    for (const Fetched &item : fetched) {
        if (item.refused) {
            ++applied.refused;
            continue;
        }
        // The unchanged shortcut: a notification for a record whose content is what we
        // have writes nothing. The commit step reads the row again, locked.
        auto stored = repository.get(entity.name, item.id);
        if (!stored) {
            applied.error = stored.error().toString();
            return applied;
        }
        const bool live = stored->has_value() && !(*stored)->deletedAt.isValid();
        if (!item.record) {
            if (live)
                batch.deletedIds.append(item.id);
            else
                ++applied.unchanged;  // gone here too, or never known
            continue;
        }
        const QString hash = hasher.hash(*item.record, entity.volatileFields);
        if (!force && live && (*stored)->row.contentHash == hash) {
            ++applied.unchanged;
            continue;
        }
        batch.upserts.append(CommitStep::Upsert{item.id, hash, *item.record, item.baseHash});
    }
    if (batch.upserts.isEmpty() && batch.deletedIds.isEmpty())
        return applied;

    // The delivery's Zoho calls ride along in the same round trip.
    batch.countingCommands = ZohoCallStore::addCommands(StatsStore::epochMinute(m_clock()), ZohoCallPurpose::Webhook,
                                                        quint64(zohoCalls));
    CommitStep::Options options;
    options.stateTtlSeconds = m_settings.stateTtlSeconds;
    options.cachingEnabled = cachingEnabled();
    options.clock = m_clock;
    CommitStep step(entity, *m_layout, pg, RedisConnection::forCurrentThread(m_redis));
    auto committed = step.commit(batch, options);
    if (!committed) {
        applied.error = committed.error().toString();
        return applied;
    }
    applied.changed = committed->rowsUpserted;
    applied.deleted = committed->rowsDeleted;
    applied.conflicted = committed->conflicted;
    for (const CommitStep::Upsert &upsert : std::as_const(batch.upserts))
        if (!upsert.expectedHash.isEmpty() && !applied.conflicted.contains(upsert.id))
            ++applied.fromNotification;
    if (!committed->redisWritten) {
        // Committed, but the states and keys are not in Redis: failed, so Zoho redelivers
        // and the redelivery (processed without the shortcut) completes them.
        applied.error = QStringLiteral("writing to Redis: ") + committed->redisError.toString();
        return applied;
    }
    applied.zohoCallsCounted = committed->countingApplied && zohoCalls > 0;
    for (const QByteArray &key : std::as_const(committed->touchedKeys))
        applied.invalidatedKeys.append(QString::fromUtf8(key));
    return applied;
}

}  // namespace tiersync
