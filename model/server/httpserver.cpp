#include "server/httpserver.h"

#include "core/logging.h"
#include "server/apikeyauthenticator.h"
#include "server/httperror.h"
#include "server/listenaddress.h"
#include "server/readrequest.h"
#include "server/serverbackend.h"
#include "server/webhookhandler.h"

#include <httplib.h>

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

namespace tiersync {

namespace {

constexpr char kReadPrefix[] = "/api/v1/extension/students/";
constexpr char kApiPrefix[] = "/api/";
constexpr char kWebhookPrefix[] = "/webhooks/zoho/";
constexpr char kJson[] = "application/json";
constexpr char kPrometheus[] = "text/plain; version=0.0.4; charset=utf-8";

// httplib keeps its listening socket to itself; the subclass reaches it so the backlog
// can be raised after binding (listen() again on a listening socket only resizes it).
class BacklogServer final : public httplib::Server {
public:
    [[nodiscard]] int listeningSocket() const { return svr_sock_; }
};

// Response codes the server can produce, for tiersync_http_responses_total.
constexpr std::array<int, 12> kCountedStatuses = {200, 400, 401, 403, 404, 405, 413, 414, 429, 500, 503, 0};

std::size_t statusSlot(int status)
{
    const auto *found = std::find(kCountedStatuses.begin(), kCountedStatuses.end() - 1, status);
    return static_cast<std::size_t>(found - kCountedStatuses.begin());  // last slot: "other"
}

void setBody(httplib::Response &response, int status, const QByteArray &body, const char *contentType)
{
    response.status = status;
    response.set_content(body.constData(), static_cast<std::size_t>(body.size()), contentType);
}

void setError(httplib::Response &response, const HttpError &error)
{
    setBody(response, error.status, error.toJson(), kJson);
    if (error.retryAfterSeconds > 0)
        response.set_header("Retry-After", std::to_string(error.retryAfterSeconds));
    if (error.status == 405)
        response.set_header("Allow", "GET, HEAD");
    if (!error.challenge.isEmpty())
        response.set_header("WWW-Authenticate", error.challenge.toStdString());
}

// The answer to a request the authenticator did not allow.
HttpError authError(const ApiKeyAuthenticator::Decision &decision, ApiScope needed)
{
    using Outcome = ApiKeyAuthenticator::Outcome;
    switch (decision.outcome) {
    case Outcome::Missing:
        return HttpError::unauthorized(QStringLiteral("an API key is required: Authorization: Bearer <key>"), false);
    case Outcome::Revoked:
        return HttpError::unauthorized(QStringLiteral("this API key was revoked"), true);
    case Outcome::WrongScope:
        return HttpError::forbidden(apikey::scopeName(needed));
    case Outcome::RateLimited:
        return HttpError::rateLimited(decision.retryAfterSeconds);
    case Outcome::Unavailable:
        return {503, QStringLiteral("unavailable"), QStringLiteral("the API key cannot be checked now; try again later"),
                decision.retryAfterSeconds};
    case Outcome::Invalid:
    case Outcome::Allowed:
        break;
    }
    return HttpError::unauthorized(QStringLiteral("unknown or malformed API key"), true);
}

QString protocolErrorDetail(int status)
{
    switch (status) {
    case 413: return QStringLiteral("request body too large");
    case 414: return QStringLiteral("request URI too long");
    case 404: return QStringLiteral("no such path");
    default: return QStringLiteral("malformed request");
    }
}

bool isKnownPath(const std::string &path)
{
    return path == "/healthz" || path == "/metrics"
           || (path.size() > std::strlen(kReadPrefix) && path.compare(0, std::strlen(kReadPrefix), kReadPrefix) == 0);
}

}  // namespace

struct HttpServer::Private {
    Private(ServerBackend &backendRef, Options optionsValue)
        : backend(backendRef), options(std::move(optionsValue))
    {
        if (options.threadCount <= 0)
            options.threadCount = defaultThreadCount();
    }

    void configure();
    void handleGet(const httplib::Request &request, httplib::Response &response);
    [[nodiscard]] bool authorized(const httplib::Request &request, httplib::Response &response, ApiScope needed);
    void handleRead(const httplib::Request &request, httplib::Response &response);
    void handleHealth(httplib::Response &response);
    void handleMetrics(httplib::Response &response);
    void handleWebhook(const httplib::Request &request, httplib::Response &response);
    void count(int status) { responses[statusSlot(status)].fetch_add(1, std::memory_order_relaxed); }
    [[nodiscard]] QByteArray serverMetrics() const;

