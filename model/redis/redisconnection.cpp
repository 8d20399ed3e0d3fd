#include "redis/redisconnection.h"

#include "core/logging.h"
#include "redis/sentinelresolver.h"

#include <hiredis/hiredis.h>

#include <QSet>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <poll.h>
#include <vector>

namespace tiersync {

namespace {

// A pipeline chunk also ends once its arguments pass this size, so a batch of large
// values does not build a huge output buffer (hiredis keeps it all until the flush).
constexpr qsizetype kPipelineChunkBytes = 16 * 1024 * 1024;

timeval toTimeval(int ms)
{
    timeval tv{};
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    return tv;
}

int positiveOr(int value, int fallback)
{
    return value > 0 ? value : fallback;
}

// hiredis 0.14 writes with write(2); on a socket the server already closed that raises
// SIGPIPE, whose default action kills the process. Leave a handler the application
// installed alone.
void ignoreSigpipeOnce()
{
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction current {};
        if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
            struct sigaction ignore {};
            ignore.sa_handler = SIG_IGN;
            sigemptyset(&ignore.sa_mask);
            sigaction(SIGPIPE, &ignore, nullptr);
        }
    });
}

QByteArray upper(const QByteArray &word)
{
    return word.toUpper();
}

// Commands whose second run cannot change the outcome beyond the first: reads, and
// writes that set a state rather than change it relative to what is there.
const QSet<QByteArray> &retrySafeCommands()
{
    static const QSet<QByteArray> names = {
        // reads
        "GET", "MGET", "STRLEN", "GETRANGE", "EXISTS", "TTL", "PTTL", "EXPIRETIME", "TYPE",
        "HGET", "HMGET", "HGETALL", "HEXISTS", "HLEN", "HKEYS", "HVALS", "HSTRLEN",
        "SCAN", "HSCAN", "SSCAN", "ZSCAN", "SMEMBERS", "SISMEMBER", "SCARD", "ZRANGE",
        "ZSCORE", "ZCARD", "LRANGE", "LLEN", "LINDEX", "DBSIZE", "PING", "ECHO", "INFO",
        "TIME", "OBJECT", "DUMP", "RANDOMKEY",
        // idempotent writes
        "HSET", "HMSET", "HDEL", "MSET", "EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT",
        "PERSIST", "DEL", "UNLINK", "SADD", "SREM"};
    return names;
}

}  // namespace

void RedisConnection::ContextDeleter::operator()(redisContext *context) const
{
    redisFree(context);
}

RedisConnection::RedisConnection(RedisSettings settings)
    : m_settings(std::move(settings))
{
}

RedisConnection::~RedisConnection() = default;

namespace {
thread_local std::vector<std::unique_ptr<RedisConnection>> t_threadConnections;
}

RedisConnection &RedisConnection::forCurrentThread(const RedisSettings &settings)
{
    for (const auto &connection : t_threadConnections) {
        if (connection->settings() == settings)
            return *connection;
    }
    t_threadConnections.push_back(std::make_unique<RedisConnection>(settings));
    return *t_threadConnections.back();
}

void RedisConnection::dropForCurrentThread()
{
    t_threadConnections.clear();
}

bool RedisConnection::isConnected() const
{
    return m_context != nullptr && m_context->err == 0;
}

Status RedisConnection::connect()
{
    return ensureConnected();
}

void RedisConnection::disconnect()
{
    m_context.reset();
}

QString RedisConnection::serverName() const
{
    if (!m_settings.usesSentinel())
        return m_settings.describe();
    if (m_address.host.isEmpty())
        return QStringLiteral("master '%1'").arg(m_settings.masterName);
    return QStringLiteral("master '%1' at %2:%3/%4")
        .arg(m_settings.masterName, m_address.host)
        .arg(m_address.port)
        .arg(m_settings.db);
}

