#include "console/enginecacheadminservice.h"

#include "cache/endpointregistry.h"
#include "console/connectioncheck.h"
#include "console/consoleuser.h"
#include "host/engineservices.h"
#include "redis/redisconnection.h"
#include "store/pgconnection.h"
#include "store/settingsrepository.h"
#include "sync/cacheinvalidator.h"
#include "sync/cachewarmer.h"
#include "sync/entityregistry.h"

#include <variant>

namespace tiersync {

namespace {

constexpr auto kPostgres = ConnectionCheck::Service::Postgres;
constexpr auto kRedis = ConnectionCheck::Service::Redis;

CacheActionResult actionOn(CacheActionResult::Kind kind, const QString &target, bool dryRun)
{
    CacheActionResult action;
    action.kind = kind;
    action.target = target;
    action.dryRun = dryRun;
    return action;
}

struct Registries {
    EndpointRegistry endpoints;
    EntityRegistry entities;
};

// Both are compiled in: failing to read them is the engine's own fault, no server's.
std::variant<Registries, ServiceError> builtInRegistries()
{
    auto endpoints = EndpointRegistry::builtIn();
    if (!endpoints)
        return ServiceError{std::nullopt, endpoints.error()};
    auto entities = EntityRegistry::builtIn();
    if (!entities)
        return ServiceError{std::nullopt, entities.error()};
    return Registries{std::move(*endpoints), std::move(*entities)};
}

ServiceError noProfile()
{
    return {std::nullopt, makeError(ErrorKind::Unavailable, QObject::tr("No connection profile is active yet."))};
}

// The engine's own refusals (a bad argument, the compiled-in registries, the switch being
// off) come from no server; everything else failed on the server the warmer names.
ServiceError warmError(const Error &error, CacheWarmer::Server server)
{
    if (error.kind == ErrorKind::Conflict)
        return {std::nullopt,
                makeError(ErrorKind::Conflict, QObject::tr("Caching is off, and while it is off nothing may be written to "
                                                           "Redis. Turn caching on to warm the cache."))};
    if (error.kind == ErrorKind::InvalidArgument)
        return {std::nullopt, error};
    return {server == CacheWarmer::Server::Redis ? kRedis : kPostgres, error};
}

}  // namespace

EngineCacheAdminService::EngineCacheAdminService(std::shared_ptr<EngineServicesPool> pool, ConsoleClocks clocks,
                                                 std::shared_ptr<ServiceThread> loads, QObject *parent)
    : CacheAdminService(parent),
      m_clocks(std::move(clocks)),
      // One action at a time (the page starts one at a time), on a thread that ends with
      // it: no thread waits idle for the next warm.
      m_actions(QStringLiteral("console-cache-action")),
      m_lists(loads ? std::move(loads) : std::make_shared<ServiceThread>(QStringLiteral("console-cache-lists")))
{
    m_actionProfile.setPool(pool);
    m_actionProfile.setFallbackOptions(engineServicesOptions(m_clocks));
    m_listsProfile.setPool(std::move(pool));
    m_listsProfile.setFallbackOptions(engineServicesOptions(m_clocks));
}

EngineCacheAdminService::~EngineCacheAdminService()
{
    stop();
}

void EngineCacheAdminService::stop()
{
    if (m_stopped)
        return;
    m_stopped = true;
    m_actions.stop();
    m_lists.close();
}

void EngineCacheAdminService::answer(std::function<void()> emitter)
{
    // Dropped by Qt if the service is gone by then.
    QMetaObject::invokeMethod(this, std::move(emitter), Qt::QueuedConnection);
}

void EngineCacheAdminService::setProfile(const ConnectionProfile &profile)
{
    if (m_stopped)
        return;
    m_profile = profile;
    m_haveProfile = true;
    m_lists.post([this, profile] { m_listsProfile.set(profile); });
}

quint64 EngineCacheAdminService::warmEntities(const QString &entityType)
{
    return start(actionOn(CacheActionResult::Kind::WarmEntities, entityType, false));
}

quint64 EngineCacheAdminService::warmEndpoints(const QString &endpoint)
{
    return start(actionOn(CacheActionResult::Kind::WarmEndpoints, endpoint, false));
}

quint64 EngineCacheAdminService::invalidateEndpoint(const QString &endpoint, bool dryRun)
{
    return start(actionOn(CacheActionResult::Kind::InvalidateEndpoint, endpoint, dryRun));
}

quint64 EngineCacheAdminService::invalidateEntityType(const QString &entityType, bool dryRun)
{
    return start(actionOn(CacheActionResult::Kind::InvalidateEntityType, entityType, dryRun));
}

quint64 EngineCacheAdminService::start(CacheActionResult action)
{
    if (m_stopped)
        return 0;
    action.requestId = ++m_lastRequest;
    const Request request = action.isWarm() ? Request::Warm : Request::Invalidate;
    if (!m_haveProfile) {
        answer([this, request, id = action.requestId] { Q_EMIT failed(request, id, noProfile()); });
        return action.requestId;
    }
    m_actions.start(action.requestId, [this, action, profile = m_profile](const std::shared_ptr<CancelToken> &token) {
        execute(action, profile, *token);
    });
    return action.requestId;
}

void EngineCacheAdminService::cancel(quint64 request)
{
    m_actions.cancel(request);
}

void EngineCacheAdminService::execute(CacheActionResult action, const ConnectionProfile &profile, CancelToken &token)
{
    m_actionProfile.set(profile);
    std::optional<ServiceError> error;
    if (token.isCancelled())
        action.cancelled = true;  // never begun: nothing written, nothing removed
    else
        error = action.isWarm() ? warm(action, token) : invalidate(action);
    if (error) {
        answer([this, request = action.requestId, kind = action.isWarm() ? Request::Warm : Request::Invalidate,
                error = *error] {
            m_actions.finished(request);
            Q_EMIT failed(kind, request, error);
        });
        return;
    }
    answer([this, action] {
        m_actions.finished(action.requestId);
        Q_EMIT actionFinished(action);
    });
}

std::optional<ServiceError> EngineCacheAdminService::warm(CacheActionResult &action, CancelToken &token)
{
    auto registries = builtInRegistries();
    if (auto *error = std::get_if<ServiceError>(&registries))
        return *error;
    const EndpointRegistry &endpoints = std::get<Registries>(registries).endpoints;
    const EntityRegistry &entities = std::get<Registries>(registries).entities;
    if (action.kind == CacheActionResult::Kind::WarmEntities && !action.target.isEmpty()
        && !entities.find(action.target))
        return ServiceError{std::nullopt, makeError(ErrorKind::InvalidArgument,
                                                    tr("“%1” is not an entity type (known: %2).")
                                                        .arg(action.target, entities.names().join(QStringLiteral(", "))))};
    if (auto migrated = m_actionProfile.ensureMigrated(); !migrated)
        return ServiceError{kPostgres, migrated.error()};

    CacheWarmer::Options options;
    options.clock = m_clocks.wall;
    const ConnectionProfile &profile = m_actionProfile.profile();
    CacheWarmer warmer(profile.pg, profile.redis, endpoints, options);
    qint64 done = 0;
    // Direct: the warmer reports on this thread, only to post the answer.
    connect(&warmer, &CacheWarmer::progress, &warmer,
            [this, request = action.requestId, &done](qint64 soFar, qint64 total) {
                done = soFar;
                answer([this, request, soFar, total] { Q_EMIT actionProgress(request, soFar, total); });
            },
            Qt::DirectConnection);
    token.attach([&warmer] { warmer.cancel(); });
    const Result<CacheWarmer::Report> report =
        action.kind == CacheActionResult::Kind::WarmEntities
            ? warmer.warmEntities(action.target.isEmpty() ? entities.names() : QStringList{action.target})
            : warmer.warmEndpoints(action.target);
    token.detach();
    if (report) {
        action.rows = report->rows;
        action.keys = report->keys;
        action.skipped = report->skipped;
        action.durationMs = report->durationMs;
        return std::nullopt;
    }
    if (report.error().kind == ErrorKind::Cancelled) {
        action.cancelled = true;
        action.rows = done;  // the keys of these rows stay
        return std::nullopt;
    }
    return warmError(report.error(), warmer.failedOn());
}

std::optional<ServiceError> EngineCacheAdminService::invalidate(CacheActionResult &action)
{
    auto registries = builtInRegistries();
    if (auto *error = std::get_if<ServiceError>(&registries))
        return *error;
    const EndpointRegistry &endpoints = std::get<Registries>(registries).endpoints;
    const EntityRegistry &entities = std::get<Registries>(registries).entities;
    if (action.target.isEmpty())
        return ServiceError{std::nullopt, makeError(ErrorKind::InvalidArgument,
                                                    tr("Choose an endpoint or an entity type to invalidate."))};
    RedisConnection &redis = RedisConnection::forCurrentThread(m_actionProfile.profile().redis);
    CacheInvalidator invalidator(redis, endpoints.names(), entities.names());
    invalidator.setProgress([this, request = action.requestId](qint64 soFar) {
        answer([this, request, soFar] { Q_EMIT actionProgress(request, soFar, -1); });
    });
    const Result<qint64> keys = action.kind == CacheActionResult::Kind::InvalidateEndpoint
                                    ? invalidator.endpoint(action.target, action.dryRun)
                                    : invalidator.entityType(action.target, action.dryRun);
    if (!keys)
        return ServiceError{keys.error().kind == ErrorKind::InvalidArgument ? std::nullopt
                                                                            : std::optional(kRedis),
                            keys.error()};
    action.keys = *keys;
    return std::nullopt;
}

void EngineCacheAdminService::loadCaching()
{
    if (m_stopped)
        return;
    m_lists.post([this] { readCaching(); });
}

void EngineCacheAdminService::setCachingEnabled(bool enabled)
{
    if (m_stopped)
        return;
    m_lists.post([this, enabled] { writeCaching(enabled); });
}

void EngineCacheAdminService::loadWebhookEvents(int limit)
{
    if (m_stopped)
        return;
    m_lists.post([this, limit] { readWebhookEvents(limit); });
}

std::optional<ServiceError> EngineCacheAdminService::listsReady()
{
    if (!m_listsProfile.isSet())
        return noProfile();
    if (auto migrated = m_listsProfile.ensureMigrated(); !migrated)
        return ServiceError{kPostgres, migrated.error()};
    return std::nullopt;
}

void EngineCacheAdminService::readCaching()
{
    const auto fail = [this](const ServiceError &error) {
        answer([this, error] { Q_EMIT failed(Request::LoadCaching, 0, error); });
    };
    if (auto notReady = listsReady())
        return fail(*notReady);
    SettingsRepository settings(PgConnection::forCurrentThread(m_listsProfile.profile().pg));
    auto entry = settings.get(QLatin1String(SettingsRepository::kCachingEnabled));
    if (!entry)
        return fail({kPostgres, entry.error()});
    auto enabled = settings.cachingEnabled();
    if (!enabled)
        return fail({kPostgres, enabled.error()});
    CachingState state;
    state.enabled = *enabled;
    if (entry->has_value()) {
        state.updatedAt = (*entry)->updatedAt;
        state.updatedBy = (*entry)->updatedBy;
    }
    answer([this, state] { Q_EMIT cachingLoaded(state); });
}

void EngineCacheAdminService::writeCaching(bool enabled)
{
    const auto fail = [this](const ServiceError &error) {
        answer([this, error] { Q_EMIT failed(Request::SetCaching, 0, error); });
    };
    if (auto notReady = listsReady())
        return fail(*notReady);
    SettingsRepository settings(PgConnection::forCurrentThread(m_listsProfile.profile().pg));
    if (Status set = settings.setCachingEnabled(enabled, consoleUserName()); !set)
        return fail({kPostgres, set.error()});
    readCaching();
}

void EngineCacheAdminService::readWebhookEvents(int limit)
{
    const auto fail = [this](const ServiceError &error) {
        answer([this, error] { Q_EMIT failed(Request::LoadWebhookEvents, 0, error); });
    };
    if (auto notReady = listsReady())
        return fail(*notReady);
    auto events = WebhookEventRepository(PgConnection::forCurrentThread(m_listsProfile.profile().pg)).recent(limit);
    if (!events)
        return fail({kPostgres, events.error()});
    answer([this, events = *events] { Q_EMIT webhookEventsLoaded(events); });
}

}  // namespace tiersync
