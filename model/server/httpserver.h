#pragma once

#include "core/result.h"

#include <QString>
#include <QtGlobal>

#include <memory>

namespace tiersync {

class ApiKeyAuthenticator;
class ServerBackend;
class WebhookHandler;

// The HTTP API over a ServerBackend, with cpp-httplib:
//   GET /api/v1/extension/students/{endpoint}?moodle_user_id=N[&force_refresh=true]
//   GET /healthz   (200 healthy, 503 degraded; the backend's JSON)
//   GET /metrics   (Prometheus text 0.0.4: the backend's statistics + the server's own)
//   POST /webhooks/zoho/{crm,books}  (forwarded to a WebhookHandler, when one is set)
// Requests are validated here, before anything reaches the backend; errors are JSON
// {"error", "detail"} and never carry internal messages.
//
// With an ApiKeyAuthenticator, /api/v1/… asks for a key with the read scope and /metrics
// for one with the metrics scope (`Authorization: Bearer <key>`), before anything else:
// none or a wrong or revoked one → 401 with WWW-Authenticate, wrong scope → 403, the
// key's rate limit → 429 with Retry-After. /healthz stays open (load balancers probe it)
// and webhooks keep their own token and signature. Without one nothing is asked, which
// start() allows on a loopback address only.
//
// Threads: httplib serves each connection on one pool thread for as long as it is kept
// alive, and a backend read may block on Zoho for seconds. The pool is therefore sized
// for connections, not for cores: a hit costs tens of microseconds of CPU, so two cores
// saturate with a handful of busy threads, and the rest exist to be parked on Zoho misses
// and idle keep-alive connections without making hits on other connections wait. Each
// connection is recycled after keepAliveMaxCount requests so that, when there are more
// clients than threads, queued connections still get their turn. The backend gives each
// worker thread its own Redis and PostgreSQL connections (created lazily, on the thread).
class HttpServer final {
public:
    struct Options {
        QString host = QStringLiteral("127.0.0.1");  // loopback unless told otherwise
        int port = 0;                                 // 0: any free port (see port())
        int threadCount = 0;                          // 0: defaultThreadCount()
        int keepAliveTimeoutSeconds = 5;
        // High because a connection that moves to another pool thread makes that thread
        // open its own Redis and PostgreSQL connections (tens of ms, seen as p99 spikes);
        // low enough that, with more clients than threads, queued ones still get a turn.
        int keepAliveMaxCount = 10000;
        int readTimeoutMs = 5000;   // a client that stalls mid-request
        int writeTimeoutMs = 5000;  // a client that stops reading its answer
        int maxBodyBytes = 4096;    // the API takes no bodies; larger → 413
        int listenBacklog = 1024;   // httplib's own is 5: bursts of new clients would be refused
    };

    explicit HttpServer(ServerBackend &backend);
    HttpServer(ServerBackend &backend, Options options);
    // Stops and joins.
    ~HttpServer();
    Q_DISABLE_COPY_MOVE(HttpServer)

    // 64 threads per core, between 64 and 512.
    [[nodiscard]] static int defaultThreadCount();

    // Binds and starts serving on a thread of its own; returns the bound port (useful
    // with port 0). Connections are accepted (queued) from the moment this returns.
    // Once only. InvalidArgument without an authenticator on a non-loopback host.
    [[nodiscard]] Result<int> start();
    // Routes POST /webhooks/zoho/{source} to handler (not owned; outlives the server) and
    // raises the body cap to its maxBodyBytes(). Before start() only.
    void setWebhookHandler(WebhookHandler *handler);
    // Asks for API keys (not owned; outlives the server). Before start() only.
    void setAuthenticator(ApiKeyAuthenticator *authenticator);
    // From any thread, idempotent. Stops accepting, lets requests in flight finish (and
    // idle keep-alive connections notice, within keepAliveTimeoutSeconds), joins.
    void stop();

    [[nodiscard]] bool isRunning() const;
    [[nodiscard]] int port() const;
    [[nodiscard]] int threadCount() const;
    [[nodiscard]] QString url() const;  // http://host:port

private:
    struct Private;
    std::unique_ptr<Private> d;
};

}  // namespace tiersync
