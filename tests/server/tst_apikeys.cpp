// API keys on the HTTP API (issue 12), on real servers: the serving stack (`tiersync serve`
// in process) over the fixture's Redis, PostgreSQL and zoho-sim, keys in tiersync.api_keys.
// Every route × no key / wrong key / revoked key / wrong scope / good key; only a hash in
// PostgreSQL; a revoke within the cache time; last_used_at off the request path; the
// per-key rate limit (429) on an injected clock; no key in the log.
#include "cache/endpointregistry.h"
#include "fakebackend.h"
#include "host/servestack.h"
#include "manualepochclock.h"
#include "redis/redisconnection.h"
#include "scratchprofile.h"
#include "server/apikey.h"
#include "server/apikeyauthenticator.h"
#include "server/httpserver.h"
#include "server/listenaddress.h"
#include "store/apikeyrepository.h"
#include "store/pgconnection.h"
#include "testsandbox.h"
#include "verifyok.h"

#include <httplib.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QTest>

#include <pqxx/pqxx>

#include <memory>
#include <mutex>

using namespace tiersync;

namespace {

constexpr int kRedisDb = 93;       // this test class's own Redis database
constexpr int kOutageRedisDb = 95; // the outage test's scratch profile
constexpr int kMoodleUserId = 5;   // a student of the scratch zoho-sim tenant

struct Answer {
    int status = 0;
    QJsonObject body;
    std::string challenge;   // WWW-Authenticate
    std::string retryAfter;
};

// Everything logged while the test runs, to prove no key is in it.
std::mutex g_logMutex;
QStringList g_log;
QtMessageHandler g_previousHandler = nullptr;

void captureMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    {
        const std::lock_guard lock(g_logMutex);
        g_log << message;
    }
    if (g_previousHandler)
        g_previousHandler(type, context, message);
}

Answer get(int port, const std::string &target, const QString &authorization = {})
{
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(std::chrono::seconds(60));
    httplib::Headers headers;
    if (!authorization.isEmpty())
        headers.emplace("Authorization", authorization.toStdString());
    Answer answer;
    const auto result = client.Get(target, headers);
    if (!result)
        return answer;
    answer.status = result->status;
    answer.body = QJsonDocument::fromJson(QByteArray::fromStdString(result->body)).object();
    answer.challenge = result->get_header_value("WWW-Authenticate");
    answer.retryAfter = result->get_header_value("Retry-After");
    return answer;
}

QString bearer(const Secret &key)
{
    return QStringLiteral("Bearer ") + key.reveal();
}

// HttpServer over a FakeBackend behind an authenticator of its own (the keys are real,
// in PostgreSQL; the backend needs none of the engine), on a free loopback port.
struct KeyedServer {
    KeyedServer(const PgSettings &pg, const ApiKeyAuthenticator::Options &options)
        : authenticator(pg, options), server(backend)
    {
        server.setAuthenticator(&authenticator);
        auto started = server.start();
        port = started ? *started : 0;
    }

    test::FakeBackend backend;
    ApiKeyAuthenticator authenticator;
    HttpServer server;
    int port = 0;
};

constexpr char kProfileTarget[] = "/api/v1/extension/students/profile?moodle_user_id=1";

std::string readTarget(const QString &endpoint)
{
    return "/api/v1/extension/students/" + endpoint.toStdString() + "?moodle_user_id=" + std::to_string(kMoodleUserId);
}

}  // namespace

