#include "redis/redisbatch.h"

#include "redis/redisconnection.h"

#include <algorithm>

namespace tiersync {

namespace {

// The first error reply in a batch, as the Error for the whole batch.
Status firstErrorReply(const QList<RedisReply> &replies, const char *what)
{
    for (const RedisReply &reply : replies) {
        if (reply.isError()) {
            Error error = RedisConnection::errorFromReply(reply);
            error.message = QStringLiteral("redis: %1 batch failed: %2").arg(QLatin1String(what), error.message);
            return error;
        }
    }
    return {};
}

Error unexpected(const char *what, const RedisReply &reply)
{
    return makeError(ErrorKind::Protocol,
                     QStringLiteral("redis: %1 answered %2").arg(QLatin1String(what), reply.describe()));
}

}  // namespace

RedisBatch::RedisBatch(RedisConnection &connection, int chunkSize)
    : m_connection(connection)
    , m_chunkSize(chunkSize > 0 ? chunkSize : RedisConnection::kDefaultPipelineChunk)
{
}

Result<QList<std::optional<QByteArray>>> RedisBatch::getMany(const QList<QByteArray> &keys)
{
    QList<std::optional<QByteArray>> values;
    values.reserve(keys.size());
    for (qsizetype begin = 0; begin < keys.size(); begin += m_chunkSize) {
        const qsizetype end = std::min(keys.size(), begin + qsizetype(m_chunkSize));
        QList<QList<QByteArray>> commands;
        for (qsizetype at = begin; at < end; at += kKeysPerMget) {
            QList<QByteArray> argv{QByteArrayLiteral("MGET")};
            argv.append(keys.mid(at, std::min(qsizetype(kKeysPerMget), end - at)));
            commands.append(std::move(argv));
        }
        auto replies = m_connection.pipeline(commands);
        if (!replies)
            return replies.error();
        if (auto failed = firstErrorReply(*replies, "MGET"); !failed)
            return failed.error();
        for (const RedisReply &reply : *replies) {
            if (!reply.isArray())
                return unexpected("MGET", reply);
            for (const RedisReply &value : reply.elements())
                values.append(value.isString() ? std::optional<QByteArray>(value.bytes()) : std::nullopt);
        }
    }
    if (values.size() != keys.size())
        return makeError(ErrorKind::Protocol, QStringLiteral("redis: MGET returned %1 values for %2 keys")
                                                  .arg(values.size()).arg(keys.size()));
    return values;
}

Status RedisBatch::setMany(const QList<QPair<QByteArray, QByteArray>> &entries, qint64 ttlSeconds)
{
    const QByteArray ttl = QByteArray::number(ttlSeconds);
    for (qsizetype begin = 0; begin < entries.size(); begin += m_chunkSize) {
        const qsizetype end = std::min(entries.size(), begin + qsizetype(m_chunkSize));
        QList<QList<QByteArray>> commands;
        commands.reserve(end - begin);
        for (qsizetype i = begin; i < end; ++i) {
            QList<QByteArray> argv{QByteArrayLiteral("SET"), entries.at(i).first, entries.at(i).second};
            if (ttlSeconds > 0)
                argv << QByteArrayLiteral("EX") << ttl;
            commands.append(std::move(argv));
        }
        auto replies = m_connection.pipeline(commands, m_chunkSize);
        if (!replies)
            return replies.error();
        if (auto failed = firstErrorReply(*replies, "SET"); !failed)
            return failed;
    }
    return {};
}

Result<QList<QList<std::optional<QByteArray>>>> RedisBatch::hmgetMany(const QList<QByteArray> &keys,
                                                                     const QList<QByteArray> &fields)
{
    if (fields.isEmpty())
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("redis: HMGET needs at least one field"));
    QList<QList<std::optional<QByteArray>>> rows;
    rows.reserve(keys.size());
    for (qsizetype begin = 0; begin < keys.size(); begin += m_chunkSize) {
        const qsizetype end = std::min(keys.size(), begin + qsizetype(m_chunkSize));
        QList<QList<QByteArray>> commands;
        commands.reserve(end - begin);
        for (qsizetype i = begin; i < end; ++i) {
            QList<QByteArray> argv;
            argv.reserve(2 + fields.size());
            argv << QByteArrayLiteral("HMGET") << keys.at(i);
            argv.append(fields);
            commands.append(std::move(argv));
        }
        auto replies = m_connection.pipeline(commands, m_chunkSize);
        if (!replies)
            return replies.error();
        if (auto failed = firstErrorReply(*replies, "HMGET"); !failed)
            return failed.error();
        for (const RedisReply &reply : *replies) {
            if (!reply.isArray() || reply.elements().size() != fields.size())
                return unexpected("HMGET", reply);
            QList<std::optional<QByteArray>> row;
            row.reserve(fields.size());
            for (const RedisReply &value : reply.elements())
                row.append(value.isString() ? std::optional<QByteArray>(value.bytes()) : std::nullopt);
            rows.append(std::move(row));
        }
    }
    return rows;
}

