#include "cache/statsstore.h"

#include "cache/cachekeys.h"
#include "cache/zohocallstore.h"
#include "redis/redisconnection.h"

namespace tiersync {

StatsStore::StatsStore(RedisConnection &connection)
    : m_connection(connection)
{
}

Status StatsStore::add(qint64 epochMinute, const QList<QPair<QString, StatsCounts>> &counts)
{
    QList<QList<QByteArray>> commands;
    quint64 zohoCalls = 0;
    for (const auto &[endpoint, endpointCounts] : counts) {
        zohoCalls += endpointCounts.value(StatsCounter::ZohoCalls);
        const QHash<QByteArray, quint64> fields = endpointCounts.toFields();
        if (fields.isEmpty())
            continue;
        const QByteArray key = cachekeys::statsKey(endpoint, epochMinute);
        for (auto it = fields.begin(); it != fields.end(); ++it)
            commands.append({QByteArrayLiteral("HINCRBY"), key, it.key(), QByteArray::number(it.value())});
        commands.append({QByteArrayLiteral("EXPIRE"), key, QByteArray::number(kTtlSeconds)});
    }
    // The read path's share of the organisation's Zoho budget, in the same round trip.
    commands.append(ZohoCallStore::addCommands(epochMinute, ZohoCallPurpose::Read, zohoCalls));
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
    auto perMinute = series(endpoints, nowMs, minutes);
    if (!perMinute)
        return perMinute.error();
    QMap<QString, StatsCounts> sums;
    for (auto it = perMinute->cbegin(); it != perMinute->cend(); ++it) {
        StatsCounts sum;
        for (const StatsCounts &minute : it.value())
            sum += minute;
        sums.insert(it.key(), sum);
    }
    return sums;
}

Result<QMap<QString, QList<StatsCounts>>> StatsStore::series(const QStringList &endpoints, qint64 nowMs,
                                                             int minutes)
{
    minutes = qMax(minutes, 0);
    const qint64 lastMinute = epochMinute(nowMs);
    QList<QList<QByteArray>> commands;
    for (const QString &endpoint : endpoints) {
        for (qint64 minute = lastMinute - minutes + 1; minute <= lastMinute; ++minute)
            commands.append({QByteArrayLiteral("HGETALL"), cachekeys::statsKey(endpoint, minute)});
    }
    QMap<QString, QList<StatsCounts>> series;
    for (const QString &endpoint : endpoints)
        series.insert(endpoint, QList<StatsCounts>(minutes));
    if (commands.isEmpty())
        return series;
    auto replies = m_connection.pipeline(commands);
    if (!replies)
        return replies.error();
    qsizetype index = 0;
    for (const QString &endpoint : endpoints) {
        QList<StatsCounts> &counts = series[endpoint];
        for (int i = 0; i < minutes; ++i, ++index) {
            const RedisReply &reply = replies->at(index);
            if (reply.isError())
                return RedisConnection::errorFromReply(reply);
            counts[i] = StatsCounts::fromFields(reply.fieldPairs());  // a missing key is []
        }
    }
    return series;
}

}  // namespace tiersync
