#include "budget/redistokenstore.h"

#include "budget/tokencipher.h"
#include "budget/tokenrecord.h"
#include "core/logging.h"
#include "redis/redisconnection.h"
#include "redis/redisscript.h"

#include <QFile>
#include <QRandomGenerator>

#include <algorithm>
#include <array>

// Resources of a static library must be registered explicitly, or the linker drops them.
static void initBudgetScriptResources()
{
    Q_INIT_RESOURCE(budgetscripts);
}

namespace tiersync {

namespace {

enum Script { Begin, Finish, Abandon, CompareAndDelete };

RedisScript loadScript(const char *name)
{
    QFile file(QStringLiteral(":/budget/lua/%1.lua").arg(QLatin1String(name)));
    if (!file.open(QIODevice::ReadOnly))
        qCCritical(lcRedis) << "budget script" << name << "is not compiled in";
    return RedisScript(file.readAll());
}

const RedisScript &script(Script which)
{
    static const std::array<RedisScript, 4> scripts = [] {
        initBudgetScriptResources();
        return std::array<RedisScript, 4>{loadScript("token_begin"), loadScript("token_finish"),
                                          loadScript("token_abandon"), loadScript("cad")};
    }();
    return scripts.at(which);
}

int shorter(int configuredMs, int limitMs)
{
    return configuredMs > 0 ? std::min(configuredMs, limitMs) : limitMs;
}

Error unexpected(const RedisReply &reply)
{
    return makeError(ErrorKind::Protocol,
                     QStringLiteral("shared token script answered %1, not {kind, ms, text}").arg(reply.describe()));
}

}  // namespace

QByteArray RedisTokenStore::keyFor(const QString &clientId)
{
    return QByteArrayLiteral("tiersync:v1:oauth:") + clientId.toUtf8();
}

RedisTokenStore::RedisTokenStore(RedisSettings redis, ZohoSettings zoho)
    : RedisTokenStore(std::move(redis), std::move(zoho), Options{})
{
}

RedisTokenStore::RedisTokenStore(RedisSettings redis, ZohoSettings zoho, Options options)
    : m_redis(std::move(redis))
    , m_key(keyFor(zoho.clientId))
    , m_lockKey(m_key + ":lock")
    , m_refreshesKey(m_key + ":refreshes")
    , m_throttledKey(m_key + ":throttled")
    , m_cipher(std::make_unique<TokenCipher>(zoho.clientSecret, zoho.clientId))
    , m_options(std::move(options))
    , m_clock(orSystemEpochClock(m_options.clock))
    , m_local(InMemoryTokenStore::Options{
          m_clock, m_options.owner.isEmpty() ? InMemoryTokenStore::processName() : m_options.owner,
          std::max(1, m_options.refreshLimit / std::max(1, m_options.fallbackInstances)), m_options.refreshWindowMs})
    , m_redisRetry(0)
{
    if (m_options.owner.isEmpty())
        m_options.owner = InMemoryTokenStore::processName();
    // Unique per store, so two stores of one process never take each other's lock.
    m_lockPrefix = m_options.owner.toUtf8() + ':'
                   + QByteArray::number(QRandomGenerator::system()->generate64(), 36) + ':';
    m_redis.connectTimeoutMs = shorter(m_redis.connectTimeoutMs, m_options.timeoutMs);
    m_redis.commandTimeoutMs = shorter(m_redis.commandTimeoutMs, m_options.timeoutMs);
    if (!m_cipher->isValid())
        qCWarning(lcZoho) << "no Zoho client secret: the access token is not shared through Redis";
}

RedisTokenStore::~RedisTokenStore() = default;

bool RedisTokenStore::usingRedis() const
{
    return m_redisRetry.hasExpired() && m_cipher->isValid();
}

RedisConnection *RedisTokenStore::connection()
{
    if (!usingRedis())
        return nullptr;
    return &RedisConnection::forCurrentThread(m_redis);
}

void RedisTokenStore::fallBack(const Error &error)
{
    qCWarning(lcZoho).noquote() << "shared token: Redis failed (" << error.toString()
                                << "); keeping the token in this process for" << m_options.fallbackRetryMs << "ms";
    m_redisRetry = QDeadlineTimer(m_options.fallbackRetryMs);
}

Result<RedisReply> RedisTokenStore::run(int which, const QList<QByteArray> &keys, const QList<QByteArray> &args)
{
    RedisConnection *redis = connection();
    if (!redis)
        return makeError(ErrorKind::Unavailable, QStringLiteral("shared token: Redis is not used right now"));
    auto reply = script(Script(which)).run(*redis, keys, args);
    if (!reply)
        fallBack(reply.error());
    return reply;
}

std::optional<StoredToken> RedisTokenStore::open(const QByteArray &record)
{
    auto parsed = TokenRecord::parse(record);
    Result<QByteArray> plain = parsed ? m_cipher->open(parsed->sealed,
                                                       TokenRecord::additionalData(m_key, parsed->header()))
                                      : Result<QByteArray>(parsed.error());
    if (!plain) {
        // Another secret, a changed header or garbage: nobody here can use it.
        qCWarning(lcZoho).noquote() << "shared token: dropping a record that does not open:" << plain.error().message;
        (void)run(CompareAndDelete, {m_key}, {record});
        return std::nullopt;
    }
    if (parsed->expiresAtMs <= m_clock())
        return std::nullopt;
    StoredToken token{Secret(QString::fromUtf8(*plain)), parsed->expiresAtMs, parsed->refreshedAtMs,
                      parsed->refreshedBy, record};
    m_local.keep(token);
    return token;
}

void RedisTokenStore::publishLocalToken()
{
    if (!m_unpublished)
        return;
    m_unpublished = false;
    auto local = m_local.load();
    if (!local || !local->has_value() || (*local)->record.isEmpty())
        return;
    const qint64 ttlMs = (*local)->expiresAtMs - m_clock();
    if (ttlMs <= 0)
        return;
    if (RedisConnection *redis = connection()) {
        auto set = redis->command({QByteArrayLiteral("SET"), m_key, (*local)->record, QByteArrayLiteral("NX"),
                                   QByteArrayLiteral("PX"), QByteArray::number(ttlMs)});
        if (!set)
            fallBack(set.error());
    }
}

Result<std::optional<StoredToken>> RedisTokenStore::load()
{
    RedisConnection *redis = connection();
    if (!redis)
        return m_local.load();
    auto record = redis->get(m_key);
    if (!record) {
        fallBack(record.error());
        return m_local.load();
    }
    if (!record->has_value()) {
        if (m_unpublished) {
            publishLocalToken();
            return m_local.load();
        }
        return std::optional<StoredToken>();
    }
    return open(**record);
}

Result<RefreshTicket> RedisTokenStore::beginRefresh(qint64 lockMs)
{
    if (!connection())
        return m_local.beginRefresh(lockMs);
    publishLocalToken();
    return beginOnRedis(lockMs, true);
}

Result<RefreshTicket> RedisTokenStore::beginOnRedis(qint64 lockMs, bool retryAfterBadRecord)
{
    const qint64 now = m_clock();
    const QByteArray owner = m_lockPrefix + QByteArray::number(++m_sequence);
    auto reply = run(Begin, {m_key, m_lockKey, m_refreshesKey, m_throttledKey},
                     {QByteArray::number(now), owner, QByteArray::number(std::max<qint64>(1, lockMs)),
                      QByteArray::number(m_options.refreshWindowMs), QByteArray::number(m_options.refreshLimit)});
    if (!reply)  // unknown outcome or no Redis: this process refreshes on its own, within its local bound
        return m_local.beginRefresh(lockMs);
    const auto &items = reply->elements();
    if (!reply->isArray() || items.size() != 3 || !items.at(0).isInteger() || !items.at(1).isInteger()
        || !items.at(2).isString()) {
        fallBack(unexpected(*reply));
        return m_local.beginRefresh(lockMs);
    }
    const qint64 ms = items.at(1).integerValue();
    const QByteArray &text = items.at(2).bytes();
    RefreshTicket ticket;
    switch (items.at(0).integerValue()) {
    case 3:
        if (auto token = open(text)) {
            ticket.kind = RefreshTicket::Kind::Present;
            ticket.present = std::move(token);
            return ticket;
        }
        if (retryAfterBadRecord)
            return beginOnRedis(lockMs, false);
        return m_local.beginRefresh(lockMs);
    case 2: {
        ticket.kind = RefreshTicket::Kind::Throttled;
        ticket.waitMs = ms;
        ticket.untilMs = now + ms;
        ticket.reason = QString::fromUtf8(text);
        // A marker reads "<until_ms>|<who noticed>": everyone names the same instant.
        if (const qsizetype bar = text.indexOf('|'); bar > 0) {
            bool ok = false;
            const qint64 until = text.left(bar).toLongLong(&ok);
            if (ok) {
                ticket.untilMs = until;
                ticket.reason = QString::fromUtf8(text.mid(bar + 1));
            }
        }
        // Remembered here too, in case Redis goes away before the window ends.
        m_local.abandonRefresh(ticket, {}, ticket.untilMs);
        return ticket;
    }
    case 1:
        ticket.kind = RefreshTicket::Kind::Granted;
        ticket.lockValue = owner;
        ticket.reason = m_options.owner;
        return ticket;
    case 0:
        ticket.kind = RefreshTicket::Kind::HeldElsewhere;
        ticket.waitMs = ms;
        ticket.reason = QString::fromUtf8(text);
        return ticket;
    default:
        fallBack(unexpected(*reply));
        return m_local.beginRefresh(lockMs);
    }
}

Result<StoredToken> RedisTokenStore::finishRefresh(const RefreshTicket &ticket, const OAuthToken &token)
{
    const qint64 now = m_clock();
    TokenRecord record;
    record.expiresAtMs = now + token.expiresInMs;
    record.refreshedAtMs = now;
    record.refreshedBy = m_options.owner;
    StoredToken stored{token.accessToken, record.expiresAtMs, now, m_options.owner, {}};
    m_local.noteRefresh(now);
    auto sealed = m_cipher->seal(token.accessToken.reveal().toUtf8(),
                                 TokenRecord::additionalData(m_key, record.header()));
    if (!sealed) {
        m_local.keep(stored);
        return stored;
    }
    record.sealed = *sealed;
    stored.record = record.encode();
    m_local.keep(stored);
    const QByteArray member = ticket.lockValue.isEmpty()
                                  ? m_lockPrefix + QByteArray::number(++m_sequence)
                                  : ticket.lockValue;
    auto done = run(Finish, {m_key, m_lockKey, m_refreshesKey},
                    {stored.record, QByteArray::number(std::max<qint64>(1, token.expiresInMs)),
                     QByteArray::number(now), member, QByteArray::number(m_options.refreshWindowMs)});
    m_unpublished = !done;
    return stored;
}

void RedisTokenStore::abandonRefresh(const RefreshTicket &ticket, const Error &why, qint64 throttledUntilMs)
{
    const qint64 throttledMs = throttledUntilMs > 0 ? std::max<qint64>(0, throttledUntilMs - m_clock()) : 0;
    if (throttledMs > 0)
        m_local.abandonRefresh(ticket, why, throttledUntilMs);
    if (ticket.lockValue.isEmpty() && throttledMs == 0)
        return;
    (void)run(Abandon, {m_lockKey, m_throttledKey},
              {ticket.lockValue, QByteArray::number(throttledMs),
               QByteArray::number(throttledUntilMs) + '|' + m_options.owner.toUtf8()});
}

void RedisTokenStore::drop(const StoredToken &failed)
{
    m_local.drop(failed);
    if (failed.record.isEmpty())
        return;
    (void)run(CompareAndDelete, {m_key}, {failed.record});
}

std::shared_ptr<TokenStore> makeRedisTokenStore(const RedisSettings &redis, const ZohoSettings &zoho,
                                                EpochClock clock)
{
    RedisTokenStore::Options options;
    options.clock = std::move(clock);
    return std::make_shared<RedisTokenStore>(redis, zoho, std::move(options));
}

}  // namespace tiersync