class TestApiKeys final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::ScratchProfile> m_scratch;
    ConnectionProfile m_profile;
    test::ManualEpochClock m_clock;
    std::unique_ptr<ServeStack> m_stack;
    QStringList m_endpoints;
    QList<Secret> m_keys;  // every key made, to look for in the log

    // A key as `tiersync apikey create` makes one; revoked at once when asked.
    Secret makeKey(const QString &name, ApiScopes scopes, bool revoked = false)
    {
        return makeKeyIn(m_profile.pg, name, scopes, revoked);
    }

    Secret makeKeyIn(const PgSettings &pg, const QString &name, ApiScopes scopes, bool revoked)
    {
        auto key = apikey::generate();
        if (!key)
            return {};
        const QByteArray bytes = key->reveal().toLatin1();
        PgConnection connection(pg);
        ApiKeyRepository repository(connection);
        auto created = repository.create(*apikey::prefixOf(bytes), apikey::sha256Hex(bytes), name,
                                         apikey::scopeNames(scopes), QStringLiteral("tst_apikeys"));
        if (!created)
            return {};
        if (revoked && !repository.revoke(created->id))
            return {};
        m_keys << *key;
        return *key;
    }

    std::optional<ApiKeyRepository::Key> row(const Secret &key)
    {
        PgConnection connection(m_profile.pg);
        auto found = ApiKeyRepository(connection).findByPrefix(*apikey::prefixOf(key.reveal().toLatin1()));
        if (!found || !*found)
            return std::nullopt;
        return (*found)->key;
    }

    int port() const { return m_stack->port(); }