bool RedisConnection::idleConnectionLooksAlive() const
{
    if (m_context == nullptr || m_context->err != 0)
        return false;
    // Between commands nothing may arrive (RESP2, no pub/sub): anything readable is
    // the server's FIN or RST, i.e. it restarted or killed us while we were idle.
    pollfd pfd{};
    pfd.fd = m_context->fd;
    pfd.events = POLLIN;
    const int ready = ::poll(&pfd, 1, 0);
    return ready == 0 || (ready < 0 && errno == EINTR);
}

Status RedisConnection::ensureConnected()
{
    if (m_context != nullptr) {
        if (idleConnectionLooksAlive())
            return {};
        qCInfo(lcRedis).noquote() << "connection to" << serverName()
                        << "was closed while idle; reconnecting";
        m_context.reset();
    }
    return establish();
}

Status RedisConnection::establish()
{
    ignoreSigpipeOnce();
    const RedisSettings defaults;
    const int connectTimeoutMs = positiveOr(m_settings.connectTimeoutMs, defaults.connectTimeoutMs);
    const int commandTimeoutMs = positiveOr(m_settings.commandTimeoutMs, defaults.commandTimeoutMs);
    if (m_settings.usesSentinel()) {
        // Asked at every (re)connect: after a failover the sentinels name the new primary.
        auto master = resolveSentinelMaster(m_settings);
        if (!master) {
            qCWarning(lcRedis).noquote() << "redis" << serverName() << ":" << master.error().message;
            return master.error();
        }
        if (!m_address.host.isEmpty() && *master != m_address)
            qCInfo(lcRedis).noquote() << "sentinels name a new primary for" << m_settings.masterName << ":"
                                      << master->host << master->port;
        m_address = *master;
    } else {
        m_address = {m_settings.host, m_settings.port};
    }
    const QByteArray host = m_address.host.toUtf8();

    std::unique_ptr<redisContext, ContextDeleter> context(
        redisConnectWithTimeout(host.constData(), m_address.port, toTimeval(connectTimeoutMs)));
    if (context == nullptr)
        return makeError(ErrorKind::Internal,
                         QStringLiteral("redis %1: cannot allocate a connection").arg(serverName()));
    if (context->err != 0) {
        const int savedErrno = errno;
        const QString reason = QString::fromLocal8Bit(context->errstr);
        const bool timedOut = savedErrno == ETIMEDOUT || reason.contains(QLatin1String("timed out"));
        qCWarning(lcRedis).noquote() << "cannot connect to" << serverName() << ":" << reason;
        return makeError(timedOut ? ErrorKind::Timeout : ErrorKind::Unavailable,
                         QStringLiteral("redis %1: cannot connect: %2%3")
                             .arg(serverName(), reason,
                                  timedOut ? QStringLiteral(" (after %1 ms)").arg(connectTimeoutMs)
                                           : QString()));
    }
    if (redisSetTimeout(context.get(), toTimeval(commandTimeoutMs)) != REDIS_OK)
        return makeError(ErrorKind::Unavailable,
                         QStringLiteral("redis %1: cannot set the command timeout: %2")
                             .arg(serverName(), QString::fromLocal8Bit(context->errstr)));
    // Keepalive lets the kernel notice a peer that vanished without closing (host down).
    redisEnableKeepAlive(context.get());
    m_context = std::move(context);
    ++m_connectCount;

    QList<QList<QByteArray>> handshake;
    if (!m_settings.username.isEmpty())
        handshake.append({QByteArrayLiteral("AUTH"), m_settings.username.toUtf8(), m_settings.password.reveal().toUtf8()});
    else if (!m_settings.password.isEmpty())
        handshake.append({QByteArrayLiteral("AUTH"), m_settings.password.reveal().toUtf8()});
    if (m_settings.db != 0)
        handshake.append({QByteArrayLiteral("SELECT"), QByteArray::number(m_settings.db)});
    // A primary named by Sentinel proves it still is one: a failover may have turned it
    // into a replica since the sentinel answered.
    if (m_settings.usesSentinel())
        handshake.append({QByteArrayLiteral("ROLE")});
    if (!handshake.isEmpty()) {
        Failure failure = Failure::None;
        auto replies = runChunk(handshake, 0, handshake.size(), &failure);
        if (!replies)
            return replies.error();
        for (qsizetype i = 0; i < replies->size(); ++i) {
            const RedisReply &reply = replies->at(i);
            if (!reply.isError())
                continue;
            m_context.reset();
            Error error = errorFromReply(reply);
            const bool isAuth = handshake.at(i).first() == "AUTH";
            if (isAuth)
                error.kind = ErrorKind::Auth;
            const QByteArray verb = handshake.at(i).first();
            error.message = QStringLiteral("redis %1: %2 failed: %3")
                                .arg(serverName(),
                                     isAuth            ? QStringLiteral("authentication")
                                     : verb == "ROLE" ? QStringLiteral("ROLE")
                                                       : QStringLiteral("SELECT %1").arg(m_settings.db),
                                     error.message);
            qCWarning(lcRedis).noquote() << error.message;
            return error;
        }
        if (m_settings.usesSentinel()) {
            const RedisReply &role = replies->last();
            const QByteArray name = role.isArray() && !role.elements().isEmpty() ? role.elements().first().bytes()
                                                                                   : QByteArray();
            if (name != "master") {
                m_context.reset();
                const QString message =
                    QStringLiteral("redis %1: the sentinels' primary answers ROLE %2 (a failover is under way)")
                        .arg(serverName(), name.isEmpty() ? QStringLiteral("?") : QString::fromUtf8(name));
                qCWarning(lcRedis).noquote() << message;
                return makeError(ErrorKind::Unavailable, message);
            }
        }
    }
    if (m_connectCount > 1)
        qCInfo(lcRedis).noquote() << "reconnected to" << serverName();
    else
        qCDebug(lcRedis).noquote() << "connected to" << serverName();
    return {};
}

