#pragma once

#include "core/error.h"
#include "core/retryevent.h"
#include "core/zohosettings.h"
#include "zoho/tokencache.h"
#include "zoho/zohoclientoptions.h"

#include <QDateTime>
#include <QObject>

#include <optional>

class QNetworkAccessManager;
class QNetworkReply;

namespace tiersync {

// The OAuth refresh-token flow (ZOHO-API.md "OAuth"). Lives on the Zoho client's
// thread and shares its QNetworkAccessManager. At most one refresh runs at a time;
// callers ask validToken() and, when there is none, requestToken() and wait for
// tokenReady/tokenFailed. Transient failures of the token endpoint are retried with the
// client's RetryPolicy; invalid_* answers are Auth errors and never retried. "Access
// Denied" (the token endpoint's throttle) is never retried either: no refresh is sent
// until ZohoClientOptions::tokenThrottleWindowMs has passed, and every caller until then
// fails at once with that time in the message.
// Tokens are never logged.
class ZohoAuth final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ZohoAuth)

public:
    ZohoAuth(ZohoSettings settings, ZohoClientOptions options, QNetworkAccessManager *network,
             QObject *parent = nullptr);
    ~ZohoAuth() override;

    // A token that is valid now (from memory or the shared cache), if any.
    [[nodiscard]] std::optional<QString> validToken();
    // Starts a refresh unless one is running.
    void requestToken();
    // The API rejected `accessToken` (401): forget it, here and in the shared cache.
    void invalidate(const QString &accessToken);

    [[nodiscard]] bool isRefreshing() const { return m_reply != nullptr || m_waitingRetry; }
    [[nodiscard]] quint64 refreshCount() const { return m_refreshes; }

signals:
    void tokenReady();
    void tokenFailed(const tiersync::Error &error);
    void retryEvent(const tiersync::RetryEvent &event);

private:
    void sendRefresh();
    void onRefreshFinished();
    void onRefreshTimeout();
    [[nodiscard]] Error throttledError() const;

    ZohoSettings m_settings;
    ZohoClientOptions m_options;
    QNetworkAccessManager *m_network;
    std::shared_ptr<TokenCache> m_cache;
    std::optional<CachedToken> m_token;
    std::optional<QDateTime> m_throttledUntil;
    QNetworkReply *m_reply = nullptr;
    bool m_timedOut = false;
    bool m_waitingRetry = false;
    int m_attempt = 0;
    quint64 m_refreshes = 0;
};

}  // namespace tiersync
