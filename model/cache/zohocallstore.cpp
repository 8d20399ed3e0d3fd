#include "cache/zohocallstore.h"

#include "cache/cachekeys.h"
#include "redis/redisconnection.h"

namespace tiersync {

ZohoCallStore::ZohoCallStore(RedisConnection &connection)
    : m_connection(connection)
{
}

QList<QList<QByteArray>> ZohoCallStore::addCommands(qint64 epochMinute, ZohoCallPurpose purpose, quint64 calls)
{
    if (calls == 0)
        return {};
    const QByteArray key = cachekeys::zohoCallsKey(epochMinute);
    return {{QByteArrayLiteral("HINCRBY"), key, zohoCallPurposeField(purpose), QByteArray::number(calls)},
            {QByteArrayLiteral("EXPIRE"), key, QByteArray::number(kTtlSeconds)}};
}

Status ZohoCallStore::add(qint64 epochMinute, ZohoCallPurpose purpose, quint64 calls)
{
    const QList<QList<QByteArray>> commands = addCommands(epochMinute, purpose, calls);
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

Result<QList<ZohoCallCounts>> ZohoCallStore::series(qint64 nowMs, int minutes)
{
    minutes = qMax(minutes, 0);
    const qint64 lastMinute = nowMs / 60000;
    QList<QList<QByteArray>> commands;
    commands.reserve(minutes);
    for (qint64 minute = lastMinute - minutes + 1; minute <= lastMinute; ++minute)
        commands.append({QByteArrayLiteral("HGETALL"), cachekeys::zohoCallsKey(minute)});
    QList<ZohoCallCounts> counts(minutes);
    if (commands.isEmpty())
        return counts;
    auto replies = m_connection.pipeline(commands);
    if (!replies)
        return replies.error();
    for (int i = 0; i < minutes; ++i) {
        const RedisReply &reply = replies->at(i);
        if (reply.isError())
            return RedisConnection::errorFromReply(reply);
        counts[i] = ZohoCallCounts::fromFields(reply.fieldPairs());  // a missing key is []
    }
    return counts;
}

Result<ZohoCallCounts> ZohoCallStore::sumRecent(qint64 nowMs, int minutes)
{
    auto perMinute = series(nowMs, minutes);
    if (!perMinute)
        return perMinute.error();
    ZohoCallCounts sum;
    for (const ZohoCallCounts &minute : std::as_const(*perMinute))
        sum += minute;
    return sum;
}

}  // namespace tiersync