Error RedisConnection::dropWithError(const char *what, Failure *failure)
{
    // errno first: anything else may overwrite it.
    const int savedErrno = errno;
    const int err = m_context != nullptr ? m_context->err : REDIS_ERR_OTHER;
    QString reason = m_context != nullptr ? QString::fromLocal8Bit(m_context->errstr)
                                          : QStringLiteral("no connection");
    m_context.reset();

    const bool timedOut = err == REDIS_ERR_IO
                          && (savedErrno == EAGAIN || savedErrno == EWOULDBLOCK || savedErrno == ETIMEDOUT
                              || reason == QString::fromLocal8Bit(std::strerror(EAGAIN)));
    ErrorKind kind = ErrorKind::Unavailable;
    if (timedOut) {
        *failure = Failure::TimedOut;
        kind = ErrorKind::Timeout;
        reason = QStringLiteral("no reply within %1 ms")
                     .arg(positiveOr(m_settings.commandTimeoutMs, RedisSettings().commandTimeoutMs));
    } else if (err == REDIS_ERR_PROTOCOL) {
        *failure = Failure::Broken;
        kind = ErrorKind::Protocol;
    } else {
        *failure = Failure::Broken;
    }
    qCWarning(lcRedis).noquote() << "connection to" << serverName() << "failed during" << what << ":" << reason;
    return makeError(kind, QStringLiteral("redis %1: %2 failed: %3").arg(serverName(), QLatin1String(what), reason));
}

