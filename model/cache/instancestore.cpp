#include "cache/instancestore.h"

#include "redis/redisconnection.h"

#include <algorithm>

namespace tiersync {

InstanceStore::InstanceStore(RedisConnection &connection)
    : m_connection(connection)
{
}

Status InstanceStore::publish(const InstanceHeartbeat &heartbeat, qint64 ttlSeconds)
{
    const QByteArray key = heartbeat.key();
    const QByteArray registry(kRegistryKey);
    QList<QByteArray> hset{QByteArrayLiteral("HSET"), key};
    const QHash<QByteArray, QByteArray> fields = heartbeat.toFields();
    for (auto it = fields.cbegin(); it != fields.cend(); ++it)
        hset << it.key() << it.value();
    auto replies = m_connection.pipeline({
        hset,
        {QByteArrayLiteral("EXPIRE"), key, QByteArray::number(ttlSeconds)},
        {QByteArrayLiteral("ZADD"), registry, QByteArray::number(heartbeat.lastSeenMs), key},
        {QByteArrayLiteral("EXPIRE"), registry, QByteArray::number(kRegistryTtlSeconds)},
    });
    if (!replies)
        return replies.error();
    for (const RedisReply &reply : *replies) {
        if (reply.isError())
            return RedisConnection::errorFromReply(reply);
    }
    return {};
}

Status InstanceStore::remove(const InstanceHeartbeat &heartbeat)
{
    const QByteArray key = heartbeat.key();
    auto replies = m_connection.pipeline(
        {{QByteArrayLiteral("ZREM"), QByteArray(kRegistryKey), key}, {QByteArrayLiteral("UNLINK"), key}});
    if (!replies)
        return replies.error();
    return {};
}

Result<QList<InstanceHeartbeat>> InstanceStore::readAll()
{
    auto listed = m_connection.command({QByteArrayLiteral("ZRANGE"), QByteArray(kRegistryKey),
                                        QByteArrayLiteral("0"), QByteArrayLiteral("-1")});
    if (!listed)
        return listed.error();
    if (listed->isError())
        return RedisConnection::errorFromReply(*listed);
    QList<InstanceHeartbeat> instances;
    QList<QList<QByteArray>> commands;
    commands.reserve(listed->elements().size());
    for (const RedisReply &key : listed->elements())
        commands.append({QByteArrayLiteral("HGETALL"), key.bytes()});
    if (commands.isEmpty())
        return instances;
    auto replies = m_connection.pipeline(commands);
    if (!replies)
        return replies.error();
    QList<QByteArray> expired{QByteArrayLiteral("ZREM"), QByteArray(kRegistryKey)};
    for (qsizetype i = 0; i < replies->size(); ++i) {
        const RedisReply &reply = replies->at(i);
        if (reply.isError())
            return RedisConnection::errorFromReply(reply);
        if (reply.elements().isEmpty()) {
            expired.append(commands.at(i).at(1));  // that instance stopped without saying so
            continue;
        }
        instances.append(InstanceHeartbeat::fromFields(reply.fieldPairs()));
    }
    // Best effort: a listing left behind costs one HGETALL until the next reader drops it.
    if (expired.size() > 2)
        (void)m_connection.command(expired);
    std::sort(instances.begin(), instances.end(), [](const InstanceHeartbeat &a, const InstanceHeartbeat &b) {
        return a.host != b.host ? a.host < b.host : a.pid < b.pid;
    });
    return instances;
}

}  // namespace tiersync
