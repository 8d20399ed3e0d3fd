#include "redis/redisreply.h"

#include <hiredis/hiredis.h>

namespace tiersync {

RedisReply RedisReply::nil()
{
    return {};
}

RedisReply RedisReply::status(QByteArray text)
{
    RedisReply reply;
    reply.m_type = Type::Status;
    reply.m_bytes = std::move(text);
    return reply;
}

RedisReply RedisReply::error(QByteArray message)
{
    RedisReply reply;
    reply.m_type = Type::Error;
    reply.m_bytes = std::move(message);
    return reply;
}

RedisReply RedisReply::integer(qint64 value)
{
    RedisReply reply;
    reply.m_type = Type::Integer;
    reply.m_integer = value;
    return reply;
}

RedisReply RedisReply::string(QByteArray bytes)
{
    RedisReply reply;
    reply.m_type = Type::String;
    reply.m_bytes = std::move(bytes);
    return reply;
}

RedisReply RedisReply::array(QList<RedisReply> elements)
{
    RedisReply reply;
    reply.m_type = Type::Array;
    reply.m_elements = std::move(elements);
    return reply;
}

RedisReply RedisReply::fromHiredis(const redisReply *reply)
{
    if (reply == nullptr)
        return nil();
    // QByteArray(ptr, len) copies exactly len bytes: NULs and \r\n survive.
    const auto bytesOf = [reply] {
        return reply->str != nullptr ? QByteArray(reply->str, qsizetype(reply->len)) : QByteArray();
    };
    switch (reply->type) {
    case REDIS_REPLY_NIL:
        return nil();
    case REDIS_REPLY_STATUS:
        return status(bytesOf());
    case REDIS_REPLY_ERROR:
        return error(bytesOf());
    case REDIS_REPLY_INTEGER:
        return integer(reply->integer);
    case REDIS_REPLY_STRING:
        return string(bytesOf());
    case REDIS_REPLY_ARRAY: {
        QList<RedisReply> elements;
        elements.reserve(qsizetype(reply->elements));
        for (size_t i = 0; i < reply->elements; ++i)
            elements.append(fromHiredis(reply->element[i]));
        return array(std::move(elements));
    }
    default:
        // hiredis 0.14 speaks RESP2 only; anything else means a newer library
        // produced a type this code does not know.
        return error(QByteArray("ERR unsupported hiredis reply type ") + QByteArray::number(reply->type));
    }
}

RedisReply RedisReply::takeHiredis(redisReply *reply)
{
    RedisReply converted = fromHiredis(reply);
    if (reply != nullptr)
        freeReplyObject(reply);
    return converted;
}

QHash<QByteArray, QByteArray> RedisReply::fieldPairs() const
{
    QHash<QByteArray, QByteArray> fields;
    fields.reserve(m_elements.size() / 2);
    for (qsizetype i = 0; i + 1 < m_elements.size(); i += 2)
        fields.insert(m_elements.at(i).bytes(), m_elements.at(i + 1).bytes());
    return fields;
}

std::optional<QByteArray> RedisReply::optionalBytes() const
{
    if (m_type == Type::String || m_type == Type::Status)
        return m_bytes;
    return std::nullopt;
}

QByteArray RedisReply::errorCode() const
{
    if (m_type != Type::Error)
        return {};
    const qsizetype space = m_bytes.indexOf(' ');
    return space < 0 ? m_bytes : m_bytes.left(space);
}

QString RedisReply::describe() const
{
    switch (m_type) {
    case Type::String:
    case Type::Status:
        return QStringLiteral("%1(%2 bytes)").arg(redisReplyTypeName(m_type)).arg(m_bytes.size());
    case Type::Error:
        return QStringLiteral("error(%1)").arg(QString::fromUtf8(errorCode()));
    case Type::Array:
        return QStringLiteral("array(%1 elements)").arg(m_elements.size());
    case Type::Integer:
    case Type::Nil:
        break;
    }
    return redisReplyTypeName(m_type);
}

QString redisReplyTypeName(RedisReply::Type type)
{
    switch (type) {
    case RedisReply::Type::Nil: return QStringLiteral("nil");
    case RedisReply::Type::Status: return QStringLiteral("status");
    case RedisReply::Type::Error: return QStringLiteral("error");
    case RedisReply::Type::Integer: return QStringLiteral("integer");
    case RedisReply::Type::String: return QStringLiteral("string");
    case RedisReply::Type::Array: return QStringLiteral("array");
    }
    return QStringLiteral("unknown");
}

}  // namespace tiersync
