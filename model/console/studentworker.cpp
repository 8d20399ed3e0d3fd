#include "console/studentworker.h"

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

}  // namespace

StudentWorker::StudentWorker(QObject *parent) : QObject(parent) {}

StudentWorker::~StudentWorker()
{
    m_engine.reset();
}

void StudentWorker::cancel(quint64 requestId)
{
    QMutexLocker lock(&m_mutex);
    m_cancelRequest = requestId;
}

void StudentWorker::setClocks(ConsoleClocks clocks)
{
    m_clocks = std::move(clocks);
    m_profile.setFallbackOptions(engineServicesOptions(m_clocks));
}

void StudentWorker::setServicesPool(std::shared_ptr<EngineServicesPool> pool)
{
    m_engine.reset();
    m_profile.setPool(std::move(pool));
}

void StudentWorker::setProfile(const ConnectionProfile &profile)
{
    if (m_profile.isSet() && profile == m_profile.profile())
        return;
    m_engine.reset();
    m_profile.set(profile);
}

CacheEngine *StudentWorker::engine(QString *error)
{
    if (m_engine)
        return m_engine.get();
    if (!m_profile.isSet()) {
        *error = tr("No connection profile is active yet.");
        return nullptr;
    }
    // Reads as `tiersync serve` does them, on the process's one Zoho service (its retries
    // go to the services' recorder) and database opener.
    const std::shared_ptr<EngineServices> &services = m_profile.services();
    CacheEngine::Options options = CacheEngine::servingOptions(m_profile.profile());
    options.clock = m_clocks.wall;
    options.zohoService = services->zoho();
    options.database = services->database();
    options.heartbeat = &services->heartbeat();
    auto created = CacheEngine::create(std::move(options));
    if (!created) {
        *error = tr("The cache engine could not start: %1").arg(created.error().message);
        return nullptr;
    }
    m_engine = std::move(*created);
    return m_engine.get();
}

void StudentWorker::lookup(quint64 requestId, qint64 moodleUserId, const QString &endpoint, bool forceRefresh)
{
    if (Status valid = checkMoodleUserId(moodleUserId); !valid) {
        Q_EMIT lookupFailed(requestId, valid.error().message);
        return;
    }
    QString error;
    CacheEngine *cache = engine(&error);
    if (!cache) {
        Q_EMIT lookupFailed(requestId, error);
        return;
    }
    QStringList endpoints = cache->registry().names();
    if (!endpoint.isEmpty()) {
        if (!cache->hasEndpoint(endpoint)) {
            Q_EMIT lookupFailed(requestId, tr("“%1” is not a dashboard endpoint (known: %2).")
                                               .arg(endpoint, endpoints.join(QStringLiteral(", "))));
            return;
        }
        endpoints = {endpoint};
    }
    StudentLookup result;
    result.requestId = requestId;
    result.moodleUserId = moodleUserId;
    result.forceRefresh = forceRefresh;
    result.cachingEnabled = cache->cachingEnabled();
    for (const QString &name : std::as_const(endpoints)) {
        {
            QMutexLocker lock(&m_mutex);
            if (m_cancelRequest == requestId) {
                result.cancelled = true;
                break;
            }
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
    Q_EMIT lookupFinished(result);
}

void StudentWorker::invalidate(quint64 requestId, qint64 moodleUserId, bool dryRun)
{
    if (Status valid = checkMoodleUserId(moodleUserId); !valid) {
        Q_EMIT invalidationFailed(requestId, valid.error().message);
        return;
    }
    if (!m_profile.isSet()) {
        Q_EMIT invalidationFailed(requestId, tr("No connection profile is active yet."));
        return;
    }
    auto endpoints = EndpointRegistry::builtIn();
    auto entities = EntityRegistry::builtIn();
    if (!endpoints || !entities) {
        Q_EMIT invalidationFailed(requestId, !endpoints ? endpoints.error().message : entities.error().message);
        return;
    }
    RedisConnection &redis = RedisConnection::forCurrentThread(m_profile.profile().redis);
    CacheInvalidator invalidator(redis, endpoints->names(), entities->names());
    const Result<qint64> keys = invalidator.student(moodleUserId, dryRun);
    if (!keys) {
        Q_EMIT invalidationFailed(requestId, describeForAdmin(ConnectionCheck::Service::Redis, keys.error()));
        return;
    }
    Q_EMIT studentInvalidated(requestId, moodleUserId, dryRun, *keys);
}

}  // namespace tiersync