    ServerBackend &backend;
    WebhookHandler *webhooks = nullptr;  // set before start(); not owned
    ApiKeyAuthenticator *authenticator = nullptr;  // set before start(); not owned; null: no keys asked
    Options options;
    BacklogServer server;
    std::thread thread;
    std::mutex lifecycle;  // start/stop
    std::atomic<bool> started{false};
    std::atomic<bool> listenReturned{false};
    int port = 0;
    std::atomic<int> inFlight{0};
    std::array<std::atomic<quint64>, kCountedStatuses.size()> responses{};
};

void HttpServer::Private::configure()
{
    const auto threads = static_cast<std::size_t>(options.threadCount);
    server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server.set_keep_alive_timeout(options.keepAliveTimeoutSeconds);
    server.set_keep_alive_max_count(static_cast<std::size_t>(std::max(1, options.keepAliveMaxCount)));
    server.set_read_timeout(std::chrono::milliseconds(options.readTimeoutMs));
    server.set_write_timeout(std::chrono::milliseconds(options.writeTimeoutMs));
    server.set_payload_max_length(static_cast<std::size_t>(options.maxBodyBytes));
    server.set_tcp_nodelay(true);
    // httplib's default also sets SO_REUSEPORT, which would let a second server bind a
    // port that is in use and silently share its traffic; SO_REUSEADDR alone only allows
    // a quick restart over connections in TIME_WAIT.
    server.set_socket_options([](int socket) {
        const int yes = 1;
        (void)::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });

    // Every method lands in one router, so a wrong method on a known path can be told
    // apart from an unknown path (httplib would answer 404 for both).
    server.Get(".*", [this](const httplib::Request &request, httplib::Response &response) {
        handleGet(request, response);
    });
    const auto notAllowed = [this](const httplib::Request &request, httplib::Response &response) {
        const HttpError error = isKnownPath(request.path) ? HttpError::methodNotAllowed()
                                                          : HttpError::notFound(QStringLiteral("no such path"));
        setError(response, error);
        count(error.status);
    };
    // Webhooks: the server only forwards them (model/webhook holds the logic).
    server.Post(".*", [this, notAllowed](const httplib::Request &request, httplib::Response &response) {
        if (webhooks && request.path.compare(0, std::strlen(kWebhookPrefix), kWebhookPrefix) == 0)
            handleWebhook(request, response);
        else
            notAllowed(request, response);
    });
    server.Put(".*", notAllowed);
    server.Patch(".*", notAllowed);
    server.Delete(".*", notAllowed);
    server.Options(".*", notAllowed);

    // Errors httplib produces itself (malformed request line, 413, 414…) get JSON too.
    server.set_error_handler([this](const httplib::Request &, httplib::Response &response) {
        if (!response.body.empty())
            return;
        setBody(response, response.status,
                HttpError{response.status, QStringLiteral("bad_request"), protocolErrorDetail(response.status), 0}.toJson(), kJson);
        count(response.status);
    });
    server.set_exception_handler([this](const httplib::Request &request, httplib::Response &response,
                                        std::exception_ptr exception) {
        QString what = QStringLiteral("unknown exception");
        try {
            if (exception)
                std::rethrow_exception(exception);
        } catch (const std::exception &e) {
            what = QString::fromLocal8Bit(e.what());
        } catch (...) {
        }
        qCWarning(lcHttp) << "exception while serving" << request.method.c_str() << request.path.c_str() << what;
        setError(response, HttpError::internal());
        count(500);
    });
}

void HttpServer::Private::handleGet(const httplib::Request &request, httplib::Response &response)
{
    QElapsedTimer timer;
    timer.start();
    inFlight.fetch_add(1, std::memory_order_relaxed);
    if (request.path == "/healthz") {
        handleHealth(response);
    } else if (request.path == "/metrics") {
        if (authorized(request, response, ApiScope::Metrics))
            handleMetrics(response);
    } else if (request.path.compare(0, std::strlen(kApiPrefix), kApiPrefix) == 0) {
        // The key first: a caller without one learns nothing, not even which paths exist.
        if (authorized(request, response, ApiScope::Read)) {
            if (request.path.compare(0, std::strlen(kReadPrefix), kReadPrefix) == 0)
                handleRead(request, response);
            else
                setError(response, HttpError::notFound(QStringLiteral("no such path")));
        }
    } else {
        setError(response, HttpError::notFound(QStringLiteral("no such path")));
    }
    inFlight.fetch_sub(1, std::memory_order_relaxed);
    count(response.status);
    // Ids are fine in debug logs; the query holds nothing secret, and info stays quiet.
    qCDebug(lcHttp).noquote() << request.method.c_str() << request.path.c_str() << response.status
                              << timer.nsecsElapsed() / 1000 << "us";
}

bool HttpServer::Private::authorized(const httplib::Request &request, httplib::Response &response, ApiScope needed)
{
    if (!authenticator)
        return true;
    const auto header = request.headers.find("Authorization");  // httplib compares names case-insensitively
    const std::string_view value = header == request.headers.end() ? std::string_view() : std::string_view(header->second);
    const ApiKeyAuthenticator::Decision decision =
        authenticator->authorize(QByteArrayView(value.data(), qsizetype(value.size())), needed);
    if (decision.outcome == ApiKeyAuthenticator::Outcome::Allowed)
        return true;
    // The prefix is the key's public id; the key itself is never logged.
    qCDebug(lcHttp).noquote() << "refused" << request.path.c_str() << "key"
                              << (decision.prefix.isEmpty() ? QStringLiteral("-") : decision.prefix)
                              << "outcome" << int(decision.outcome);
    setError(response, authError(decision, needed));
    return false;
}

void HttpServer::Private::handleRead(const httplib::Request &request, httplib::Response &response)
{
    const QString endpoint = QString::fromUtf8(request.path.substr(std::strlen(kReadPrefix)));
    const std::size_t question = request.target.find('?');
    const QByteArray rawQuery = question == std::string::npos
                                    ? QByteArray()
                                    : QByteArray::fromStdString(request.target.substr(question + 1));
    auto parsed = ReadRequest::parse(endpoint, ReadRequest::parseQuery(rawQuery));
    if (!parsed) {
        setError(response, HttpError::fromValidation(parsed.error()));
        return;
    }
    if (!backend.hasEndpoint(parsed->endpoint)) {
        setError(response, HttpError::notFound(QStringLiteral("unknown endpoint")));
        return;
    }
    auto answer = backend.read(parsed->endpoint, parsed->moodleUserId, parsed->forceRefresh);
    if (!answer) {
        const HttpError error = HttpError::fromBackend(answer.error());
        // The full reason goes to the log only; the client gets the safe wording.
        if (error.status >= 500)
            qCWarning(lcHttp).noquote() << "read" << parsed->endpoint << parsed->moodleUserId << "failed:"
                                        << answer.error().toString();
        setError(response, error);
        return;
    }
    setBody(response, 200, answer->toJson(), kJson);
}

void HttpServer::Private::handleHealth(httplib::Response &response)
{
    const QJsonObject health = backend.health();
    const bool healthy = health.value(QStringLiteral("status")).toString() == QLatin1String("ok");
    setBody(response, healthy ? 200 : 503, QJsonDocument(health).toJson(QJsonDocument::Compact), kJson);
}

void HttpServer::Private::handleMetrics(httplib::Response &response)
{
    QByteArray body = backend.metrics();
    if (!body.isEmpty() && !body.endsWith('\n'))
        body.append('\n');
    body.append(serverMetrics());
    setBody(response, 200, body, kPrometheus);
}

void HttpServer::Private::handleWebhook(const httplib::Request &request, httplib::Response &response)
{
    inFlight.fetch_add(1, std::memory_order_relaxed);
    WebhookHandler::Delivery delivery;
    delivery.source = QString::fromUtf8(request.path.substr(std::strlen(kWebhookPrefix)));
    for (const auto &[name, value] : request.headers)
        delivery.headers.insert(QByteArray::fromStdString(name).toLower(), QByteArray::fromStdString(value));
    const std::size_t question = request.target.find('?');
    if (question != std::string::npos)
        delivery.rawQuery = QByteArray::fromStdString(request.target.substr(question + 1));
    delivery.body = QByteArray::fromStdString(request.body);
    const WebhookHandler::Answer answer = webhooks->handle(delivery);
    setBody(response, answer.status, answer.json, kJson);
    inFlight.fetch_sub(1, std::memory_order_relaxed);
    count(answer.status);
}

QByteArray HttpServer::Private::serverMetrics() const
{
    QByteArray text;
    text += "# HELP tiersync_http_responses_total HTTP responses by status code.\n"
            "# TYPE tiersync_http_responses_total counter\n";
    for (std::size_t i = 0; i < kCountedStatuses.size(); ++i) {
        const QByteArray code = kCountedStatuses[i] == 0 ? QByteArray("other") : QByteArray::number(kCountedStatuses[i]);
        text += "tiersync_http_responses_total{code=\"" + code + "\"} "
                + QByteArray::number(responses[i].load(std::memory_order_relaxed)) + '\n';
    }
    text += "# HELP tiersync_http_requests_in_flight Requests being served now.\n"
            "# TYPE tiersync_http_requests_in_flight gauge\n"
            "tiersync_http_requests_in_flight "
            + QByteArray::number(inFlight.load(std::memory_order_relaxed)) + '\n';
    text += "# HELP tiersync_http_worker_threads Size of the HTTP worker pool.\n"
            "# TYPE tiersync_http_worker_threads gauge\n"
            "tiersync_http_worker_threads "
            + QByteArray::number(options.threadCount) + '\n';
    return text;
}

HttpServer::HttpServer(ServerBackend &backend) : HttpServer(backend, Options{}) {}

void HttpServer::setWebhookHandler(WebhookHandler *handler)
{
    d->webhooks = handler;
    // Webhook bodies may be larger than the API's own cap; the handler checks its own.
    const int maxBodyBytes = handler ? std::max(d->options.maxBodyBytes, handler->maxBodyBytes()) : d->options.maxBodyBytes;
    d->server.set_payload_max_length(static_cast<std::size_t>(maxBodyBytes));
}

void HttpServer::setAuthenticator(ApiKeyAuthenticator *authenticator)
{
    d->authenticator = authenticator;
}

HttpServer::HttpServer(ServerBackend &backend, Options options)
    : d(std::make_unique<Private>(backend, std::move(options)))
{
    d->configure();
}

HttpServer::~HttpServer()
{
    stop();
}

int HttpServer::defaultThreadCount()
{
    const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    return std::clamp(64 * cores, 64, 512);
}

Result<int> HttpServer::start()
{
    const std::lock_guard lock(d->lifecycle);
    if (d->started)
        return makeError(ErrorKind::Conflict, QStringLiteral("the HTTP server was already started"));
    if (!d->authenticator && !ListenAddress::isLoopback(d->options.host))
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("refusing to serve without API keys on %1: only a loopback address "
                                        "(127.0.0.1, ::1) may go without them")
                             .arg(d->options.host));
    const std::string host = d->options.host.toStdString();
    const auto where = [this] { return QStringLiteral("%1:%2").arg(d->options.host).arg(d->options.port); };
    if (d->options.port == 0) {
        d->port = d->server.bind_to_any_port(host);
        if (d->port <= 0)
            return makeError(ErrorKind::Unavailable, QStringLiteral("cannot bind %1 on any port").arg(d->options.host));
    } else {
        if (!d->server.bind_to_port(host, d->options.port))
            return makeError(ErrorKind::Unavailable, QStringLiteral("cannot bind %1: %2")
                                                         .arg(where(), QString::fromLocal8Bit(std::strerror(errno))));
        d->port = d->options.port;
    }
    if (::listen(d->server.listeningSocket(), d->options.listenBacklog) != 0)
        qCWarning(lcHttp) << "cannot raise the listen backlog:" << std::strerror(errno);
    d->started = true;
    d->thread = std::thread([this] {
        if (!d->server.listen_after_bind())
            qCWarning(lcHttp) << "HTTP server on port" << d->port << "stopped with an error";
        d->listenReturned = true;
    });
    // httplib's stop() only acts once its accept loop runs; wait for that so a stop()
    // right after start() cannot be lost.
    while (!d->server.is_running() && !d->listenReturned)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (!d->server.is_running()) {
        d->thread.join();
        return makeError(ErrorKind::Unavailable, QStringLiteral("the HTTP server on %1 did not start").arg(where()));
    }
    qCInfo(lcHttp).noquote() << "listening on" << url() << "with" << d->options.threadCount << "worker threads";
    return d->port;
}

void HttpServer::stop()
{
    const std::lock_guard lock(d->lifecycle);
    if (!d->thread.joinable())
        return;
    d->server.stop();
    d->thread.join();
    qCInfo(lcHttp).noquote() << "stopped" << url();
}

bool HttpServer::isRunning() const
{
    return d->server.is_running();
}

int HttpServer::port() const
{
    return d->port;
}

int HttpServer::threadCount() const
{
    return d->options.threadCount;
}

QString HttpServer::url() const
{
    const QString host = d->options.host.contains(u':') ? u'[' + d->options.host + u']' : d->options.host;
    return QStringLiteral("http://%1:%2").arg(host).arg(d->port);
}

}  // namespace tiersync
