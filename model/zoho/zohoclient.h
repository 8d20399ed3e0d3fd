#pragma once

#include "core/result.h"
#include "core/retryevent.h"
#include "core/zohosettings.h"
#include "zoho/circuitbreaker.h"
#include "zoho/zohobudget.h"
#include "zoho/zohoclientoptions.h"
#include "zoho/zohorequest.h"
#include "zoho/zohoresponse.h"
#include "zoho/zohostats.h"

#include <QFuture>
#include <QHash>
#include <QMutex>
#include <QObject>

#include <array>
#include <deque>
#include <functional>
#include <memory>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

namespace tiersync {

class ZohoAuth;

// HTTP client for the Zoho APIs. It lives on one thread (ZohoService owns it) and does
// all network work there; submit() may be called from any thread and returns a future
// that is always fulfilled with a Result (or cancelled if the client is destroyed
// before the request reached it — awaitResult() turns that into ErrorKind::Cancelled).
//
// Requests queue by purpose: reads first, then webhooks, then syncs, each queue in FIFO
// order. pump() takes them in that order, skipping a family the budget told to wait, and
// for each checks the circuit breaker, a valid OAuth token (one refresh at a time) and
// then asks the ZohoBudget: Granted → sent; Wait → asked again after that long (a timer,
// never blocking); Stopped → that family's calls of this and lower priority fail at once
// with the reason. A request with maxBudgetWaitMs fails RateLimited as soon as its wait
// would pass it. Cancelled futures are dropped before they spend budget. Transient
// failures are retried per ZohoClientOptions::retryFor(purpose), each attempt through the
// budget again; a 401 refreshes the token once and retries. Every failed attempt emits
// retryEvent.
class ZohoClient final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ZohoClient)

public:
    explicit ZohoClient(ZohoSettings settings, ZohoClientOptions options = {},
                        QObject *parent = nullptr);
    ~ZohoClient() override;

    // Thread-safe.
    [[nodiscard]] QFuture<Result<ZohoResponse>> submit(ZohoRequest request);
    // Also thread-safe: `attach` gets the future before the call can finish, to add
    // continuations (QFuture::then) to it. Qt 6.4's then() on a future another thread is
    // finishing can run the continuation twice (setContinuation() runs it and then stores
    // it for runContinuation() too), and the second run crashes on a moved-from promise;
    // a call that fails at once (a read past its budget wait) finishes within
    // microseconds on the client's thread, so continuations must be in place first.
    [[nodiscard]] QFuture<Result<ZohoResponse>> submit(
        ZohoRequest request, const std::function<void(QFuture<Result<ZohoResponse>> &)> &attach);
    [[nodiscard]] ZohoStats stats() const;
    [[nodiscard]] const ZohoSettings &settings() const { return m_settings; }
    [[nodiscard]] const ZohoClientOptions &options() const { return m_options; }
    // The budget this client spends (thread-safe; snapshot() for the console).
    [[nodiscard]] std::shared_ptr<ZohoBudget> budget() const { return m_budget; }

signals:
    void retryEvent(const tiersync::RetryEvent &event);
    void circuitStateChanged(tiersync::CircuitState state);
    // Coalesced: at most about five times a second.
    void statsChanged(const tiersync::ZohoStats &stats);

private:
    struct Call;
    using CallPtr = std::shared_ptr<Call>;

    void ensureNetwork();
    static constexpr int kQueueCount = 3;  // Read, Webhook, Sync

    void enqueue(const CallPtr &call, bool front);
    void pump();
    // Whether waiting waitMs more would pass the call's maxBudgetWaitMs.
    [[nodiscard]] bool exceedsBudgetWait(const CallPtr &call, qint64 waitMs, qint64 now) const;
    void failBudgetWait(const CallPtr &call, qint64 waitMs);
    void failFamily(int queue, ZohoApiFamily family, const Error &error);
    void releaseLease(const CallPtr &call, ZohoLeaseRelease mode);
    void send(const CallPtr &call, const QString &token);
    void onReplyFinished(QNetworkReply *reply);
    void onTokenFailed(const Error &error);
    void handleFailure(const CallPtr &call, const Error &error, const QByteArray &retryAfter,
                       const ZohoBudget::Headers &headers = {});
    void succeed(const CallPtr &call, ZohoResponse response);
    void fail(const CallPtr &call, const Error &error);
    // A call refused because the circuit is open (or half-open): the failure that opened
    // it first — HTTP status, Zoho code, timeout — and the circuit as its consequence.
    [[nodiscard]] Error circuitOpenError(const QString &state) const;
    void emitRetryEvent(const CallPtr &call, const Error &error, qint64 delayMs, const QString &outcome);
    void schedulePump(qint64 delayMs);
    void updateStats();

    ZohoSettings m_settings;
    ZohoClientOptions m_options;
    QNetworkAccessManager *m_network = nullptr;
    // Qt 6.4 opens at most six HTTP/1.1 connections per host per manager, so allowing
    // more calls in flight than that needs more managers; calls go round-robin.
    QList<QNetworkAccessManager *> m_dataNetworks;
    qsizetype m_nextNetwork = 0;
    ZohoAuth *m_auth = nullptr;
    CircuitBreaker *m_breaker = nullptr;
    Error m_circuitCause;          // the last failure the breaker counted
    QString m_circuitCauseTarget;  // and the call it answered ("GET /books/v3/items")
    QTimer *m_pumpTimer = nullptr;
    QTimer *m_statsTimer = nullptr;
    std::shared_ptr<ZohoBudget> m_budget;

    std::array<std::deque<CallPtr>, kQueueCount> m_queues;
    // Steady ms until which a queue does not ask the budget for a family again.
    std::array<std::array<qint64, kZohoApiFamilyCount>, kQueueCount> m_blockedUntilMs{};
    QHash<QNetworkReply *, CallPtr> m_inFlight;
    QHash<Call *, CallPtr> m_backingOff;

    mutable QMutex m_statsMutex;
    ZohoStats m_stats;
};

}  // namespace tiersync
