#include "redis/sentinelresolver.h"

#include "redis/redisconnection.h"

#include <QStringList>

namespace tiersync {

namespace {

Result<RedisSettings::Endpoint> askSentinel(const RedisSettings &settings, const RedisSettings::Endpoint &sentinel,
                                            bool withCredentials)
{
    RedisSettings direct;
    direct.host = sentinel.host;
    direct.port = sentinel.port;
    direct.connectTimeoutMs = settings.connectTimeoutMs;
    direct.commandTimeoutMs = settings.commandTimeoutMs;
    if (withCredentials) {
        direct.username = settings.username;
        direct.password = settings.password;
    }
    RedisConnection connection(direct);
    auto reply = connection.command({QByteArrayLiteral("SENTINEL"), QByteArrayLiteral("GET-MASTER-ADDR-BY-NAME"),
                                     settings.masterName.toUtf8()});
    if (!reply) {
        if (reply.error().kind == ErrorKind::Auth && !withCredentials && !settings.password.isEmpty())
            return askSentinel(settings, sentinel, true);
        return reply.error();
    }
    if (reply->isNil())
        return makeError(ErrorKind::NotFound, QStringLiteral("it monitors no master named '%1'").arg(settings.masterName));
    const QList<RedisReply> &parts = reply->elements();
    bool portOk = false;
    const int port = parts.size() == 2 ? parts.at(1).bytes().toInt(&portOk) : 0;
    if (!reply->isArray() || parts.size() != 2 || parts.at(0).bytes().isEmpty() || !portOk || port <= 0
        || port > 65535)
        return makeError(ErrorKind::Protocol, QStringLiteral("unexpected answer: %1").arg(reply->describe()));
    return RedisSettings::Endpoint{QString::fromUtf8(parts.at(0).bytes()), port};
}

}  // namespace

Result<RedisSettings::Endpoint> resolveSentinelMaster(const RedisSettings &settings)
{
    QStringList said;
    for (const RedisSettings::Endpoint &sentinel : settings.sentinels) {
        auto master = askSentinel(settings, sentinel, false);
        if (master)
            return master;
        said << QStringLiteral("sentinel %1:%2: %3").arg(sentinel.host).arg(sentinel.port).arg(master.error().message);
    }
    return makeError(ErrorKind::Unavailable,
                     QStringLiteral("no sentinel named the primary of '%1' (%2)")
                         .arg(settings.masterName, said.join(QStringLiteral("; "))));
}

}  // namespace tiersync
