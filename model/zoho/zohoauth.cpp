#include "zoho/zohoauth.h"

#include "core/logging.h"
#include "zoho/inmemorytokenstore.h"
#include "zoho/zohonetworkerror.h"
#include "zoho/zohoparser.h"

#include <QDateTime>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <climits>

namespace tiersync {

namespace {

const QString kTokenTarget = QStringLiteral("POST /oauth/v2/token");
// Another process's refresh is looked at this often (± kPollJitterMs, so waiting
// processes do not ask in step).
constexpr int kPollMs = 200;
constexpr int kPollJitterMs = 50;
// The refresh lock outlives the request's timeout by this much.
constexpr qint64 kLockSlackMs = 5000;

QByteArray formField(const char *name, const QString &value)
{
    return QByteArray(name) + '=' + QUrl::toPercentEncoding(value);
}

bool usable(const StoredToken &token, qint64 nowMs)
{
    return !token.accessToken.isEmpty() && nowMs < token.expiresAtMs;
}

}  // namespace

ZohoAuth::ZohoAuth(ZohoSettings settings, ZohoClientOptions options, QNetworkAccessManager *network,
                   QObject *parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_options(std::move(options))
    , m_network(network)
    , m_pollTimer(new QTimer(this))
{
    m_store = m_options.tokenStore;
    if (!m_store) {
        InMemoryTokenStore::Options local;
        local.clock = [wall = m_options.wallClock] { return wall().toMSecsSinceEpoch(); };
        m_store = std::make_shared<InMemoryTokenStore>(std::move(local));
    }
    m_pollTimer->setSingleShot(true);
    connect(m_pollTimer, &QTimer::timeout, this, &ZohoAuth::poll);
}

ZohoAuth::~ZohoAuth()
{
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        delete m_reply;
    }
    // Let the next process refresh now rather than when the lock runs out.
    if (m_state == State::Refreshing && m_ticket)
        m_store->abandonRefresh(*m_ticket, makeError(ErrorKind::Cancelled, QStringLiteral("client stopped")), 0);
}

qint64 ZohoAuth::nowMs() const
{
    return m_options.wallClock().toMSecsSinceEpoch();
}

qint64 ZohoAuth::lockMs() const
{
    return m_options.requestTimeoutMs + kLockSlackMs;
}

std::optional<QString> ZohoAuth::validToken()
{
    const qint64 now = nowMs();
    if (m_token && usable(*m_token, now))
        return m_token->accessToken.reveal();
    m_token.reset();
    // While a refresh or a wait is under way, its end resumes the callers.
    if (isRefreshing())
        return std::nullopt;
    // Another process (or client) may have refreshed already.
    if (auto loaded = m_store->load(); loaded && loaded->has_value() && usable(**loaded, now)) {
        m_token = std::move(**loaded);
        return m_token->accessToken.reveal();
    }
    return std::nullopt;
}

void ZohoAuth::requestToken()
{
    if (isRefreshing())
        return;
    if (m_settings.clientId.isEmpty() || m_settings.refreshToken.isEmpty()) {
        failLater(makeError(ErrorKind::Auth, QStringLiteral("Zoho client id or refresh token is not configured")));
        return;
    }
    if (nowMs() < m_throttledUntilMs) {
        // Zoho would refuse it and count it: say until when instead of asking.
        failLater(throttledError());
        return;
    }
    m_throttledUntilMs = 0;
    m_polls = 0;
    begin();
}

void ZohoAuth::begin()
{
    Result<RefreshTicket> ticket = m_store->beginRefresh(lockMs());
    if (!ticket) {
        // The store cannot say: refresh on our own rather than leave every call waiting.
        qCWarning(lcZoho).noquote() << "token store:" << ticket.error().toString() << "- refreshing locally";
        ticket = RefreshTicket{};
    }
    switch (ticket->kind) {
    case RefreshTicket::Kind::Present:
        if (ticket->present && usable(*ticket->present, nowMs())) {
            qCDebug(lcZoho).noquote() << "using the access token refreshed by" << ticket->present->refreshedBy;
            adopt(std::move(*ticket->present));
            readyLater();
            return;
        }
        // Usable by its writer's clock, not by ours: refresh rather than spin.
        qCWarning(lcZoho) << "the stored access token is already expired by this host's clock; refreshing";
        ticket = RefreshTicket{};
        break;
    case RefreshTicket::Kind::HeldElsewhere:
        // Bounded: the lock expires, and after twice its lifetime this process stops waiting.
        if (m_polls > 2 * lockMs() / kPollMs) {
            m_state = State::Idle;
            failLater(makeError(ErrorKind::Unavailable,
                                QStringLiteral("Zoho OAuth: another process (%1) has been refreshing the access "
                                               "token for over %2 s")
                                    .arg(ticket->reason)
                                    .arg(2 * lockMs() / 1000)));
            return;
        }
        m_state = State::Waiting;
        m_pollTimer->start(kPollMs + QRandomGenerator::global()->bounded(2 * kPollJitterMs + 1) - kPollJitterMs);
        return;
    case RefreshTicket::Kind::Throttled:
        m_state = State::Idle;
        m_throttledUntilMs = ticket->untilMs > 0 ? ticket->untilMs : nowMs() + ticket->waitMs;
        m_throttledBy = ticket->reason;
        qCWarning(lcZoho).noquote() << throttledError().message;
        failLater(throttledError());
        return;
    case RefreshTicket::Kind::Granted:
        break;
    }
    m_ticket = std::move(ticket).value();
    m_state = State::Refreshing;
    m_attempt = 0;
    sendRefresh();
}

void ZohoAuth::poll()
{
    if (m_state != State::Waiting)
        return;
    m_state = State::Idle;
    ++m_polls;
    // One script run answers everything at once: the token is there, the holder gave
    // up (lock free or a throttle noted), or it is still at it.
    begin();
}

void ZohoAuth::adopt(StoredToken token)
{
    m_token = std::move(token);
    m_state = State::Idle;
}

void ZohoAuth::readyLater()
{
    // Deferred so callers never see the signal re-entrantly from their own call.
    m_failPending = true;
    QTimer::singleShot(0, this, [this] {
        m_failPending = false;
        emit tokenReady();
    });
}

void ZohoAuth::failLater(const Error &error)
{
    m_failPending = true;
    QTimer::singleShot(0, this, [this, error] {
        m_failPending = false;
        emit tokenFailed(error);
    });
}

Error ZohoAuth::throttledError() const
{
    const QString until = QDateTime::fromMSecsSinceEpoch(m_throttledUntilMs, Qt::UTC)
                              .toString(QStringLiteral("HH:mm:ss"));
    Error error = makeError(ErrorKind::RateLimited,
                            QStringLiteral("Zoho OAuth token endpoint throttled until %1 UTC (noted by %2); "
                                           "no refresh is sent until then (Zoho allows 10 access tokens per "
                                           "10 minutes)")
                                .arg(until, m_throttledBy.isEmpty() ? QStringLiteral("this process") : m_throttledBy));
    error.code = QString(zohoparser::kOAuthThrottledCode);
    return error;
}

void ZohoAuth::invalidate(const QString &accessToken)
{
    if (!m_token || m_token->accessToken.reveal() != accessToken)
        return;  // already replaced: the failed token was dropped before
    m_store->drop(*m_token);
    m_token.reset();
}

void ZohoAuth::sendRefresh()
{
    ++m_attempt;
    m_timedOut = false;
    QNetworkRequest request(QUrl(m_settings.accountsUrl + QStringLiteral("/oauth/v2/token")));
    request.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArrayLiteral("application/x-www-form-urlencoded"));
    request.setRawHeader("Accept", "application/json");
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    const QByteArray body = formField("refresh_token", m_settings.refreshToken.reveal()) + '&'
                            + formField("client_id", m_settings.clientId) + '&'
                            + formField("client_secret", m_settings.clientSecret.reveal()) + '&'
                            + formField("grant_type", QStringLiteral("refresh_token"));
    qCDebug(lcZoho) << "refreshing access token, attempt" << m_attempt;
    m_reply = m_network->post(request, body);
    auto *timer = new QTimer(m_reply);
    timer->setSingleShot(true);
    connect(timer, &QTimer::timeout, this, &ZohoAuth::onRefreshTimeout);
    timer->start(int(std::min<qint64>(m_options.requestTimeoutMs, INT_MAX)));
    connect(m_reply, &QNetworkReply::finished, this, &ZohoAuth::onRefreshFinished);
}