Status RedisBatch::hsetExpireMany(const QList<RedisHashWrite> &writes, qint64 ttlSeconds)
{
    auto written = hsetExpireManyCounting(writes, ttlSeconds, {});
    if (!written)
        return written.error();
    return {};
}

Result<bool> RedisBatch::hsetExpireManyCounting(const QList<RedisHashWrite> &writes, qint64 ttlSeconds,
                                                const QList<QList<QByteArray>> &counting)
{
    const QByteArray ttl = QByteArray::number(ttlSeconds);
    // Two commands per hash; keep a chunk at m_chunkSize commands.
    const qsizetype hashesPerChunk = std::max<qsizetype>(1, ttlSeconds > 0 ? m_chunkSize / 2 : m_chunkSize);
    bool counted = counting.isEmpty();
    qsizetype begin = 0;
    do {
        const qsizetype end = std::min(writes.size(), begin + hashesPerChunk);
        QList<QList<QByteArray>> commands;
        commands.reserve(2 * (end - begin) + counting.size());
        for (qsizetype i = begin; i < end; ++i) {
            const RedisHashWrite &write = writes.at(i);
            if (write.fields.isEmpty())
                return makeError(ErrorKind::InvalidArgument,
                                 QStringLiteral("redis: HSET of hash %1 of the batch has no fields").arg(i));
            QList<QByteArray> argv;
            argv.reserve(2 + 2 * write.fields.size());
            argv << QByteArrayLiteral("HSET") << write.key;
            for (const auto &[field, value] : write.fields)
                argv << field << value;
            commands.append(std::move(argv));
            if (ttlSeconds > 0)
                commands.append({QByteArrayLiteral("EXPIRE"), write.key, ttl});
        }
        const qsizetype stateCommands = commands.size();
        const bool last = end >= writes.size();
        if (last && !counting.isEmpty())
            commands.append(counting);
        if (commands.isEmpty())
            break;
        // One chunk: the counting commands must not push the states into a second round trip.
        auto replies = m_connection.pipeline(commands, int(std::max<qsizetype>(m_chunkSize, commands.size())));
        if (!replies && last && stateCommands < commands.size()) {
            commands.resize(stateCommands);
            replies = commands.isEmpty() ? Result<QList<RedisReply>>(QList<RedisReply>())
                                         : m_connection.pipeline(commands, m_chunkSize);
        }
        if (!replies)
            return replies.error();
        if (auto failed = firstErrorReply(replies->mid(0, stateCommands), "HSET/EXPIRE"); !failed)
            return failed.error();
        if (last && replies->size() > stateCommands)
            counted = firstErrorReply(replies->mid(stateCommands), "HINCRBY").ok();
        begin = end;
    } while (begin < writes.size());
    return counted;
}

Result<qint64> RedisBatch::unlinkMany(const QList<QByteArray> &keys)
{
    qint64 removed = 0;
    const qsizetype keysPerChunk = m_chunkSize;
    for (qsizetype begin = 0; begin < keys.size(); begin += keysPerChunk) {
        const qsizetype end = std::min(keys.size(), begin + keysPerChunk);
        QList<QList<QByteArray>> commands;
        for (qsizetype at = begin; at < end; at += kKeysPerMget) {
            QList<QByteArray> argv{QByteArrayLiteral("UNLINK")};
            argv.append(keys.mid(at, std::min(qsizetype(kKeysPerMget), end - at)));
            commands.append(std::move(argv));
        }
        auto replies = m_connection.pipeline(commands);
        if (!replies)
            return replies.error();
        if (auto failed = firstErrorReply(*replies, "UNLINK"); !failed)
            return failed.error();
        for (const RedisReply &reply : *replies) {
            if (!reply.isInteger())
                return unexpected("UNLINK", reply);
            removed += reply.integerValue();
        }
    }
    return removed;
}

}  // namespace tiersync
