#include "zoho/zohoclient.h"

#include "core/logging.h"
#include "zoho/localzohobudget.h"
#include "zoho/zohoattempttally.h"
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
    ZohoApiFamily family = ZohoApiFamily::Books;
    int queue = 0;                  // index into m_queues
    qint64 queuedAtMs = 0;          // steady; the budget wait counts from here
    std::optional<ZohoLease> lease; // held while the attempt is in flight
};

namespace {

// A lease outlives the request's own deadline by this much (the answer may be on its way).
constexpr qint64 kLeaseSlackMs = 5000;

int queueOf(ZohoCallPurpose purpose)
{
    switch (purpose) {
    case ZohoCallPurpose::Read:
        return 0;
    case ZohoCallPurpose::Webhook:
        return 1;
    case ZohoCallPurpose::Sync:
    case ZohoCallPurpose::Count:
        break;
    }
    return 2;
}

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
    , m_budget(m_options.budget ? m_options.budget
                                : std::make_shared<LocalZohoBudget>(m_options.limits, m_options.epochClock))
{
    qRegisterMetaType<tiersync::RetryEvent>();
    qRegisterMetaType<tiersync::ZohoStats>();
    qRegisterMetaType<tiersync::CircuitState>();
    connect(m_breaker, &CircuitBreaker::stateChanged, this, &ZohoClient::circuitStateChanged);
    connect(m_breaker, &CircuitBreaker::stateChanged, this, &ZohoClient::updateStats);
}

ZohoClient::~ZohoClient()
{
    const Error cancelled = makeError(ErrorKind::Cancelled, QStringLiteral("Zoho client shut down"));
    for (auto it = m_inFlight.begin(); it != m_inFlight.end(); ++it) {
        it.key()->disconnect(this);
        it.key()->abort();
        delete it.key();
        releaseLease(it.value(), ZohoLeaseRelease::KeepUntilExpiry);
        it.value()->promise.addResult(cancelled);
        it.value()->promise.finish();
    }
    m_inFlight.clear();
    for (const CallPtr &call : std::as_const(m_backingOff)) {
        call->promise.addResult(cancelled);
        call->promise.finish();
    }
    m_backingOff.clear();
    for (auto &queue : m_queues) {
        for (const CallPtr &call : queue) {
            call->promise.addResult(cancelled);
            call->promise.finish();
        }
        queue.clear();
    }
    // The auth object aborts its own refresh; delete it before the network manager.
    delete m_auth;
    qDeleteAll(m_dataNetworks);  // m_network is the first of them
}

QFuture<Result<ZohoResponse>> ZohoClient::submit(ZohoRequest request)
{
    return submit(std::move(request), {});
}

QFuture<Result<ZohoResponse>> ZohoClient::submit(ZohoRequest request,
                                                 const std::function<void(QFuture<Result<ZohoResponse>> &)> &attach)
{
    auto call = std::make_shared<Call>();
    call->request = std::move(request);
    call->family = call->request.family();
    call->queue = queueOf(call->request.purpose);
    call->promise.start();
    QFuture<Result<ZohoResponse>> future = call->promise.future();
    {
        const QMutexLocker locker(&m_statsMutex);
        ++m_stats.requests;
    }
    if (attach)
        attach(future);
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
    const ZohoLimits limits = m_budget->limits();
    const int maxInFlight = std::max({limits.books.concurrency, limits.inventory.concurrency, limits.crm.concurrency});
    for (int capacity = kConnectionsPerManager; capacity < maxInFlight; capacity += kConnectionsPerManager) {
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
    connect(m_pumpTimer, &QTimer::timeout, this, [this] {
        // The earliest wait is over: let every queue ask again.
        m_blockedUntilMs = {};
        pump();
    });
    m_statsTimer = new QTimer(this);
    m_statsTimer->setSingleShot(true);
    m_statsTimer->setInterval(200);
    connect(m_statsTimer, &QTimer::timeout, this, [this] { emit statsChanged(stats()); });
}

void ZohoClient::enqueue(const CallPtr &call, bool front)
{
    ensureNetwork();
    call->queuedAtMs = m_options.steadyClock();
    std::deque<CallPtr> &queue = m_queues[size_t(call->queue)];
    if (front)
        queue.push_front(call);
    else
        queue.push_back(call);
    pump();
}

void ZohoClient::schedulePump(qint64 delayMs)
{
    const int ms = timerMs(delayMs);
    if (!m_pumpTimer->isActive() || m_pumpTimer->remainingTime() > ms)
        m_pumpTimer->start(ms);
}

bool ZohoClient::exceedsBudgetWait(const CallPtr &call, qint64 waitMs, qint64 now) const
{
    const qint64 limit = call->request.maxBudgetWaitMs;
    return limit >= 0 && (now - call->queuedAtMs) + waitMs > limit;
}

void ZohoClient::failBudgetWait(const CallPtr &call, qint64 waitMs)
{
    Error error = makeError(ErrorKind::RateLimited,
                            QStringLiteral("%1 budget has no call free for another %2 ms; this call waits at most "
                                           "%3 ms")
                                .arg(zohoApiFamilyTitle(call->family))
                                .arg(waitMs)
                                .arg(call->request.maxBudgetWaitMs));
    error.code = QStringLiteral("budget_wait");
    fail(call, error);
}

void ZohoClient::failFamily(int queue, ZohoApiFamily family, const Error &error)
{
    // Lower priorities get no more than this one: their calls of the family fail too.
    for (int q = queue; q < kQueueCount; ++q) {
        std::deque<CallPtr> &calls = m_queues[size_t(q)];
        std::deque<CallPtr> kept;
        for (const CallPtr &call : calls) {
            if (call->family == family)
                fail(call, error);
            else
                kept.push_back(call);
        }
        calls.swap(kept);
    }
}

void ZohoClient::releaseLease(const CallPtr &call, ZohoLeaseRelease mode)
{
    if (!call->lease)
        return;
    m_budget->release(*call->lease, mode);
    // A slot of this family is free (or soon): whoever waited for one may ask again.
    for (auto &blocked : m_blockedUntilMs)
        blocked[size_t(call->family)] = 0;
    call->lease.reset();
}

void ZohoClient::pump()
{
    ensureNetwork();
    const qint64 now = m_options.steadyClock();
    for (int q = 0; q < kQueueCount; ++q) {
        std::deque<CallPtr> &queue = m_queues[size_t(q)];
        size_t i = 0;
        while (i < queue.size()) {
            const CallPtr call = queue[i];
            if (call->promise.isCanceled()) {
                // Nobody waits for it any more: it spends no budget.
                queue.erase(queue.begin() + qsizetype(i));
                call->promise.finish();
                continue;
            }
            // An open circuit fails fast; it needs neither a token nor budget.
            if (m_breaker->state() == CircuitState::Open && m_breaker->msUntilProbe() > 0) {
                queue.erase(queue.begin() + qsizetype(i));
                fail(call, circuitOpenError(QStringLiteral("Zoho circuit open after repeated failures; "
                                                           "next probe in %1 ms")
                                                .arg(m_breaker->msUntilProbe())));
                continue;
            }
            const size_t family = size_t(call->family);
            if (const qint64 until = m_blockedUntilMs[size_t(q)][family]; until > now) {
                if (exceedsBudgetWait(call, until - now, now)) {
                    queue.erase(queue.begin() + qsizetype(i));
                    failBudgetWait(call, until - now);
                } else {
                    ++i;
                }
                continue;
            }
            const std::optional<QString> token = m_auth->validToken();
            if (!token) {
                m_auth->requestToken();  // tokenReady/tokenFailed resumes the queues
                updateStats();
                return;
            }
            const bool needsProbe = m_breaker->state() != CircuitState::Closed;
            if (needsProbe && !m_breaker->allowRequest()) {
                // Half-open and the probe is still out.
                queue.erase(queue.begin() + qsizetype(i));
                fail(call, circuitOpenError(QStringLiteral("Zoho circuit half-open; waiting for the probe")));
                continue;
            }
            ZohoBudgetRequest ask;
            ask.family = call->family;
            ask.purpose = call->request.purpose;
            ask.credits = call->request.credits;
            ask.leaseMs = m_options.requestTimeoutMs + kLeaseSlackMs;
            if (call->request.maxBudgetWaitMs >= 0)
                ask.maxWaitMs = std::max<qint64>(0, call->request.maxBudgetWaitMs - (now - call->queuedAtMs));
            const ZohoBudget::Decision decision = m_budget->acquire(ask);
            if (const auto *granted = std::get_if<ZohoBudget::Granted>(&decision)) {
                queue.erase(queue.begin() + qsizetype(i));
                call->probe = needsProbe;
                call->lease = granted->lease;
                send(call, *token);
                continue;
            }
            if (needsProbe)
                m_breaker->releaseProbe();
            if (const auto *wait = std::get_if<ZohoBudget::Wait>(&decision)) {
                // Lower priorities would be told the same or worse.
                for (int lower = q; lower < kQueueCount; ++lower)
                    m_blockedUntilMs[size_t(lower)][family] = now + wait->ms;
                schedulePump(wait->ms);
                if (exceedsBudgetWait(call, wait->ms, now)) {
                    queue.erase(queue.begin() + qsizetype(i));
                    failBudgetWait(call, wait->ms);
                } else {
                    ++i;
                }
                continue;
            }
            failFamily(q, call->family, std::get<ZohoBudget::Stopped>(decision).error);
            i = 0;  // the queue changed under us; what is left before i is blocked or another family
        }
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
    if (request.tally) {
        ++request.tally->sent;
        if (call->attempt > 1)
            ++request.tally->retries;  // a retry counts when it goes out, not when planned
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
    // Aborted by us (deadline, size): Zoho may still be working on it, so its slot stays taken.
    releaseLease(call, (call->timedOut || call->tooLarge) ? ZohoLeaseRelease::KeepUntilExpiry
                                                          : ZohoLeaseRelease::Now);

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
        const bool answered = call->request.answeredStatuses.contains(status);
        const bool success = (status >= 200 && status < 300) || status == 304 || answered;
        if (!success) {
            handleFailure(call, zohoparser::httpError(status, body, contentType), retryAfter,
                          reply->rawHeaderPairs());
        } else if (reply->error() != QNetworkReply::NoError && !answered) {
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
                    handleFailure(call, books.error(), retryAfter, reply->rawHeaderPairs());
                    return;
                }
                response.json = std::move(json).value();
                response.hasBody = true;
                succeed(call, std::move(response));
            }
        }
    }
}

void ZohoClient::handleFailure(const CallPtr &call, const Error &error, const QByteArray &retryAfter,
                               const ZohoBudget::Headers &headers)
{
    if (error.kind == ErrorKind::RateLimited)
        m_budget->reportRejection(call->family, error, headers);
    const bool unauthorised = error.httpStatus == 401 || error.code == QLatin1String("INVALID_TOKEN");
    if (countsForCircuit(error)) {
        m_breaker->recordFailure();
        m_circuitCause = error;
        m_circuitCauseTarget = call->request.target();
    }
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

    const RetryPolicy &retry = m_options.retryFor(call->request.purpose);
    const bool retryable = RetryPolicy::isRetryable(error);
    if (retryable && call->attempt < retry.maxAttempts) {
        const auto retryAfterMs = RetryPolicy::parseRetryAfterMs(retryAfter, m_options.wallClock());
        const qint64 delayMs = retry.delayMs(call->attempt, retryAfterMs);
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

Error ZohoClient::circuitOpenError(const QString &state) const
{
    Error error = makeError(ErrorKind::CircuitOpen, state);
    const Error &cause = m_circuitCause;
    if (cause.kind == ErrorKind::None)
        return error;
    QString text = cause.httpStatus != 0 ? QStringLiteral("Zoho answered HTTP %1").arg(cause.httpStatus)
                                         : errorKindName(cause.kind);
    if (!cause.code.isEmpty())
        text += QStringLiteral(" [%1]").arg(cause.code);
    if (!cause.message.isEmpty() && cause.message != QStringLiteral("HTTP %1").arg(cause.httpStatus))
        text += QStringLiteral(": ") + cause.message;
    error.message = QStringLiteral("%1 (%2); %3").arg(text, m_circuitCauseTarget, state);
    error.httpStatus = cause.httpStatus;
    error.code = cause.code;
    return error;
}

void ZohoClient::onTokenFailed(const Error &error)
{
    // Every queued call was waiting for this token.
    for (auto &queue : m_queues) {
        std::deque<CallPtr> waiting;
        waiting.swap(queue);
        for (const CallPtr &call : waiting)
            fail(call, error);
    }
    updateStats();
}

void ZohoClient::emitRetryEvent(const CallPtr &call, const Error &error, qint64 delayMs,
                                const QString &outcome)
{
    RetryEvent event;
    event.at = m_options.wallClock();
    event.target = call->request.target();
    event.attempt = call->attempt;
    event.maxAttempts = m_options.retryFor(call->request.purpose).maxAttempts;
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
        m_stats.inFlight = int(m_inFlight.size());
        size_t queued = size_t(m_backingOff.size());
        for (const auto &queue : m_queues)
            queued += queue.size();
        m_stats.queued = int(queued);
        m_stats.circuit = m_breaker->state();
        m_stats.tokenRefreshes = m_auth ? m_auth->refreshCount() : 0;
    }
    if (m_statsTimer && !m_statsTimer->isActive())
        m_statsTimer->start();
}

}  // namespace tiersync
