#include "console/enginestudentreadservice.h"

#include "cache/cacheengine.h"
#include "console/connectioncheck.h"
#include "redis/redisconnection.h"
#include "server/httperror.h"
#include "server/readrequest.h"
#include "sync/cacheinvalidator.h"
#include "sync/entityregistry.h"

#include <QElapsedTimer>

namespace tiersync {

namespace {

// Worded for an administrator, with the status the HTTP API would have answered.
QString describeReadError(const Error &error, int *httpStatus)
{
    const HttpError http = HttpError::fromBackend(error);
    *httpStatus = http.status;
    if (http.status == 503)
        return QObject::tr("No answer: %1 (the API would reply 503 Service Unavailable). %2")
            .arg(http.detail, describeForAdmin(ConnectionCheck::Service::Zoho, error));
    return QObject::tr("No answer (the API would reply %1): %2")
        .arg(http.status)
        .arg(describeForAdmin(ConnectionCheck::Service::Zoho, error));
}

Status checkMoodleUserId(qint64 moodleUserId)
{
    if (moodleUserId <= 0 || moodleUserId > ReadRequest::kMaxMoodleUserId)
        return makeError(ErrorKind::InvalidArgument,
                         QObject::tr("A Moodle user id is a whole number from 1 to %1.").arg(ReadRequest::kMaxMoodleUserId));
    return {};
}

// The engine's own refusals (bad input, the compiled-in registries) name no server.
ServiceError refused(const Error &error)
{
    return {std::nullopt, error};
}

}  // namespace

EngineStudentReadService::EngineStudentReadService(std::shared_ptr<EngineServicesPool> pool, ConsoleClocks clocks,
                                                   QObject *parent)
    : StudentReadService(parent),
      m_clocks(std::move(clocks)),
      m_jobs(QStringLiteral("console-students"), kThreadExpiryMs)
{
    m_jobProfile.setPool(std::move(pool));
    m_jobProfile.setFallbackOptions(engineServicesOptions(m_clocks));
}

EngineStudentReadService::~EngineStudentReadService()
{
    stop();
}

void EngineStudentReadService::stop()
{
    if (m_stopped)
        return;
    m_stopped = true;
    // The engine closes on the thread its reads ran on; then the thread ends.
    m_jobs.stop([this] { m_engine.reset(); });
}

void EngineStudentReadService::finish(quint64 request, std::function<void()> emitter)
{
    // Dropped by Qt if the service is gone by then.
    QMetaObject::invokeMethod(
        this,
        [this, request, emitter = std::move(emitter)] {
            m_jobs.finished(request);
            emitter();
        },
        Qt::QueuedConnection);
}

void EngineStudentReadService::setProfile(const ConnectionProfile &profile)
{
    if (m_stopped)
        return;
    m_profile = profile;
    m_haveProfile = true;
}

quint64 EngineStudentReadService::start(
    Request call, const std::function<void(quint64, const ConnectionProfile &, const std::shared_ptr<CancelToken> &)> &job)
{
    if (m_stopped)
        return 0;
    const quint64 request = ++m_lastRequest;
    if (!m_haveProfile) {
        const ServiceError error = refused(makeError(ErrorKind::Unavailable, tr("No connection profile is active yet.")));
        finish(request, [this, call, request, error] { Q_EMIT failed(call, request, error); });
        return request;
    }
    m_jobs.start(request, [this, job, request, profile = m_profile](const std::shared_ptr<CancelToken> &cancelled) {
        use(profile);
        job(request, profile, cancelled);
    });
    return request;
}

quint64 EngineStudentReadService::lookup(qint64 moodleUserId, const QString &endpoint, bool forceRefresh)
{
    return start(Request::Lookup, [this, moodleUserId, endpoint, forceRefresh](quint64 request, const ConnectionProfile &,
                                                                               const std::shared_ptr<CancelToken> &cancelled) {
        read(request, moodleUserId, endpoint, forceRefresh, cancelled);
    });
}

quint64 EngineStudentReadService::invalidate(qint64 moodleUserId, bool dryRun)
{
    return start(Request::Invalidate, [this, moodleUserId, dryRun](quint64 request, const ConnectionProfile &,
                                                                   const std::shared_ptr<CancelToken> &) {
        deleteKeys(request, moodleUserId, dryRun);
    });
}

void EngineStudentReadService::cancel(quint64 request)
{
    m_jobs.cancel(request);
}

void EngineStudentReadService::use(const ConnectionProfile &profile)
{
    if (m_jobProfile.isSet() && profile == m_jobProfile.profile())
        return;
    m_engine.reset();
    m_jobProfile.set(profile);
}

Result<CacheEngine *> EngineStudentReadService::engine()
{
    if (m_engine)
        return m_engine.get();
    // Reads as `tiersync serve` does them, on the process's one Zoho service (its retries
    // go to the services' recorder) and database opener.
    const std::shared_ptr<EngineServices> &services = m_jobProfile.services();
    CacheEngine::Options options = CacheEngine::servingOptions(m_jobProfile.profile());
    options.clock = m_clocks.wall;
    options.zohoService = services->zoho();
    options.database = services->database();
    options.heartbeat = &services->heartbeat();
    auto created = CacheEngine::create(std::move(options));
    if (!created)
        return makeError(created.error().kind, tr("The cache engine could not start: %1").arg(created.error().message));
    m_engine = std::move(*created);
    return m_engine.get();
}

void EngineStudentReadService::read(quint64 request, qint64 moodleUserId, const QString &endpoint, bool forceRefresh,
                                    const std::shared_ptr<CancelToken> &cancelled)
{
    const auto fail = [this, request](const ServiceError &error) {
        finish(request, [this, request, error] { Q_EMIT failed(Request::Lookup, request, error); });
    };
    if (Status valid = checkMoodleUserId(moodleUserId); !valid)
        return fail(refused(valid.error()));
    const Result<CacheEngine *> started = engine();
    if (!started)
        return fail(refused(started.error()));
    CacheEngine *cache = *started;
    QStringList endpoints = cache->registry().names();
    if (!endpoint.isEmpty()) {
        if (!cache->hasEndpoint(endpoint))
            return fail(refused(makeError(ErrorKind::InvalidArgument,
                                          tr("“%1” is not a dashboard endpoint (known: %2).")
                                              .arg(endpoint, endpoints.join(QStringLiteral(", "))))));
        endpoints = {endpoint};
    }
    StudentLookup result;
    result.requestId = request;
    result.moodleUserId = moodleUserId;
    result.forceRefresh = forceRefresh;
    result.cachingEnabled = cache->cachingEnabled();
    for (const QString &name : std::as_const(endpoints)) {
        if (cancelled->isCancelled()) {
            result.cancelled = true;
            break;
        }
        StudentEndpointRead read;
        read.endpoint = name;
        QElapsedTimer timer;
        timer.start();
        const Result<EndpointResponse> response = cache->read(name, moodleUserId, forceRefresh);
        read.latencyUs = timer.nsecsElapsed() / 1000;
        if (response) {
            read.ok = true;
            read.dataJson = response->dataJson;
            read.source = response->source;
            read.cacheAgeSeconds = response->cacheAgeSeconds;
        } else {
            read.error = describeReadError(response.error(), &read.httpStatus);
        }
        result.reads.append(read);
    }
    finish(request, [this, result] { Q_EMIT lookupFinished(result); });
}

void EngineStudentReadService::deleteKeys(quint64 request, qint64 moodleUserId, bool dryRun)
{
    const auto fail = [this, request](const ServiceError &error) {
        finish(request, [this, request, error] { Q_EMIT failed(Request::Invalidate, request, error); });
    };
    if (Status valid = checkMoodleUserId(moodleUserId); !valid)
        return fail(refused(valid.error()));
    auto endpoints = EndpointRegistry::builtIn();
    if (!endpoints)
        return fail(refused(endpoints.error()));
    auto entities = EntityRegistry::builtIn();
    if (!entities)
        return fail(refused(entities.error()));
    RedisConnection &redis = RedisConnection::forCurrentThread(m_jobProfile.profile().redis);
    CacheInvalidator invalidator(redis, endpoints->names(), entities->names());
    const Result<qint64> keys = invalidator.student(moodleUserId, dryRun);
    if (!keys)
        return fail({ConnectionCheck::Service::Redis, keys.error()});
    finish(request, [this, request, moodleUserId, dryRun, keys = *keys] {
        Q_EMIT studentInvalidated(request, moodleUserId, dryRun, keys);
    });
}

}  // namespace tiersync