Result<QList<RedisReply>> RedisConnection::runChunk(const QList<QList<QByteArray>> &commands,
                                                    qsizetype begin, qsizetype end, Failure *failure)
{
    *failure = Failure::None;
    for (qsizetype i = begin; i < end; ++i) {
        if (commands.at(i).isEmpty())
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("redis: command %1 of the batch is empty").arg(i));
    }
    if (auto connected = ensureConnected(); !connected) {
        *failure = Failure::ConnectFailed;
        return connected.error();
    }
    const char *what = end - begin == 1 ? commands.at(begin).first().constData() : "pipeline";

    std::vector<const char *> argv;
    std::vector<size_t> argvLen;
    for (qsizetype i = begin; i < end; ++i) {
        const QList<QByteArray> &command = commands.at(i);
        argv.clear();
        argvLen.clear();
        for (const QByteArray &arg : command) {
            argv.push_back(arg.constData());
            argvLen.push_back(size_t(arg.size()));
        }
        // Only formats into the output buffer; fails only when out of memory.
        if (redisAppendCommandArgv(m_context.get(), int(argv.size()), argv.data(), argvLen.data()) != REDIS_OK)
            return dropWithError(what, failure);
    }

    QList<RedisReply> replies;
    replies.reserve(end - begin);
    for (qsizetype i = begin; i < end; ++i) {
        void *raw = nullptr;
        // The first call flushes the whole buffer, then each reads one reply.
        if (redisGetReply(m_context.get(), &raw) != REDIS_OK || raw == nullptr) {
            Error error = dropWithError(what, failure);
            if (end - begin > 1)
                error.message += QStringLiteral(" (after %1 of %2 replies; the whole batch failed)")
                                     .arg(i - begin).arg(end - begin);
            return error;
        }
        replies.append(RedisReply::takeHiredis(static_cast<redisReply *>(raw)));
    }
    // Writes refused by a primary that became a replica: the next call asks the sentinels
    // again instead of writing to it for as long as it stays up.
    if (m_settings.usesSentinel()
        && std::any_of(replies.cbegin(), replies.cend(),
                       [](const RedisReply &reply) { return reply.isError() && reply.errorCode() == "READONLY"; })) {
        qCInfo(lcRedis).noquote() << "redis" << serverName() << "is read-only now; asking the sentinels again";
        m_context.reset();
    }
    return replies;
}

Result<QList<RedisReply>> RedisConnection::runChunkWithRetry(const QList<QList<QByteArray>> &commands,
                                                             qsizetype begin, qsizetype end)
{
    Failure failure = Failure::None;
    auto replies = runChunk(commands, begin, end, &failure);
    if (replies.ok() || failure != Failure::Broken)
        return replies;
    for (qsizetype i = begin; i < end; ++i) {
        if (!isRetrySafe(commands.at(i))) {
            Error error = replies.error();
            error.message += QStringLiteral(" (not retried: %1 may have run and is not idempotent)")
                                 .arg(QString::fromUtf8(upper(commands.at(i).first())));
            return error;
        }
    }
    qCInfo(lcRedis).noquote() << "retrying" << (end - begin) << "command(s) once on a new connection to" << serverName();
    return runChunk(commands, begin, end, &failure);
}

Result<RedisReply> RedisConnection::command(const QList<QByteArray> &argv)
{
    const QList<QList<QByteArray>> one{argv};
    auto replies = runChunkWithRetry(one, 0, 1);
    if (!replies)
        return replies.error();
    RedisReply reply = std::move(replies->first());
    if (reply.isError())
        return errorFromReply(reply);
    return reply;
}

Result<QList<RedisReply>> RedisConnection::pipeline(const QList<QList<QByteArray>> &commands, int chunkSize)
{
    if (chunkSize <= 0)
        chunkSize = kDefaultPipelineChunk;
    QList<RedisReply> all;
    all.reserve(commands.size());
    qsizetype begin = 0;
    while (begin < commands.size()) {
        qsizetype end = begin;
        qsizetype bytes = 0;
        while (end < commands.size() && end - begin < chunkSize && (end == begin || bytes < kPipelineChunkBytes)) {
            for (const QByteArray &arg : commands.at(end))
                bytes += arg.size();
            ++end;
        }
        auto replies = runChunkWithRetry(commands, begin, end);
        if (!replies)
            return replies.error();
        all.append(std::move(*replies));
        begin = end;
    }
    return all;
}

bool RedisConnection::isRetrySafe(const QList<QByteArray> &argv)
{
    if (argv.isEmpty())
        return false;
    const QByteArray name = upper(argv.first());
    if (name == "SET") {
        // NX/XX change the answer on a second run, GET returns the value we just wrote.
        for (qsizetype i = 3; i < argv.size(); ++i) {
            const QByteArray option = upper(argv.at(i));
            if (option == "NX" || option == "XX" || option == "GET")
                return false;
        }
        return true;
    }
    if (name == "MEMORY" || name == "CLIENT" || name == "CONFIG") {
        const QByteArray sub = argv.size() > 1 ? upper(argv.at(1)) : QByteArray();
        if (name == "MEMORY")
            return sub == "USAGE" || sub == "STATS";
        if (name == "CLIENT")
            return sub == "ID" || sub == "GETNAME" || sub == "INFO" || sub == "LIST";
        return sub == "GET";
    }
    return retrySafeCommands().contains(name);
}