private Q_SLOTS:
    void initTestCase()
    {
        g_previousHandler = qInstallMessageHandler(captureMessage);
        // Every tiersync log line is written, debug included, so the search below sees them all.
        QLoggingCategory::setFilterRules(QStringLiteral("tiersync.*.debug=true"));
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("apikeys"), kRedisDb,
                                                    test::ScratchProfile::Schema::Empty);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
        m_profile = m_scratch->profile();

        ServeStack::Options options;
        options.clock = m_clock.clock();
        options.threadCount = 8;
        options.apiKeys.usageFlushTickMs = 0;  // the test writes last_used_at (flushUsage)
        auto stack = ServeStack::start(m_profile, options);
        VERIFY_OK(stack);
        m_stack = std::move(*stack);
        QVERIFY(m_stack->authenticator());
        auto registry = EndpointRegistry::builtIn();
        VERIFY_OK(registry);
        m_endpoints = registry->names();
        QVERIFY(m_endpoints.size() >= 5);
    }

    void cleanupTestCase()
    {
        m_stack.reset();
        if (m_scratch)
            (void)RedisConnection(m_profile.redis).command({"FLUSHDB"});
        QLoggingCategory::setFilterRules(QString());
        qInstallMessageHandler(g_previousHandler);
    }

    void everyRouteTimesEveryKey()
    {
        const Secret reader = makeKey(QStringLiteral("reader"), ApiScope::Read);
        const Secret scraper = makeKey(QStringLiteral("scraper"), ApiScope::Metrics);
        const Secret both = makeKey(QStringLiteral("both"), ApiScope::Read | ApiScope::Metrics);
        const Secret revoked = makeKey(QStringLiteral("revoked"), ApiScope::Read | ApiScope::Metrics, true);
        for (const Secret *key : {&reader, &scraper, &both, &revoked})
            QVERIFY(!key->isEmpty());
        // A good key's prefix with another secret; a well-formed key nobody made; not a key.
        const QString prefix = *apikey::prefixOf(both.reveal().toLatin1());
        const QString otherSecret = prefix + u'_' + QString(apikey::kSecretChars, u'A');
        auto unknown = apikey::generate();
        VERIFY_OK(unknown);
        m_keys << *unknown << Secret(otherSecret);

        struct Route {
            std::string target;
            ApiScope scope;
            const Secret *wrongScope;
            const Secret *good;
        };
        QList<Route> routes;
        for (const QString &endpoint : std::as_const(m_endpoints))
            routes << Route{readTarget(endpoint), ApiScope::Read, &scraper, &reader};
        routes << Route{"/metrics", ApiScope::Metrics, &reader, &scraper};
        // Unknown paths under /api/ ask for the key first, then say 404.
        routes << Route{"/api/v1/extension/students/nonexistent?moodle_user_id=5", ApiScope::Read, &scraper, &reader};
        routes << Route{"/api/v2/anything", ApiScope::Read, &scraper, &reader};

        for (const Route &route : std::as_const(routes)) {
            const QByteArray where = QByteArray::fromStdString(route.target);
            const auto expectUnauthorized = [&](const Answer &answer, bool keyGiven, const char *what) {
                QVERIFY2(answer.status == 401, where + " " + what + ": " + QByteArray::number(answer.status));
                QCOMPARE(answer.body.value(QStringLiteral("error")).toString(), QStringLiteral("unauthorized"));
                QVERIFY(!answer.body.value(QStringLiteral("detail")).toString().isEmpty());
                QCOMPARE(answer.body.size(), 2);  // {"error", "detail"}, as every error
                QVERIFY2(QByteArray::fromStdString(answer.challenge).startsWith("Bearer realm=\"tiersync\""),
                         answer.challenge.c_str());
                QCOMPARE(answer.challenge.find("invalid_token") != std::string::npos, keyGiven);
            };
            expectUnauthorized(get(port(), route.target), false, "no key");
            expectUnauthorized(get(port(), route.target, QStringLiteral("Basic dXNlcjpwYXNz")), false, "not Bearer");
            expectUnauthorized(get(port(), route.target, QStringLiteral("Bearer not-a-key")), true, "not a key");
            expectUnauthorized(get(port(), route.target, bearer(*unknown)), true, "unknown key");
            expectUnauthorized(get(port(), route.target, QStringLiteral("Bearer ") + otherSecret), true, "wrong secret");
            const Answer revokedAnswer = get(port(), route.target, bearer(revoked));
            expectUnauthorized(revokedAnswer, true, "revoked");
            QCOMPARE(revokedAnswer.body.value(QStringLiteral("detail")).toString(), QStringLiteral("this API key was revoked"));

            const Answer wrongScope = get(port(), route.target, bearer(*route.wrongScope));
            QVERIFY2(wrongScope.status == 403, where + ": " + QByteArray::number(wrongScope.status));
            QCOMPARE(wrongScope.body.value(QStringLiteral("error")).toString(), QStringLiteral("forbidden"));
            QVERIFY(wrongScope.body.value(QStringLiteral("detail")).toString().contains(apikey::scopeName(route.scope)));
            QVERIFY2(wrongScope.challenge.find("error=\"insufficient_scope\"") != std::string::npos,
                     wrongScope.challenge.c_str());

            const bool exists = route.target.find("nonexistent") == std::string::npos
                                && route.target.find("/api/v2") == std::string::npos;
            for (const Secret *good : {route.good, &both}) {
                const Answer answer = get(port(), route.target, bearer(*good));
                QVERIFY2(answer.status == (exists ? 200 : 404), where + ": " + QByteArray::number(answer.status));
            }
        }
        // The scheme is case-insensitive and the health probe asks for nothing.
        QCOMPARE(get(port(), readTarget(m_endpoints.first()), QStringLiteral("bearer ") + reader.reveal()).status, 200);
        QCOMPARE(get(port(), "/healthz").status, 200);
        // Refusals are counted like any answer.
        httplib::Client client("127.0.0.1", port());
        const auto metrics = client.Get("/metrics", httplib::Headers{{"Authorization", bearer(scraper).toStdString()}});
        QVERIFY(metrics);
        QCOMPARE(metrics->status, 200);
        QVERIFY(metrics->body.find("tiersync_http_responses_total{code=\"401\"} 0\n") == std::string::npos);
        QVERIFY(metrics->body.find("tiersync_http_responses_total{code=\"403\"} 0\n") == std::string::npos);
        QVERIFY(metrics->body.find("tiersync_http_responses_total{code=\"401\"} ") != std::string::npos);
    }

    // The row has the key's SHA-256 and its prefix; no column holds the key or its secret.
    void postgresHoldsOnlyAHash()
    {
        const Secret key = makeKey(QStringLiteral("hash check"), ApiScope::Read);
        QVERIFY(!key.isEmpty());
        const QByteArray bytes = key.reveal().toLatin1();
        const QByteArray secretPart = bytes.mid(apikey::kPrefixLength + 1);
        QString stored;
        qint64 holding = -1;
        PgConnection connection(m_profile.pg);
        VERIFY_OK(connection.transaction(QStringLiteral("reading the key's row"), [&](pqxx::transaction_base &txn) {
            stored = QString::fromStdString(
                txn.exec_params1("SELECT key_sha256 FROM tiersync.api_keys WHERE prefix = $1",
                                 apikey::prefixOf(bytes)->toStdString())[0]
                    .as<std::string>());
            holding = txn.exec_params1("SELECT count(*) FROM tiersync.api_keys k WHERE strpos(k::text, $1) > 0",
                                       secretPart.toStdString())[0]
                          .as<qint64>();
            return Status();
        }));
        QCOMPARE(stored.toLatin1(), apikey::sha256Hex(bytes));
        QCOMPARE(holding, 0);
    }

    // Servers cache a key's row for 30 s: a revoke is refused once that has passed (on the
    // injected clock), without a restart.
    void aRevokeTakesEffectWithinTheCacheTime()
    {
        const Secret key = makeKey(QStringLiteral("soon revoked"), ApiScope::Read);
        QVERIFY(!key.isEmpty());
        const std::string target = readTarget(m_endpoints.first());
        QCOMPARE(get(port(), target, bearer(key)).status, 200);
        PgConnection connection(m_profile.pg);
        auto revoked = ApiKeyRepository(connection).revokeByPrefix(*apikey::prefixOf(key.reveal().toLatin1()));
        VERIFY_OK(revoked);
        QVERIFY(revoked->has_value());
        const int ttlMs = m_stack->authenticator()->options().cacheTtlMs;
        QCOMPARE(ttlMs, 30000);
        m_clock.advance(ttlMs - 1);
        QCOMPARE(get(port(), target, bearer(key)).status, 200);  // still the cached row
        m_clock.advance(1);
        const Answer refused = get(port(), target, bearer(key));
        QCOMPARE(refused.status, 401);
        QCOMPARE(refused.body.value(QStringLiteral("detail")).toString(), QStringLiteral("this API key was revoked"));
    }

    // last_used_at is written by the writer, not by a request, and at most once a minute.
    void lastUsedIsWrittenOffThePathOnceAMinute()
    {
        const Secret key = makeKey(QStringLiteral("usage"), ApiScope::Read);
        QVERIFY(!key.isEmpty());
        const std::string target = readTarget(m_endpoints.first());
        ApiKeyAuthenticator &authenticator = *m_stack->authenticator();
        VERIFY_OK(authenticator.flushUsage());  // whatever earlier tests left
        QVERIFY(!row(key)->lastUsedAt.isValid());
        const qint64 firstUse = m_clock.nowMs();
        QCOMPARE(get(port(), target, bearer(key)).status, 200);
        QVERIFY(!row(key)->lastUsedAt.isValid());  // the request wrote nothing
        VERIFY_OK(authenticator.flushUsage());
        QCOMPARE(row(key)->lastUsedAt.toMSecsSinceEpoch(), firstUse);

        m_clock.advance(20000);
        QCOMPARE(get(port(), target, bearer(key)).status, 200);
        VERIFY_OK(authenticator.flushUsage());
        QCOMPARE(row(key)->lastUsedAt.toMSecsSinceEpoch(), firstUse);  // within the minute: not again

        m_clock.advance(40000);
        const qint64 laterUse = m_clock.nowMs();
        QCOMPARE(get(port(), target, bearer(key)).status, 200);
        VERIFY_OK(authenticator.flushUsage());
        QCOMPARE(row(key)->lastUsedAt.toMSecsSinceEpoch(), laterUse);
    }

    // The per-key token bucket on an injected clock: a burst, then 429 with Retry-After
    // until a token is back; another key has its own bucket.
    void theRateLimitAnswers429()
    {
        const test::ManualEpochClock clock;
        ApiKeyAuthenticator::Options options;
        options.clock = clock.clock();
        options.rateLimitPerSecond = 2;
        options.rateLimitBurst = 3;
        options.usageFlushTickMs = 0;
        KeyedServer keyed(m_profile.pg, options);
        QVERIFY(keyed.port > 0);
        const int at = keyed.port;
        const test::FakeBackend &backend = keyed.backend;
        const Secret first = makeKey(QStringLiteral("busy"), ApiScope::Read | ApiScope::Metrics);
        const Secret second = makeKey(QStringLiteral("quiet"), ApiScope::Read);
        QVERIFY(!first.isEmpty() && !second.isEmpty());
        const std::string target = kProfileTarget;

        for (int i = 0; i < 3; ++i)
            QCOMPARE(get(at, target, bearer(first)).status, 200);
        const Answer limited = get(at, target, bearer(first));
        QCOMPARE(limited.status, 429);
        QCOMPARE(limited.body.value(QStringLiteral("error")).toString(), QStringLiteral("rate_limited"));
        QCOMPARE(limited.retryAfter, std::string("1"));
        QCOMPARE(get(at, "/metrics", bearer(first)).status, 429);  // one bucket per key
        QCOMPARE(get(at, target, bearer(second)).status, 200);     // not another key's

        clock.advance(499);  // 0.998 of a token
        QCOMPARE(get(at, target, bearer(first)).status, 429);
        clock.advance(1);
        QCOMPARE(get(at, target, bearer(first)).status, 200);
        QCOMPARE(get(at, target, bearer(first)).status, 429);
        clock.advance(10000);  // refills to the burst, not beyond
        for (int i = 0; i < 3; ++i)
            QCOMPARE(get(at, target, bearer(first)).status, 200);
        QCOMPARE(get(at, target, bearer(first)).status, 429);
        // A refused request never reached the backend.
        QCOMPARE(backend.readCalls(), 3 + 1 + 1 + 3);
    }

    // PostgreSQL unreachable: a key never seen cannot be checked (503, Retry-After), never
    // let through.
    void anUncheckableKeyIsRefusedWith503()
    {
        PgSettings closed = m_profile.pg;
        closed.options.insert(QStringLiteral("port"), QStringLiteral("1"));
        closed.options.insert(QStringLiteral("connect_timeout"), QStringLiteral("2"));
        ApiKeyAuthenticator::Options options;
        options.usageFlushTickMs = 0;
        KeyedServer keyed(closed, options);
        QVERIFY(keyed.port > 0);
        const test::FakeBackend &backend = keyed.backend;
        auto key = apikey::generate();
        VERIFY_OK(key);
        m_keys << *key;
        const Answer answer = get(keyed.port, kProfileTarget, bearer(*key));
        QCOMPARE(answer.status, 503);
        QCOMPARE(answer.body.value(QStringLiteral("error")).toString(), QStringLiteral("unavailable"));
        QVERIFY(!answer.retryAfter.empty());
        QCOMPARE(backend.readCalls(), 0);
    }

    // PostgreSQL gone (its database dropped) after the keys were seen: each keeps its last
    // answer for the grace time, then is refused with 503 like a key never seen.
    void anOutageKeepsTheLastAnswersForTheGraceTime()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("apikeysdown"), kOutageRedisDb);
        VERIFY_OK(scratch);
        const PgSettings pg = (*scratch)->profile().pg;
        const Secret good = makeKeyIn(pg, QStringLiteral("outage"), ApiScope::Read, false);
        const Secret revoked = makeKeyIn(pg, QStringLiteral("outage revoked"), ApiScope::Read, true);
        QVERIFY(!good.isEmpty() && !revoked.isEmpty());

        const test::ManualEpochClock clock;
        ApiKeyAuthenticator::Options options;
        options.clock = clock.clock();
        options.usageFlushTickMs = 0;
        KeyedServer keyed(pg, options);
        QVERIFY(keyed.port > 0);
        const int at = keyed.port;
        const std::string target = kProfileTarget;
        QCOMPARE(get(at, target, bearer(good)).status, 200);
        QCOMPARE(get(at, target, bearer(revoked)).status, 401);

        scratch->reset();  // DROP DATABASE … WITH (FORCE): the authenticator's session goes too
        clock.advance(options.cacheTtlMs);  // every row is due for a lookup, which fails
        QCOMPARE(get(at, target, bearer(good)).status, 200);
        QCOMPARE(get(at, target, bearer(revoked)).status, 401);
        auto unseen = apikey::generate();
        VERIFY_OK(unseen);
        m_keys << *unseen;
        QCOMPARE(get(at, target, bearer(*unseen)).status, 503);

        clock.advance(options.staleGraceMs);  // past the grace
        const Answer expired = get(at, target, bearer(good));
        QCOMPARE(expired.status, 503);
        QVERIFY(!expired.retryAfter.empty());
    }

    // Without an authenticator the server asks for nothing, which only loopback allows.
    void noKeysOnlyOnLoopback()
    {
        test::FakeBackend backend;
        HttpServer::Options options;
        options.host = QStringLiteral("0.0.0.0");
        HttpServer open(backend, options);
        const auto refused = open.start();
        QVERIFY(!refused);
        QCOMPARE(refused.error().kind, ErrorKind::InvalidArgument);
        QVERIFY2(refused.error().message.contains(QLatin1String("without API keys")), qPrintable(refused.error().message));
        QVERIFY(!open.isRunning());

        HttpServer loopback(backend);
        auto loopbackPort = loopback.start();
        VERIFY_OK(loopbackPort);
        QCOMPARE(get(*loopbackPort, "/api/v1/extension/students/profile?moodle_user_id=1").status, 200);

        for (const char *host : {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "localhost"})
            QVERIFY2(ListenAddress::isLoopback(QString::fromLatin1(host)), host);
        for (const char *host : {"0.0.0.0", "::", "10.0.0.1", "192.168.1.2", "128.0.0.1", "example.org", ""})
            QVERIFY2(!ListenAddress::isLoopback(QString::fromLatin1(host)), host);
    }

    // Keys: 256 random bits after a public prefix; the shape is checked before any lookup.
    void keysHaveTheirShape()
    {
        auto a = apikey::generate();
        auto b = apikey::generate();
        VERIFY_OK(a);
        VERIFY_OK(b);
        m_keys << *a << *b;
        QVERIFY(a->reveal() != b->reveal());
        const QByteArray bytes = a->reveal().toLatin1();
        QCOMPARE(bytes.size(), apikey::kKeyLength);
        QVERIFY(bytes.startsWith("tsk_"));
        QCOMPARE(QByteArray::fromBase64(bytes.mid(apikey::kPrefixLength + 1), QByteArray::Base64UrlEncoding).size(),
                 apikey::kSecretBytes);
        QVERIFY(apikey::isPrefix(*apikey::prefixOf(bytes)));
        QVERIFY(!apikey::prefixOf(bytes.chopped(1)));
        QVERIFY(!apikey::prefixOf(bytes + 'x'));
        QVERIFY(!apikey::prefixOf(QByteArray(bytes).replace(0, 4, "tsx_")));
        QVERIFY(!apikey::prefixOf(QByteArray(bytes).replace(apikey::kPrefixLength + 3, 1, "!")));
        QVERIFY(!apikey::isPrefix(QStringLiteral("tsk_ABCDEF012345")));
        QVERIFY(apikey::sameDigest(apikey::sha256(bytes), apikey::sha256(bytes)));
        QVERIFY(!apikey::sameDigest(apikey::sha256(bytes), apikey::sha256(b->reveal().toLatin1())));
        QVERIFY(!apikey::sameDigest(QByteArray(), QByteArray()));
    }

    // Last: everything the servers, the engine and the test logged, debug included.
    void noKeyInTheLog()
    {
        QVERIFY(m_keys.size() >= 8);
        const std::lock_guard lock(g_logMutex);
        QVERIFY(!g_log.isEmpty());
        for (const Secret &key : std::as_const(m_keys)) {
            const QString secretPart = key.reveal().mid(apikey::kPrefixLength + 1);
            for (const QString &line : std::as_const(g_log))
                QVERIFY2(!line.contains(secretPart), "a key's secret was logged");
        }
    }
};

QTEST_GUILESS_MAIN(TestApiKeys)
#include "tst_apikeys.moc"
