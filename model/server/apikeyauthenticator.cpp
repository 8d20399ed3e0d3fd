#include "server/apikeyauthenticator.h"

#include "core/logging.h"
#include "store/apikeyrepository.h"
#include "store/pgconnection.h"

#include <QHash>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <limits>
#include <mutex>
#include <shared_mutex>
#include <thread>

namespace tiersync {

namespace {

constexpr int kUnavailableRetryAfterSeconds = 5;
// After a failed lookup, a known prefix's last row serves this long before the next try,
// so an outage costs one waiting request per key and interval, not every request.
constexpr qint64 kLookupRetryMs = 5000;

// The token of "Bearer <token>" (scheme case-insensitive, RFC 7235); empty otherwise.
QByteArrayView bearerToken(QByteArrayView header)
{
    constexpr QByteArrayView scheme("bearer");
    if (header.size() <= scheme.size() || header.first(scheme.size()).compare(scheme, Qt::CaseInsensitive) != 0
        || header.at(scheme.size()) != ' ')
        return {};
    QByteArrayView token = header.sliced(scheme.size());
    while (!token.isEmpty() && token.front() == ' ')
        token = token.sliced(1);
    while (!token.isEmpty() && (token.back() == ' ' || token.back() == '\t'))
        token.chop(1);
    return token;
}

}  // namespace

struct ApiKeyAuthenticator::Private {
    // One key's row as last read, its bucket and its use. Fields under mutex.
    struct Entry {
        std::mutex mutex;
        bool exists = false;
        bool local = false;
        qint64 id = 0;
        QByteArray digest;  // raw SHA-256
        ApiScopes scopes;
        bool revoked = false;
        qint64 fetchedAtMs = 0;
        qint64 retryAtMs = 0;  // after a failed lookup: no other before this
        double tokens = 0;
        qint64 refilledAtMs = 0;
        qint64 lastUsedMs = 0;
        qint64 writtenUsedMs = std::numeric_limits<qint64>::min() / 2;
        bool usePending = false;
    };
    using EntryPtr = std::shared_ptr<Entry>;

    Private(PgSettings pgSettings, Options optionsValue)
        : pg(std::move(pgSettings)), options(std::move(optionsValue)), clock(orSystemEpochClock(options.clock))
    {
        options.rateLimitBurst = std::max(1, options.rateLimitBurst);
        options.cacheTtlMs = std::max(0, options.cacheTtlMs);
    }

    [[nodiscard]] EntryPtr cached(const QString &prefix) const;
    // The entry for prefix, read from PostgreSQL when missing or older than the TTL;
    // nullptr when it could not be read.
    [[nodiscard]] EntryPtr lookUp(const QString &prefix, qint64 nowMs);
    [[nodiscard]] bool fresh(const Entry &entry, qint64 nowMs) const;
    [[nodiscard]] bool withinGrace(const Entry &entry, qint64 nowMs) const;
    void store(const QString &prefix, const EntryPtr &entry);
    [[nodiscard]] bool take(Entry &entry, qint64 nowMs, int *retryAfterSeconds) const;
    [[nodiscard]] Status flush(PgConnection &connection);
    // Runs work on the worker thread, with its connection, and waits for it.
    template <typename T>
    [[nodiscard]] T onWorker(const std::function<T(PgConnection &)> &work);
    void workerLoop();

