#pragma once

#include "core/error.h"
#include "core/retryevent.h"
#include "core/zohosettings.h"
#include "zoho/tokenstore.h"
#include "zoho/zohoclientoptions.h"

#include <QObject>

#include <memory>
#include <optional>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

namespace tiersync {

// The OAuth refresh-token flow (ZOHO-API.md "OAuth"). Lives on the Zoho client's
// thread and shares its QNetworkAccessManager. Callers ask validToken() and, when there
// is none, requestToken() and wait for tokenReady/tokenFailed.
//
// The token lives in a TokenStore (ZohoClientOptions::tokenStore; shared between
// processes through Redis, or private in memory). A token valid in memory is used with
// no store round trip; otherwise the store is read, and only when it holds none does a
// refresh begin, and the store says who sends it:
//  - Granted: this process POSTs to the token endpoint and stores the answer;
//  - Present: another process stored one meanwhile: use it;
//  - HeldElsewhere: another process is refreshing: ask again every ~200 ms (a timer,
//    the thread never blocks) until its token is there or its lock ends;
//  - Throttled: every waiting call fails at once (RateLimited, code "Access Denied")
//    with the time the window ends and who noticed; no token request until then.
// Transient failures of the token endpoint are retried with the client's RetryPolicy;
// invalid_* answers are Auth errors and never retried. "Access Denied" (the token
// endpoint's throttle) is never retried either: the store is told, so every process
// sharing it waits out ZohoClientOptions::tokenThrottleWindowMs.
// Tokens are never logged.
class ZohoAuth final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ZohoAuth)

public:
    ZohoAuth(ZohoSettings settings, ZohoClientOptions options, QNetworkAccessManager *network,
             QObject *parent = nullptr);
    ~ZohoAuth() override;

    // A token that is valid now (from memory or the store), if any.
    [[nodiscard]] std::optional<QString> validToken();
    // Starts getting a token unless that is under way.
    void requestToken();
    // The API rejected `accessToken` (401): forget it, here and in the store (only that
    // exact token: a newer one another process stored survives).
    void invalidate(const QString &accessToken);

    [[nodiscard]] bool isRefreshing() const { return m_state != State::Idle || m_failPending; }
    // Token requests this process sent that Zoho answered with a token.
    [[nodiscard]] quint64 refreshCount() const { return m_refreshes; }

signals:
    void tokenReady();
    void tokenFailed(const tiersync::Error &error);
    void retryEvent(const tiersync::RetryEvent &event);

private:
    enum class State { Idle, Refreshing, Waiting };

    [[nodiscard]] qint64 nowMs() const;
    [[nodiscard]] qint64 lockMs() const;
    void begin();
    void poll();
    void sendRefresh();
    void onRefreshFinished();
    void onRefreshTimeout();
    void adopt(StoredToken token);
    void readyLater();
    void failLater(const Error &error);
    [[nodiscard]] Error throttledError() const;

    ZohoSettings m_settings;
    ZohoClientOptions m_options;
    QNetworkAccessManager *m_network;
    std::shared_ptr<TokenStore> m_store;
    std::optional<StoredToken> m_token;
    std::optional<RefreshTicket> m_ticket;
    State m_state = State::Idle;
    qint64 m_throttledUntilMs = 0;
    QString m_throttledBy;
    QTimer *m_pollTimer = nullptr;
    int m_polls = 0;
    QNetworkReply *m_reply = nullptr;
    bool m_timedOut = false;
    bool m_failPending = false;
    int m_attempt = 0;
    quint64 m_refreshes = 0;
};

}  // namespace tiersync
