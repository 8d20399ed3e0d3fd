#include "cache/statsstore.h"

#include "cache/cachekeys.h"
#include "redis/redisconnection.h"

namespace tiersync {

StatsStore::StatsStore(RedisConnection &connection)
    : m_connection(connection)
{
}

Status StatsStore::add(qint64 epochMinute, const QList<QPair<QString, StatsCounts>> &counts)
{
    QList<QList<QByteArray>> commands;
    for (const auto &[endpoint, endpointCounts] : counts) {
        const QHash<QByteArray, quint64> fields = endpointCounts.toFields();
        if (fields.isEmpty())
            continue;
        const QByteArray key = cachekeys::statsKey(endpoint, epochMinute);
        for (auto it = fields.begin(); it != fields.end(); ++it)
            commands.append({QByteArrayLiteral("HINCRBY"), key, it.key(), QByteArray::number(it.value())});
        commands.append({QByteArrayLiteral("EXPIRE"), key, QByteArray::number(kTtlSeconds)});
    }
    if (commands.isEmpty())
        return {};
    auto replies = m_connection.pipeline(commands);
    if (!replies)
        return replies.error();
    for (const RedisReply &reply : *replies) {
        if (reply.isError())
            return RedisConnection::errorFromReply(reply);
    }
    return {};
}

Result<QMap<QString, StatsCounts>> StatsStore::sumRecent(const QStringList &endpoints, qint64 nowMs, int minutes)
{
    const qint64 lastMinute = epochMinute(nowMs);
    QList<QList<QByteArray>> commands;
    for (const QString &endpoint : endpoints) {
        for (qint64 minute = lastMinute - minutes + 1; minute <= lastMinute; ++minute)
            commands.append({QByteArrayLiteral("HGETALL"), cachekeys::statsKey(endpoint, minute)});
    }
    QMap<QString, StatsCounts> sums;
    for (const QString &endpoint : endpoints)
        sums.insert(endpoint, StatsCounts{});
    if (commands.isEmpty())
        return sums;
    auto replies = m_connection.pipeline(commands);
    if (!replies)
        return replies.error();
    qsizetype index = 0;
    for (const QString &endpoint : endpoints) {
        for (int i = 0; i < minutes; ++i, ++index) {
            const RedisReply &reply = replies->at(index);
            if (reply.isError())
                return RedisConnection::errorFromReply(reply);
            // HGETALL: [field, value, field, value, …]; a missing key is [].
            QHash<QByteArray, QByteArray> fields;
            const QList<RedisReply> &items = reply.elements();
            for (qsizetype f = 0; f + 1 < items.size(); f += 2)
                fields.insert(items.at(f).bytes(), items.at(f + 1).bytes());
            sums[endpoint] += StatsCounts::fromFields(fields);
        }
    }
    return sums;
}

}  // namespace tiersync