Error RedisConnection::errorFromReply(const RedisReply &reply)
{
    const QByteArray code = reply.errorCode();
    const QByteArray &text = reply.bytes();
    ErrorKind kind = ErrorKind::Server;
    if (code == "NOAUTH" || code == "WRONGPASS" || code == "NOPERM")
        kind = ErrorKind::Auth;
    else if (code == "LOADING" || code == "BUSY" || code == "MASTERDOWN" || code == "TRYAGAIN"
             || code == "READONLY" || code == "CLUSTERDOWN" || text.contains("max number of clients"))
        kind = ErrorKind::Unavailable;
    else if (code == "ERR" || code == "WRONGTYPE")
        kind = ErrorKind::InvalidArgument;
    Error error = makeError(kind, QString::fromUtf8(text));
    error.code = QString::fromUtf8(code);
    return error;
}

Status RedisConnection::ping()
{
    auto reply = command({QByteArrayLiteral("PING")});
    if (!reply)
        return reply.error();
    return {};
}

Result<std::optional<QByteArray>> RedisConnection::get(const QByteArray &key)
{
    auto reply = command({QByteArrayLiteral("GET"), key});
    if (!reply)
        return reply.error();
    return reply->optionalBytes();
}

Status RedisConnection::set(const QByteArray &key, const QByteArray &value, qint64 ttlSeconds)
{
    QList<QByteArray> argv{QByteArrayLiteral("SET"), key, value};
    if (ttlSeconds > 0)
        argv << QByteArrayLiteral("EX") << QByteArray::number(ttlSeconds);
    auto reply = command(argv);
    if (!reply)
        return reply.error();
    return {};
}

namespace {

Result<qint64> integerOf(Result<RedisReply> reply, const char *what)
{
    if (!reply)
        return reply.error();
    if (!reply->isInteger())
        return makeError(ErrorKind::Protocol, QStringLiteral("redis: %1 answered %2, expected an integer")
                                                  .arg(QLatin1String(what), reply->describe()));
    return reply->integerValue();
}

}  // namespace

Result<qint64> RedisConnection::hset(const QByteArray &key, const QList<QPair<QByteArray, QByteArray>> &fields)
{
    if (fields.isEmpty())
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("redis: HSET needs at least one field"));
    QList<QByteArray> argv{QByteArrayLiteral("HSET"), key};
    argv.reserve(2 + 2 * fields.size());
    for (const auto &[field, value] : fields)
        argv << field << value;
    return integerOf(command(argv), "HSET");
}

Result<QHash<QByteArray, QByteArray>> RedisConnection::hgetall(const QByteArray &key)
{
    auto reply = command({QByteArrayLiteral("HGETALL"), key});
    if (!reply)
        return reply.error();
    if (!reply->isArray() || reply->elements().size() % 2 != 0)
        return makeError(ErrorKind::Protocol,
                         QStringLiteral("redis: HGETALL answered %1").arg(reply->describe()));
    return reply->fieldPairs();
}

Result<qint64> RedisConnection::del(const QList<QByteArray> &keys)
{
    if (keys.isEmpty())
        return qint64(0);
    return integerOf(command(QList<QByteArray>{QByteArrayLiteral("DEL")} + keys), "DEL");
}

Result<qint64> RedisConnection::unlink(const QList<QByteArray> &keys)
{
    if (keys.isEmpty())
        return qint64(0);
    return integerOf(command(QList<QByteArray>{QByteArrayLiteral("UNLINK")} + keys), "UNLINK");
}