    PgSettings pg;
    Options options;
    EpochClock clock;
    mutable std::shared_mutex cacheMutex;
    QHash<QString, EntryPtr> cache;
    std::mutex lookupMutex;  // one lookup at a time: a flood of made-up prefixes queues here
    // One thread with one PostgreSQL connection does every lookup and write, so the key
    // check adds one connection per server, not one per HTTP worker thread.
    std::mutex workerMutex;
    std::condition_variable workerWake;
    std::deque<std::function<void(PgConnection &)>> jobs;
    bool stopping = false;
    std::thread worker;
};

bool ApiKeyAuthenticator::Private::fresh(const Entry &entry, qint64 nowMs) const
{
    if (entry.local || nowMs - entry.fetchedAtMs < options.cacheTtlMs)
        return true;
    // PostgreSQL failed lately: the last row answers until the next try, within the grace.
    return nowMs < entry.retryAtMs && withinGrace(entry, nowMs);
}

bool ApiKeyAuthenticator::Private::withinGrace(const Entry &entry, qint64 nowMs) const
{
    return nowMs - entry.fetchedAtMs < qint64(options.cacheTtlMs) + options.staleGraceMs;
}

ApiKeyAuthenticator::Private::EntryPtr ApiKeyAuthenticator::Private::cached(const QString &prefix) const
{
    const std::shared_lock lock(cacheMutex);
    return cache.value(prefix);
}

void ApiKeyAuthenticator::Private::store(const QString &prefix, const EntryPtr &entry)
{
    const std::unique_lock lock(cacheMutex);
    if (cache.size() >= options.maxCachedKeys) {
        // Made-up prefixes go first; real keys are few.
        for (auto it = cache.begin(); it != cache.end();) {
            const std::lock_guard entryLock(it.value()->mutex);
            it = it.value()->exists ? std::next(it) : cache.erase(it);
        }
        if (cache.size() >= options.maxCachedKeys)
            return;
    }
    cache.insert(prefix, entry);
}

ApiKeyAuthenticator::Private::EntryPtr ApiKeyAuthenticator::Private::lookUp(const QString &prefix, qint64 nowMs)
{
    EntryPtr entry = cached(prefix);
    if (entry) {
        const std::lock_guard entryLock(entry->mutex);
        if (fresh(*entry, nowMs))
            return entry;
    }
    const std::lock_guard lookupLock(lookupMutex);
    entry = cached(prefix);  // another thread may have read it meanwhile
    if (entry) {
        const std::lock_guard entryLock(entry->mutex);
        if (fresh(*entry, nowMs))
            return entry;
    }
    auto found = onWorker<Result<std::optional<ApiKeyRepository::Credential>>>(
        [&prefix](PgConnection &connection) { return ApiKeyRepository(connection).findByPrefix(prefix); });
    if (!found) {
        if (entry) {
            // A key seen lately keeps its last answer (allowed, revoked, unknown…) through
            // an outage, for staleGraceMs.
            const std::lock_guard entryLock(entry->mutex);
            if (withinGrace(*entry, nowMs)) {
                entry->retryAtMs = nowMs + kLookupRetryMs;
                qCWarning(lcHttp).noquote() << "API key" << prefix << "checked against its cached row:"
                                            << found.error().toString();
                return entry;
            }
        }
        qCWarning(lcHttp).noquote() << "cannot look up API key" << prefix << ":" << found.error().toString();
        return nullptr;
    }
    const bool isNew = !entry;
    if (isNew) {
        entry = std::make_shared<Entry>();
        entry->tokens = options.rateLimitBurst;
        entry->refilledAtMs = nowMs;
    }
    {
        const std::lock_guard entryLock(entry->mutex);
        entry->fetchedAtMs = nowMs;
        entry->exists = found->has_value();
        if (const auto &credential = *found) {
            entry->id = credential->key.id;
            entry->digest = QByteArray::fromHex(credential->sha256Hex);
            entry->revoked = credential->key.revokedAt.isValid();
            auto scopes = apikey::parseScopes(credential->key.scopes);
            entry->scopes = scopes ? *scopes : ApiScopes();
            if (isNew && credential->key.lastUsedAt.isValid())
                entry->writtenUsedMs = credential->key.lastUsedAt.toMSecsSinceEpoch();
        } else {
            entry->digest.clear();
        }
    }
    if (isNew)
        store(prefix, entry);
    return entry;
}

bool ApiKeyAuthenticator::Private::take(Entry &entry, qint64 nowMs, int *retryAfterSeconds) const
{
    if (options.rateLimitPerSecond <= 0)
        return true;
    const double perMs = options.rateLimitPerSecond / 1000.0;
    if (nowMs > entry.refilledAtMs) {
        entry.tokens = std::min<double>(options.rateLimitBurst, entry.tokens + double(nowMs - entry.refilledAtMs) * perMs);
        entry.refilledAtMs = nowMs;
    }
    if (entry.tokens >= 1.0) {
        entry.tokens -= 1.0;
        return true;
    }
    *retryAfterSeconds = std::max(1, int(std::ceil((1.0 - entry.tokens) / perMs / 1000.0)));
    return false;
}

Status ApiKeyAuthenticator::Private::flush(PgConnection &connection)
{
    QList<ApiKeyRepository::Use> uses;
    QList<EntryPtr> taken;
    {
        const std::shared_lock lock(cacheMutex);
        for (const EntryPtr &entry : std::as_const(cache)) {
            const std::lock_guard entryLock(entry->mutex);
            if (!entry->usePending)
                continue;
            uses << ApiKeyRepository::Use{entry->id, entry->lastUsedMs};
            entry->usePending = false;
            entry->writtenUsedMs = entry->lastUsedMs;
            taken << entry;
        }
    }
    if (uses.isEmpty())
        return {};
    Status written = ApiKeyRepository(connection).recordUses(uses);
    if (!written) {
        qCWarning(lcHttp).noquote() << "cannot record the use of" << uses.size() << "API keys:"
                                    << written.error().toString();
        for (const EntryPtr &entry : std::as_const(taken)) {
            const std::lock_guard entryLock(entry->mutex);
            entry->usePending = true;
        }
    }
    return written;
}

template <typename T>
T ApiKeyAuthenticator::Private::onWorker(const std::function<T(PgConnection &)> &work)
{
    std::promise<T> promise;
    std::future<T> future = promise.get_future();
    {
        const std::lock_guard lock(workerMutex);
        jobs.emplace_back([&promise, &work](PgConnection &connection) { promise.set_value(work(connection)); });
    }
    workerWake.notify_all();
    return future.get();
}

void ApiKeyAuthenticator::Private::workerLoop()
{
    PgConnection connection(pg);  // this thread's, for its whole life
    const auto tick = std::chrono::milliseconds(options.usageFlushTickMs);
    auto nextFlush = std::chrono::steady_clock::now() + tick;
    std::unique_lock lock(workerMutex);
    for (;;) {
        if (jobs.empty() && !stopping) {
            if (options.usageFlushTickMs > 0)
                workerWake.wait_until(lock, nextFlush);
            else
                workerWake.wait(lock);
        }
        if (!jobs.empty()) {
            const auto job = std::move(jobs.front());
            jobs.pop_front();
            lock.unlock();
            job(connection);
            lock.lock();
            continue;
        }
        if (stopping)
            break;
        if (options.usageFlushTickMs > 0 && std::chrono::steady_clock::now() >= nextFlush) {
            lock.unlock();
            (void)flush(connection);
            lock.lock();
            nextFlush = std::chrono::steady_clock::now() + tick;
        }
    }
    lock.unlock();
    (void)flush(connection);  // the uses since the last pass
}

ApiKeyAuthenticator::ApiKeyAuthenticator(PgSettings pg, Options options)
    : d(std::make_unique<Private>(std::move(pg), std::move(options)))
{
    d->worker = std::thread([this] { d->workerLoop(); });
}

ApiKeyAuthenticator::~ApiKeyAuthenticator()
{
    {
        const std::lock_guard lock(d->workerMutex);
        d->stopping = true;
    }
    d->workerWake.notify_all();
    d->worker.join();
}

Status ApiKeyAuthenticator::addLocalKey(const Secret &key, ApiScopes scopes)
{
    const QByteArray bytes = key.reveal().toLatin1();
    const auto prefix = apikey::prefixOf(bytes);
    if (!prefix)
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("a local API key must have a key's shape"));
    auto entry = std::make_shared<Private::Entry>();
    entry->exists = true;
    entry->local = true;
    entry->digest = apikey::sha256(bytes);
    entry->scopes = scopes;
    entry->tokens = d->options.rateLimitBurst;
    entry->refilledAtMs = d->clock();
    const std::unique_lock lock(d->cacheMutex);
    d->cache.insert(*prefix, entry);
    return {};
}

