#include "console/cacheadminworker.h"

#include "cache/endpointregistry.h"
#include "console/connectioncheck.h"
#include "console/consoleuser.h"
#include "redis/redisconnection.h"
#include "store/pgconnection.h"
#include "store/settingsrepository.h"
#include "sync/cacheinvalidator.h"
#include "sync/cachewarmer.h"
#include "sync/entityregistry.h"

namespace tiersync {

namespace {

// Warming touches PostgreSQL (rows, the switch) and Redis; the error says which.
QString describeWarmError(const Error &error)
{
    if (error.kind == ErrorKind::Conflict)
        return QObject::tr("Caching is off, and while it is off nothing may be written to Redis. "
                           "Turn caching on to warm the cache.");
    if (error.kind == ErrorKind::InvalidArgument)
        return error.message;
    const bool redis = error.message.contains(QLatin1String("redis"), Qt::CaseInsensitive);
    return describeForAdmin(redis ? ConnectionCheck::Service::Redis : ConnectionCheck::Service::Postgres, error);
}

}  // namespace

CacheAdminWorker::CacheAdminWorker(QObject *parent) : QObject(parent) {}

CacheAdminWorker::~CacheAdminWorker() = default;

void CacheAdminWorker::cancel(quint64 requestId)
{
    QMutexLocker lock(&m_mutex);
    m_cancelRequest = requestId;
    if (m_running && m_runningRequest == requestId)
        m_running->cancel();
}

void CacheAdminWorker::setServicesPool(std::shared_ptr<EngineServicesPool> pool)
{
    m_profile.setPool(std::move(pool));
}

void CacheAdminWorker::setProfile(const ConnectionProfile &profile)
{
    m_profile.set(profile);
}

bool CacheAdminWorker::ensureMigrated(QString *error)
{
    if (!m_profile.isSet()) {
        *error = tr("No connection profile is active yet.");
        return false;
    }
    if (auto migrated = m_profile.ensureMigrated(); !migrated) {
        *error = describeForAdmin(ConnectionCheck::Service::Postgres, migrated.error());
        return false;
    }
    return true;
}

void CacheAdminWorker::warmEntities(quint64 requestId, const QString &entityType)
{
    warm(requestId, CacheActionResult::Kind::WarmEntities, entityType);
}

void CacheAdminWorker::warmEndpoints(quint64 requestId, const QString &endpoint)
{
    warm(requestId, CacheActionResult::Kind::WarmEndpoints, endpoint);
}

void CacheAdminWorker::warm(quint64 requestId, CacheActionResult::Kind kind, const QString &target)
{
    CacheActionResult result;
    result.requestId = requestId;
    result.kind = kind;
    result.target = target;
    QString error;
    auto endpoints = EndpointRegistry::builtIn();
    auto entities = EntityRegistry::builtIn();
    if (!endpoints || !entities) {
        result.error = !endpoints ? endpoints.error().message : entities.error().message;
    } else if (kind == CacheActionResult::Kind::WarmEntities && !target.isEmpty() && !entities->find(target)) {
        result.error = tr("“%1” is not an entity type (known: %2).").arg(target, entities->names().join(QStringLiteral(", ")));
    } else if (!ensureMigrated(&error)) {
        result.error = error;
    }
    if (!result.error.isEmpty()) {
        Q_EMIT actionFinished(result);
        return;
    }

    CacheWarmer warmer(m_profile.profile().pg, m_profile.profile().redis, *endpoints);
    qint64 done = 0;
    // Direct: the warmer reports on this thread, which is busy until it ends.
    connect(&warmer, &CacheWarmer::progress, this,
            [this, requestId, &done](qint64 soFar, qint64 total) {
                done = soFar;
                Q_EMIT actionProgress(requestId, soFar, total);
            },
            Qt::DirectConnection);
    {
        QMutexLocker lock(&m_mutex);
        m_running = &warmer;
        m_runningRequest = requestId;
        if (m_cancelRequest == requestId)
            warmer.cancel();
    }
    const Result<CacheWarmer::Report> report = kind == CacheActionResult::Kind::WarmEntities
                                                   ? warmer.warmEntities(target.isEmpty() ? entities->names()
                                                                                          : QStringList{target})
                                                   : warmer.warmEndpoints(target);
    {
        QMutexLocker lock(&m_mutex);
        m_running = nullptr;
    }
    if (report) {
        result.ok = true;
        result.rows = report->rows;
        result.keys = report->keys;
        result.skipped = report->skipped;
        result.durationMs = report->durationMs;
    } else if (report.error().kind == ErrorKind::Cancelled) {
        result.cancelled = true;
        result.rows = done;
        result.error = tr("Cancelled after %1 rows; the keys written so far stay.").arg(done);
    } else {
        result.error = describeWarmError(report.error());
    }
    Q_EMIT actionFinished(result);
}

void CacheAdminWorker::invalidateEndpoint(quint64 requestId, const QString &endpoint, bool dryRun)
{
    invalidate(requestId, CacheActionResult::Kind::InvalidateEndpoint, endpoint, dryRun);
}

void CacheAdminWorker::invalidateEntityType(quint64 requestId, const QString &entityType, bool dryRun)
{
    invalidate(requestId, CacheActionResult::Kind::InvalidateEntityType, entityType, dryRun);
}

void CacheAdminWorker::invalidate(quint64 requestId, CacheActionResult::Kind kind, const QString &target, bool dryRun)
{
    CacheActionResult result;
    result.requestId = requestId;
    result.kind = kind;
    result.target = target;
    result.dryRun = dryRun;
    {
        QMutexLocker lock(&m_mutex);
        if (m_cancelRequest == requestId) {
            result.cancelled = true;
            result.error = tr("Cancelled before it began; nothing was removed.");
            Q_EMIT actionFinished(result);
            return;
        }
    }
    auto endpoints = EndpointRegistry::builtIn();
    auto entities = EntityRegistry::builtIn();
    if (!m_profile.isSet()) {
        result.error = tr("No connection profile is active yet.");
    } else if (!endpoints || !entities) {
        result.error = !endpoints ? endpoints.error().message : entities.error().message;
    } else if (target.isEmpty()) {
        result.error = tr("Choose an endpoint or an entity type to invalidate.");
    }
    if (!result.error.isEmpty()) {
        Q_EMIT actionFinished(result);
        return;
    }
    RedisConnection &redis = RedisConnection::forCurrentThread(m_profile.profile().redis);
    CacheInvalidator invalidator(redis, endpoints->names(), entities->names());
    invalidator.setProgress([this, requestId](qint64 soFar) { Q_EMIT actionProgress(requestId, soFar, -1); });
    const Result<qint64> keys = kind == CacheActionResult::Kind::InvalidateEndpoint
                                    ? invalidator.endpoint(target, dryRun)
                                    : invalidator.entityType(target, dryRun);
    if (keys) {
        result.ok = true;
        result.keys = *keys;
    } else {
        result.error = keys.error().kind == ErrorKind::InvalidArgument
                           ? keys.error().message
                           : describeForAdmin(ConnectionCheck::Service::Redis, keys.error());
    }
    Q_EMIT actionFinished(result);
}

void CacheAdminWorker::loadCaching()
{
    QString error;
    if (!ensureMigrated(&error)) {
        Q_EMIT cachingFailed(error);
        return;
    }
    SettingsRepository settings(PgConnection::forCurrentThread(m_profile.profile().pg));
    auto entry = settings.get(QLatin1String(SettingsRepository::kCachingEnabled));
    auto enabled = settings.cachingEnabled();
    if (!entry || !enabled) {
        Q_EMIT cachingFailed(describeForAdmin(ConnectionCheck::Service::Postgres, !entry ? entry.error() : enabled.error()));
        return;
    }
    CachingState state;
    state.enabled = *enabled;
    if (entry->has_value()) {
        state.updatedAt = (*entry)->updatedAt;
        state.updatedBy = (*entry)->updatedBy;
    }
    Q_EMIT cachingLoaded(state);
}

void CacheAdminWorker::setCachingEnabled(bool enabled)
{
    QString error;
    if (!ensureMigrated(&error)) {
        Q_EMIT cachingFailed(error);
        return;
    }
    SettingsRepository settings(PgConnection::forCurrentThread(m_profile.profile().pg));
    if (Status set = settings.setCachingEnabled(enabled, consoleUserName()); !set) {
        Q_EMIT cachingFailed(tr("The switch was not changed. %1")
                                 .arg(describeForAdmin(ConnectionCheck::Service::Postgres, set.error())));
        return;
    }
    loadCaching();
}

void CacheAdminWorker::loadWebhookEvents(int limit)
{
    QString error;
    if (!ensureMigrated(&error)) {
        Q_EMIT webhookEventsFailed(error);
        return;
    }
    auto events = WebhookEventRepository(PgConnection::forCurrentThread(m_profile.profile().pg)).recent(limit);
    if (!events) {
        Q_EMIT webhookEventsFailed(describeForAdmin(ConnectionCheck::Service::Postgres, events.error()));
        return;
    }
    Q_EMIT webhookEventsLoaded(*events);
}

}  // namespace tiersync
