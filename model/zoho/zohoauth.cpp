#include "zoho/zohoauth.h"

#include "core/logging.h"
#include "zoho/inmemorytokencache.h"
#include "zoho/zohonetworkerror.h"
#include "zoho/zohoparser.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>
#include <QUrl>

#include <algorithm>

namespace tiersync {

namespace {

const QString kTokenTarget = QStringLiteral("POST /oauth/v2/token");

QByteArray formField(const char *name, const QString &value)
{
    return QByteArray(name) + '=' + QUrl::toPercentEncoding(value);
}

}  // namespace

ZohoAuth::ZohoAuth(ZohoSettings settings, ZohoClientOptions options, QNetworkAccessManager *network,
                   QObject *parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_options(std::move(options))
    , m_network(network)
    , m_cache(m_options.tokenCache ? m_options.tokenCache : std::make_shared<InMemoryTokenCache>())
{
}

ZohoAuth::~ZohoAuth()
{
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        delete m_reply;
    }
}

std::optional<QString> ZohoAuth::validToken()
{
    const QDateTime now = m_options.wallClock();
    if (m_token && now < m_token->expiresAtUtc)
        return m_token->accessToken.reveal();
    m_token.reset();
    // Another instance (or client) may have refreshed already.
    if (auto cached = m_cache->get(m_settings.clientId);
        cached && !cached->accessToken.isEmpty() && now < cached->expiresAtUtc) {
        m_token = std::move(cached);
        return m_token->accessToken.reveal();
    }
    return std::nullopt;
}

void ZohoAuth::requestToken()
{
    if (isRefreshing())
        return;
    if (m_settings.clientId.isEmpty() || m_settings.refreshToken.isEmpty()) {
        Error error = makeError(ErrorKind::Auth,
                                QStringLiteral("Zoho client id or refresh token is not configured"));
        // Deferred so callers never see the signal re-entrantly from their own call.
        m_waitingRetry = true;
        QTimer::singleShot(0, this, [this, error] {
            m_waitingRetry = false;
            emit tokenFailed(error);
        });
        return;
    }
    if (m_throttledUntil && m_options.wallClock() < *m_throttledUntil) {
        // Zoho would refuse it and count it: say until when instead of asking.
        Error error = throttledError();
        m_waitingRetry = true;
        QTimer::singleShot(0, this, [this, error] {
            m_waitingRetry = false;
            emit tokenFailed(error);
        });
        return;
    }
    m_throttledUntil.reset();
    m_attempt = 0;
    sendRefresh();
}

Error ZohoAuth::throttledError() const
{
    Error error = makeError(ErrorKind::RateLimited,
                            QStringLiteral("Zoho OAuth: token endpoint throttled (Zoho allows 10 access "
                                           "tokens per 10 minutes); no refresh is sent until %1")
                                .arg(m_throttledUntil->toUTC().toString(Qt::ISODate)));
    error.code = QString(zohoparser::kOAuthThrottledCode);
    return error;
}

void ZohoAuth::invalidate(const QString &accessToken)
{
    if (m_token && m_token->accessToken.reveal() == accessToken)
        m_token.reset();
    m_cache->remove(m_settings.clientId, accessToken);
}

void ZohoAuth::sendRefresh()
{
    m_waitingRetry = false;
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

    if (token) {
        const qint64 lifetimeMs = token->expiresInMs;
        // Refresh early, but never spend more than a tenth of a short lifetime on it.
        const qint64 marginMs = std::min(m_options.tokenSafetyMarginMs, lifetimeMs / 10);
        m_token = CachedToken{token->accessToken, m_options.wallClock().addMSecs(lifetimeMs - marginMs)};
        m_cache->put(m_settings.clientId, *m_token);
        ++m_refreshes;
        qCInfo(lcZoho) << "access token refreshed; valid for" << lifetimeMs / 1000 << "s";
        emit tokenReady();
        return;
    }

    Error error = token.error();
    const bool throttled = zohoparser::isOAuthThrottle(error);
    if (throttled) {
        m_throttledUntil = m_options.wallClock().addMSecs(m_options.tokenThrottleWindowMs);
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
        m_waitingRetry = true;
        QTimer::singleShot(event.delayMs, this, &ZohoAuth::sendRefresh);
        return;
    }
    emit tokenFailed(error);
}

}  // namespace tiersync
