#include "cache/instancestore.h"

#include "redis/redisconnection.h"
#include "redis/redisscanner.h"

#include <QSet>

#include <algorithm>

namespace tiersync {

InstanceStore::InstanceStore(RedisConnection &connection)
    : m_connection(connection)
{
}

Status InstanceStore::publish(const InstanceHeartbeat &heartbeat, qint64 ttlSeconds)
{
    const QByteArray key = heartbeat.key();
    QList<QByteArray> hset{QByteArrayLiteral("HSET"), key};
    const QHash<QByteArray, QByteArray> fields = heartbeat.toFields();
    for (auto it = fields.cbegin(); it != fields.cend(); ++it)
        hset << it.key() << it.value();
    auto replies = m_connection.pipeline({hset, {QByteArrayLiteral("EXPIRE"), key, QByteArray::number(ttlSeconds)}});
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
    auto removed = m_connection.unlink({heartbeat.key()});
    if (!removed)
        return removed.error();
    return {};
}

Result<QList<InstanceHeartbeat>> InstanceStore::readAll()
{
    // SCAN may return a key twice: dedupe before reading.
    QSet<QByteArray> seen;
    QList<QByteArray> keys;
    const QByteArray match = QByteArray(InstanceHeartbeat::kKeyPrefix) + '*';
    Status walked = RedisScanner::forEachBatch(m_connection, match, [&](const QList<QByteArray> &batch) {
        for (const QByteArray &key : batch) {
            if (!seen.contains(key)) {
                seen.insert(key);
                keys.append(key);
            }
        }
        return true;
    });
    if (!walked)
        return walked.error();
    QList<InstanceHeartbeat> instances;
    if (keys.isEmpty())
        return instances;
    QList<QList<QByteArray>> commands;
    commands.reserve(keys.size());
    for (const QByteArray &key : keys)
        commands.append({QByteArrayLiteral("HGETALL"), key});
    auto replies = m_connection.pipeline(commands);
    if (!replies)
        return replies.error();
    for (const RedisReply &reply : *replies) {
        if (reply.isError())
            return RedisConnection::errorFromReply(reply);
        const QList<RedisReply> &items = reply.elements();
        if (items.isEmpty())
            continue;  // expired between SCAN and HGETALL
        QHash<QByteArray, QByteArray> fields;
        for (qsizetype f = 0; f + 1 < items.size(); f += 2)
            fields.insert(items.at(f).bytes(), items.at(f + 1).bytes());
        instances.append(InstanceHeartbeat::fromFields(fields));
    }
    std::sort(instances.begin(), instances.end(), [](const InstanceHeartbeat &a, const InstanceHeartbeat &b) {
        return a.host != b.host ? a.host < b.host : a.pid < b.pid;
    });
    return instances;
}

}  // namespace tiersync