ApiKeyAuthenticator::Decision ApiKeyAuthenticator::authorize(QByteArrayView authorization, ApiScope needed)
{
    Decision decision;
    const QByteArrayView token = bearerToken(authorization);
    if (token.isEmpty()) {
        decision.outcome = Outcome::Missing;
        return decision;
    }
    const auto prefix = apikey::prefixOf(token);
    if (!prefix) {
        decision.outcome = Outcome::Invalid;
        return decision;
    }
    decision.prefix = *prefix;
    const qint64 nowMs = d->clock();
    const Private::EntryPtr entry = d->lookUp(*prefix, nowMs);
    if (!entry) {
        decision.outcome = Outcome::Unavailable;
        decision.retryAfterSeconds = kUnavailableRetryAfterSeconds;
        return decision;
    }
    const QByteArray digest = apikey::sha256(token);
    const std::lock_guard lock(entry->mutex);
    if (!entry->exists || !apikey::sameDigest(digest, entry->digest))
        decision.outcome = Outcome::Invalid;
    else if (entry->revoked)
        decision.outcome = Outcome::Revoked;
    else if (!entry->scopes.testFlag(needed))
        decision.outcome = Outcome::WrongScope;
    else if (!d->take(*entry, nowMs, &decision.retryAfterSeconds))
        decision.outcome = Outcome::RateLimited;
    else
        decision.outcome = Outcome::Allowed;
    if (decision.outcome == Outcome::Allowed && !entry->local) {
        entry->lastUsedMs = std::max(entry->lastUsedMs, nowMs);
        if (nowMs - entry->writtenUsedMs >= d->options.usageWriteIntervalMs)
            entry->usePending = true;
    }
    return decision;
}

Status ApiKeyAuthenticator::flushUsage()
{
    return d->onWorker<Status>([this](PgConnection &connection) { return d->flush(connection); });
}

const ApiKeyAuthenticator::Options &ApiKeyAuthenticator::options() const
{
    return d->options;
}

}  // namespace tiersync