void ZohoAuth::onRefreshTimeout()
{
    if (!m_reply)
        return;
    m_timedOut = true;
    m_reply->abort();
}

void ZohoAuth::onRefreshFinished()
{
    QNetworkReply *reply = m_reply;
    m_reply = nullptr;
    reply->deleteLater();

    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    Result<OAuthToken> token = [&]() -> Result<OAuthToken> {
        if (status == 0)
            return zohoNetworkError(reply->error(), reply->errorString(), m_timedOut,
                                    m_options.requestTimeoutMs);
        const QByteArray body = reply->read(m_options.maxResponseBytes + 1);
        return zohoparser::parseOAuthToken(status, body,
                                           reply->header(QNetworkRequest::ContentTypeHeader).toByteArray());
    }();

    const RefreshTicket ticket = m_ticket.value_or(RefreshTicket{});
    if (token) {
        const qint64 lifetimeMs = token->expiresInMs;
        // Refresh early, but never spend more than a tenth of a short lifetime on it.
        const qint64 marginMs = std::min(m_options.tokenSafetyMarginMs, lifetimeMs / 10);
        OAuthToken usableFor = *token;
        usableFor.expiresInMs = lifetimeMs - marginMs;
        Result<StoredToken> stored = m_store->finishRefresh(ticket, usableFor);
        if (!stored) {
            qCWarning(lcZoho).noquote() << "token store:" << stored.error().toString() << "- keeping the token here";
            const qint64 now = nowMs();
            stored = StoredToken{usableFor.accessToken, now + usableFor.expiresInMs, now, {}, {}};
        }
        m_ticket.reset();
        adopt(std::move(stored).value());
        ++m_refreshes;
        qCInfo(lcZoho) << "access token refreshed; valid for" << lifetimeMs / 1000 << "s";
        emit tokenReady();
        return;
    }

    Error error = token.error();
    const bool throttled = zohoparser::isOAuthThrottle(error);
    if (throttled) {
        m_throttledUntilMs = nowMs() + m_options.tokenThrottleWindowMs;
        m_throttledBy = ticket.reason;
        const Error detail = error;
        error = throttledError();
        error.httpStatus = detail.httpStatus;
    }
    const bool retryable = !throttled && RetryPolicy::isRetryable(error);
    const bool again = retryable && m_attempt < m_options.retry.maxAttempts;
    RetryEvent event;
    event.at = m_options.wallClock();
    event.target = kTokenTarget;
    event.attempt = m_attempt;
    event.maxAttempts = m_options.retry.maxAttempts;
    event.errorClass = errorKindName(error.kind);
    event.httpStatus = error.httpStatus;
    event.outcome = again ? QStringLiteral("retry")
                          : (retryable ? QStringLiteral("gave_up") : QStringLiteral("not_retried"));
    if (again) {
        const auto retryAfter = RetryPolicy::parseRetryAfterMs(reply->rawHeader("Retry-After"),
                                                               m_options.wallClock());
        event.delayMs = m_options.retry.delayMs(m_attempt, retryAfter);
    }
    qCWarning(lcZoho).noquote() << "token refresh failed:" << error.toString() << "->" << event.outcome;
    emit retryEvent(event);
    if (again) {
        // Still Refreshing: the lock stays ours while we back off.
        QTimer::singleShot(event.delayMs, this, &ZohoAuth::sendRefresh);
        return;
    }
    // Throttled: every process sharing the store waits out the window (the same instant).
    m_store->abandonRefresh(ticket, error, throttled ? m_throttledUntilMs : 0);
    m_ticket.reset();
    m_state = State::Idle;
    emit tokenFailed(error);
}

}  // namespace tiersync