Result<qint64> RedisConnection::exists(const QList<QByteArray> &keys)
{
    if (keys.isEmpty())
        return qint64(0);
    return integerOf(command(QList<QByteArray>{QByteArrayLiteral("EXISTS")} + keys), "EXISTS");
}

Result<bool> RedisConnection::expire(const QByteArray &key, qint64 ttlSeconds)
{
    auto set = integerOf(command({QByteArrayLiteral("EXPIRE"), key, QByteArray::number(ttlSeconds)}), "EXPIRE");
    if (!set)
        return set.error();
    return *set == 1;
}

Result<qint64> RedisConnection::ttl(const QByteArray &key)
{
    return integerOf(command({QByteArrayLiteral("TTL"), key}), "TTL");
}

Result<QString> RedisConnection::type(const QByteArray &key)
{
    auto reply = command({QByteArrayLiteral("TYPE"), key});
    if (!reply)
        return reply.error();
    if (!reply->isStatus() && !reply->isString())
        return makeError(ErrorKind::Protocol, QStringLiteral("redis: TYPE answered %1").arg(reply->describe()));
    return QString::fromUtf8(reply->bytes());
}

Result<std::optional<qint64>> RedisConnection::memoryUsage(const QByteArray &key)
{
    auto reply = command({QByteArrayLiteral("MEMORY"), QByteArrayLiteral("USAGE"), key});
    if (!reply)
        return reply.error();
    if (reply->isNil())
        return std::optional<qint64>();
    if (!reply->isInteger())
        return makeError(ErrorKind::Protocol,
                         QStringLiteral("redis: MEMORY USAGE answered %1").arg(reply->describe()));
    return std::optional<qint64>(reply->integerValue());
}

Result<QMap<QString, QString>> RedisConnection::info(const QByteArray &section)
{
    QList<QByteArray> argv{QByteArrayLiteral("INFO")};
    if (!section.isEmpty())
        argv << section;
    auto reply = command(argv);
    if (!reply)
        return reply.error();
    if (!reply->isString())
        return makeError(ErrorKind::Protocol, QStringLiteral("redis: INFO answered %1").arg(reply->describe()));
    QMap<QString, QString> fields;
    for (const QByteArray &rawLine : reply->bytes().split('\n')) {
        const QByteArray line = rawLine.trimmed();
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        fields.insert(QString::fromUtf8(line.left(colon)), QString::fromUtf8(line.mid(colon + 1)));
    }
    return fields;
}

Result<qint64> RedisConnection::dbsize()
{
    return integerOf(command({QByteArrayLiteral("DBSIZE")}), "DBSIZE");
}

Result<qint64> RedisConnection::clientId()
{
    return integerOf(command({QByteArrayLiteral("CLIENT"), QByteArrayLiteral("ID")}), "CLIENT ID");
}

Result<RedisScanPage> RedisConnection::scan(quint64 cursor, const QByteArray &match, int count,
                                            const QByteArray &type)
{
    QList<QByteArray> argv{QByteArrayLiteral("SCAN"), QByteArray::number(cursor)};
    if (!match.isEmpty())
        argv << QByteArrayLiteral("MATCH") << match;
    if (count > 0)
        argv << QByteArrayLiteral("COUNT") << QByteArray::number(count);
    if (!type.isEmpty())
        argv << QByteArrayLiteral("TYPE") << type;
    auto reply = command(argv);
    if (!reply)
        return reply.error();
    const QList<RedisReply> &parts = reply->elements();
    if (!reply->isArray() || parts.size() != 2 || !parts.at(0).isString() || !parts.at(1).isArray())
        return makeError(ErrorKind::Protocol, QStringLiteral("redis: SCAN answered %1").arg(reply->describe()));
    bool ok = false;
    RedisScanPage page;
    page.nextCursor = parts.at(0).bytes().toULongLong(&ok);
    if (!ok)
        return makeError(ErrorKind::Protocol, QStringLiteral("redis: SCAN returned a cursor that is not a number"));
    page.keys.reserve(parts.at(1).elements().size());
    for (const RedisReply &key : parts.at(1).elements())
        page.keys.append(key.bytes());
    return page;
}

}  // namespace tiersync
