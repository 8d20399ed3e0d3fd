#include "zoho/zohoclient.h"

#include "core/logging.h"
#include "zoho/zohoauth.h"
#include "zoho/zohonetworkerror.h"
#include "zoho/zohoparser.h"

#include <QJsonValue>
#include <QMutexLocker>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPromise>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <climits>

namespace tiersync {

struct ZohoClient::Call final {
    ZohoRequest request;
    QPromise<Result<ZohoResponse>> promise;
    int attempt = 0;            // HTTP attempts made so far
    bool authRetried = false;   // a 401 already cost us one refresh
    bool probe = false;         // the circuit breaker's half-open probe
    bool timedOut = false;
    bool tooLarge = false;
    QString tokenUsed;
};

namespace {

int timerMs(qint64 ms)
{
    return int(std::clamp<qint64>(ms, 0, INT_MAX));
}

// Failures that say something about Zoho's health; 4xx, 429 and 401 do not.
bool countsForCircuit(const Error &error)
{
    return error.kind == ErrorKind::Timeout || error.kind == ErrorKind::Unavailable
           || error.kind == ErrorKind::Server;
}

QByteArray encodedQuery(const QUrlQuery &query)
{
    // Encode every reserved character ourselves: QUrlQuery leaves '+' alone, which
    // servers read as a space (CRM criteria may hold e-mail addresses).
    QByteArray out;
    for (const auto &[key, value] : query.queryItems(QUrl::FullyDecoded)) {
        if (!out.isEmpty())
            out += '&';
        out += QUrl::toPercentEncoding(key) + '=' + QUrl::toPercentEncoding(value);
    }
    return out;
}

}  // namespace

ZohoClient::ZohoClient(ZohoSettings settings, ZohoClientOptions options, QObject *parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_options(std::move(options))
    , m_breaker(new CircuitBreaker(m_options.circuitFailureThreshold, m_options.circuitCoolDownMs,
                                   m_options.steadyClock, this))
    , m_rateLimiter(m_options.requestsPerMinute, m_options.burst, m_options.steadyClock)
    , m_concurrency(m_options.maxInFlight)
{
    qRegisterMetaType<tiersync::RetryEvent>();
    qRegisterMetaType<tiersync::ZohoStats>();
    qRegisterMetaType<tiersync::CircuitState>();
    connect(m_breaker, &CircuitBreaker::stateChanged, this, &ZohoClient::circuitStateChanged);
    connect(m_breaker, &CircuitBreaker::stateChanged, this, &ZohoClient::updateStats);
    m_stats.bucketTokens = m_rateLimiter.tokens();
}

ZohoClient::~ZohoClient()
{
    const Error cancelled = makeError(ErrorKind::Cancelled, QStringLiteral("Zoho client shut down"));
    for (auto it = m_inFlight.begin(); it != m_inFlight.end(); ++it) {
        it.key()->disconnect(this);
        it.key()->abort();
        delete it.key();
        it.value()->promise.addResult(cancelled);
        it.value()->promise.finish();
    }
    m_inFlight.clear();
    for (const CallPtr &call : std::as_const(m_backingOff)) {
        call->promise.addResult(cancelled);
        call->promise.finish();
    }
    m_backingOff.clear();
    for (const CallPtr &call : m_queue) {
        call->promise.addResult(cancelled);
        call->promise.finish();
    }
    m_queue.clear();
    // The auth object aborts its own refresh; delete it before the network manager.
    delete m_auth;
    qDeleteAll(m_dataNetworks);  // m_network is the first of them
}

QFuture<Result<ZohoResponse>> ZohoClient::submit(ZohoRequest request)
{
    auto call = std::make_shared<Call>();
    call->request = std::move(request);
    call->promise.start();
    QFuture<Result<ZohoResponse>> future = call->promise.future();
    {
        const QMutexLocker locker(&m_statsMutex);
        ++m_stats.requests;
    }
    // Hop to the client's thread; everything below runs there.
    QMetaObject::invokeMethod(this, [this, call] { enqueue(call, false); }, Qt::QueuedConnection);
    return future;
}

ZohoStats ZohoClient::stats() const
{
    const QMutexLocker locker(&m_statsMutex);
    return m_stats;
}

void ZohoClient::ensureNetwork()
{
    if (m_network)
        return;
    // Created lazily so they belong to the thread the client was moved to.
    m_network = new QNetworkAccessManager(this);
    // Never follow redirects: the Authorization header must not travel to another
    // host. Zoho's API does not redirect; a 3xx other than 304 is a Protocol error.
    m_network->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    constexpr int kConnectionsPerManager = 6;
    m_dataNetworks.append(m_network);
    for (int capacity = kConnectionsPerManager; capacity < m_options.maxInFlight; capacity += kConnectionsPerManager) {
        auto *extra = new QNetworkAccessManager(this);
        extra->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
        m_dataNetworks.append(extra);
    }
    m_auth = new ZohoAuth(m_settings, m_options, m_network, this);
    connect(m_auth, &ZohoAuth::tokenReady, this, [this] {
        updateStats();
        pump();
    });
    connect(m_auth, &ZohoAuth::tokenFailed, this, &ZohoClient::onTokenFailed);
    connect(m_auth, &ZohoAuth::retryEvent, this, [this](const RetryEvent &event) {
        if (event.outcome == QLatin1String("retry")) {
            const QMutexLocker locker(&m_statsMutex);
            ++m_stats.retries;
        }
        emit retryEvent(event);
    });
    m_pumpTimer = new QTimer(this);
    m_pumpTimer->setSingleShot(true);
    connect(m_pumpTimer, &QTimer::timeout, this, &ZohoClient::pump);
    m_statsTimer = new QTimer(this);
    m_statsTimer->setSingleShot(true);
    m_statsTimer->setInterval(200);
    connect(m_statsTimer, &QTimer::timeout, this, [this] { emit statsChanged(stats()); });
}

void ZohoClient::enqueue(const CallPtr &call, bool front)
{
    ensureNetwork();
    if (front)
        m_queue.push_front(call);
    else
        m_queue.push_back(call);
    pump();
}

void ZohoClient::schedulePump(qint64 delayMs)
{
    const int ms = timerMs(delayMs);
    if (!m_pumpTimer->isActive() || m_pumpTimer->remainingTime() > ms)
        m_pumpTimer->start(ms);
}

void ZohoClient::pump()
{
    ensureNetwork();
    while (!m_queue.empty()) {
        // An open circuit fails fast; it needs neither a token nor a rate-limit slot.
        if (m_breaker->state() == CircuitState::Open && m_breaker->msUntilProbe() > 0) {
            CallPtr call = m_queue.front();
            m_queue.pop_front();
            Error error = makeError(ErrorKind::CircuitOpen,
                                    QStringLiteral("Zoho circuit open after repeated failures; "
                                                   "next probe in %1 ms")
                                        .arg(m_breaker->msUntilProbe()));
            fail(call, error);
            continue;
        }
        if (m_concurrency.inFlight() >= m_concurrency.limit())
            break;
        const std::optional<QString> token = m_auth->validToken();
        if (!token) {
            m_auth->requestToken();  // tokenReady/tokenFailed resumes the queue
            break;
        }
        if (const qint64 waitMs = m_rateLimiter.msUntilAvailable(); waitMs > 0) {
            schedulePump(waitMs);
            break;
        }
        CallPtr call = m_queue.front();
        m_queue.pop_front();
        if (!m_breaker->allowRequest()) {
            // Half-open and the probe is still out.
            fail(call, makeError(ErrorKind::CircuitOpen,
                                 QStringLiteral("Zoho circuit half-open; waiting for the probe")));
            continue;
        }
        call->probe = m_breaker->state() == CircuitState::HalfOpen;
        (void)m_rateLimiter.tryAcquire();
        (void)m_concurrency.tryAcquire();
        send(call, *token);
    }
    updateStats();
}

void ZohoClient::send(const CallPtr &call, const QString &token)
{
    const ZohoRequest &request = call->request;
    QUrl url(m_settings.apiBase + request.path);
    QUrlQuery query = request.query;
    if (request.needsOrganization() && !query.hasQueryItem(QStringLiteral("organization_id")))
        query.addQueryItem(QStringLiteral("organization_id"), m_settings.orgId);
    url.setQuery(QString::fromLatin1(encodedQuery(query)));

    QNetworkRequest networkRequest(url);
    networkRequest.setRawHeader("Authorization", "Zoho-oauthtoken " + token.toUtf8());
    networkRequest.setRawHeader("Accept", "application/json");
    for (const auto &[name, value] : request.headers)
        networkRequest.setRawHeader(name, value);
    if (!request.contentType.isEmpty())
        networkRequest.setHeader(QNetworkRequest::ContentTypeHeader, request.contentType);

    ++call->attempt;
    call->tokenUsed = token;
    call->timedOut = false;
    call->tooLarge = false;
    {
        const QMutexLocker locker(&m_statsMutex);
        ++m_stats.calls;
    }
    qCDebug(lcZoho).noquote() << request.target() << "attempt" << call->attempt;

    QNetworkAccessManager *network = m_dataNetworks.at(m_nextNetwork++ % m_dataNetworks.size());
    QNetworkReply *reply = network->sendCustomRequest(networkRequest, request.method, request.body);
    m_inFlight.insert(reply, call);

    // A whole-request deadline (QNetworkRequest's transfer timeout only measures
    // inactivity, so a slow trickle would never time out).
    auto *timer = new QTimer(reply);
    timer->setSingleShot(true);
    connect(timer, &QTimer::timeout, reply, [call, reply] {
        call->timedOut = true;
        reply->abort();
    });
    timer->start(timerMs(m_options.requestTimeoutMs));

    const qint64 maxBytes = m_options.maxResponseBytes;
    connect(reply, &QNetworkReply::downloadProgress, reply, [call, reply, maxBytes](qint64 received, qint64 total) {
        if (maxBytes > 0 && (received > maxBytes || total > maxBytes) && !call->tooLarge) {
            call->tooLarge = true;
            reply->abort();
        }
    });
    connect(reply, &QNetworkReply::finished, this, [this, reply] { onReplyFinished(reply); });
}

void ZohoClient::onReplyFinished(QNetworkReply *reply)
{
    const CallPtr call = m_inFlight.take(reply);
    reply->deleteLater();
    if (!call)
        return;
    m_concurrency.release();

    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray retryAfter = reply->rawHeader("Retry-After");

    if (call->tooLarge) {
        handleFailure(call,
                      makeError(ErrorKind::Protocol,
                                QStringLiteral("Zoho response exceeds the %1-byte limit")
                                    .arg(m_options.maxResponseBytes)),
                      {});
    } else if (status == 0) {
        handleFailure(call,
                      zohoNetworkError(reply->error(), reply->errorString(), call->timedOut,
                                       m_options.requestTimeoutMs),
                      {});
    } else {
        const QByteArray contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
        const QByteArray body = reply->read(m_options.maxResponseBytes + 1);
        const bool success = (status >= 200 && status < 300) || status == 304;
        if (!success) {
            handleFailure(call, zohoparser::httpError(status, body, contentType), retryAfter);
        } else if (reply->error() != QNetworkReply::NoError) {
            // An HTTP status arrived, then the connection broke mid-body.
            handleFailure(call,
                          zohoNetworkError(reply->error(), reply->errorString(), call->timedOut,
                                           m_options.requestTimeoutMs),
                          {});
        } else {
            ZohoResponse response;
            response.httpStatus = status;
            response.contentType = contentType;
            response.headers = reply->rawHeaderPairs();
            response.bodyBytes = body.size();
            response.attempts = call->attempt;
            if (status == 204 || status == 304) {
                succeed(call, std::move(response));
            } else {
                auto json = zohoparser::parseJsonObject(body, contentType, m_options.maxResponseBytes);
                if (!json) {
                    Error error = json.error();
                    error.httpStatus = status;
                    handleFailure(call, error, {});
                    return;
                }
                // Books can report an error with HTTP 200 and a non-zero code.
                const QJsonValue code = json->value(QLatin1String("code"));
                if (code.isDouble() && code.toInteger() != 0) {
                    Status books = zohoparser::checkBooksCode(*json, status);
                    handleFailure(call, books.error(), retryAfter);
                    return;
                }
                response.json = std::move(json).value();
                response.hasBody = true;
                succeed(call, std::move(response));
            }
        }
    }
}

void ZohoClient::handleFailure(const CallPtr &call, const Error &error, const QByteArray &retryAfter)
{
    const bool unauthorised = error.httpStatus == 401 || error.code == QLatin1String("INVALID_TOKEN");
    if (countsForCircuit(error))
        m_breaker->recordFailure();
    else if (call->probe)
        m_breaker->releaseProbe();
    call->probe = false;

    if (unauthorised && !call->authRetried) {
        // The token expired early or was revoked: refresh once (shared by every call
        // that saw the same token) and try again straight away.
        call->authRetried = true;
        m_auth->invalidate(call->tokenUsed);
        emitRetryEvent(call, error, 0, QStringLiteral("retry"));
        {
            const QMutexLocker locker(&m_statsMutex);
            ++m_stats.retries;
        }
        enqueue(call, true);
        return;
    }

    const bool retryable = RetryPolicy::isRetryable(error);
    if (retryable && call->attempt < m_options.retry.maxAttempts) {
        const auto retryAfterMs = RetryPolicy::parseRetryAfterMs(retryAfter, m_options.wallClock());
        const qint64 delayMs = m_options.retry.delayMs(call->attempt, retryAfterMs);
        emitRetryEvent(call, error, delayMs, QStringLiteral("retry"));
        {
            const QMutexLocker locker(&m_statsMutex);
            ++m_stats.retries;
        }
        m_backingOff.insert(call.get(), call);
        QTimer::singleShot(timerMs(delayMs), this, [this, call] {
            if (m_backingOff.remove(call.get()))
                enqueue(call, true);
        });
        pump();
        return;
    }
    emitRetryEvent(call, error, 0, retryable ? QStringLiteral("gave_up") : QStringLiteral("not_retried"));
    fail(call, error);
    pump();
}

void ZohoClient::succeed(const CallPtr &call, ZohoResponse response)
{
    if (call->probe || m_breaker->state() != CircuitState::Open)
        m_breaker->recordSuccess();
    call->probe = false;
    updateStats();  // before the caller wakes up, so it reads settled figures
    call->promise.addResult(Result<ZohoResponse>(std::move(response)));
    call->promise.finish();
    pump();
}

void ZohoClient::fail(const CallPtr &call, const Error &error)
{
    {
        const QMutexLocker locker(&m_statsMutex);
        ++m_stats.failures;
    }
    updateStats();
    qCDebug(lcZoho).noquote() << call->request.target() << "failed:" << error.toString();
    call->promise.addResult(Result<ZohoResponse>(error));
    call->promise.finish();
}

void ZohoClient::onTokenFailed(const Error &error)
{
    // Every queued call was waiting for this token.
    std::deque<CallPtr> waiting;
    waiting.swap(m_queue);
    for (const CallPtr &call : waiting)
        fail(call, error);
    updateStats();
}

void ZohoClient::emitRetryEvent(const CallPtr &call, const Error &error, qint64 delayMs,
                                const QString &outcome)
{
    RetryEvent event;
    event.at = m_options.wallClock();
    event.target = call->request.target();
    event.attempt = call->attempt;
    event.maxAttempts = m_options.retry.maxAttempts;
    event.errorClass = errorKindName(error.kind);
    event.httpStatus = error.httpStatus;
    event.delayMs = delayMs;
    event.outcome = outcome;
    if (outcome == QLatin1String("retry"))
        qCInfo(lcZoho).noquote() << event.target << "attempt" << event.attempt << "failed:"
                                 << error.toString() << "- retrying in" << delayMs << "ms";
    else
        qCWarning(lcZoho).noquote() << event.target << "attempt" << event.attempt << "failed:"
                                    << error.toString() << "-" << outcome;
    emit retryEvent(event);
}

void ZohoClient::updateStats()
{
    {
        const QMutexLocker locker(&m_statsMutex);
        m_stats.inFlight = m_concurrency.inFlight();
        m_stats.queued = int(m_queue.size() + size_t(m_backingOff.size()));
        m_stats.bucketTokens = m_rateLimiter.tokens();
        m_stats.circuit = m_breaker->state();
        m_stats.tokenRefreshes = m_auth ? m_auth->refreshCount() : 0;
    }
    if (m_statsTimer && !m_statsTimer->isActive())
        m_statsTimer->start();
}

}  // namespace tiersync
