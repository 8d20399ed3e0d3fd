#include "redis/redisscript.h"

#include "core/logging.h"
#include "redis/redisconnection.h"

#include <QCryptographicHash>

namespace tiersync {

namespace {

QList<QByteArray> scriptCommand(const QByteArray &verb, const QByteArray &body, const QList<QByteArray> &keys,
                                const QList<QByteArray> &args)
{
    QList<QByteArray> argv;
    argv.reserve(3 + keys.size() + args.size());
    argv << verb << body << QByteArray::number(keys.size());
    argv << keys << args;
    return argv;
}

// An Error that came from the connection rather than from a reply: the script may or
// may not have run.
Error outcomeUnknown(Error error)
{
    error.message += QStringLiteral(" (script outcome unknown; not sent again)");
    return error;
}

}  // namespace

RedisScript::RedisScript(QByteArray source)
    : m_source(std::move(source))
    , m_sha1(QCryptographicHash::hash(m_source, QCryptographicHash::Sha1).toHex())
{
}

QList<QByteArray> RedisScript::evalShaCommand(const QList<QByteArray> &keys, const QList<QByteArray> &args) const
{
    return scriptCommand(QByteArrayLiteral("EVALSHA"), m_sha1, keys, args);
}

QList<QByteArray> RedisScript::evalCommand(const QList<QByteArray> &keys, const QList<QByteArray> &args) const
{
    return scriptCommand(QByteArrayLiteral("EVAL"), m_source, keys, args);
}

Result<RedisReply> RedisScript::run(RedisConnection &connection, const QList<QByteArray> &keys,
                                    const QList<QByteArray> &args) const
{
    auto reply = connection.command(evalShaCommand(keys, args));
    if (reply)
        return reply;
    // Reply errors carry the server's code; connection failures carry none.
    if (reply.error().code.isEmpty())
        return outcomeUnknown(reply.error());
    if (reply.error().code != QLatin1String("NOSCRIPT"))
        return reply;
    qCDebug(lcRedis) << "script" << m_sha1.left(8) << "not cached by the server; sending it";
    reply = connection.command(evalCommand(keys, args));
    if (!reply && reply.error().code.isEmpty())
        return outcomeUnknown(reply.error());
    return reply;
}

}  // namespace tiersync
