#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <optional>

// hiredis's reply struct; only the .cpp that converts it includes hiredis.
struct redisReply;

namespace tiersync {

// One RESP2 reply as a plain value: nil, status (+OK), error (-ERR …), integer,
// binary-safe bulk string, or an array of replies (nested arbitrarily). hiredis's
// redisReply is copied into this and freed at once, so nothing outlives the call that
// produced it and the value can cross threads.
class RedisReply final {
public:
    enum class Type { Nil, Status, Error, Integer, String, Array };

    RedisReply() = default;  // nil

    [[nodiscard]] static RedisReply nil();
    [[nodiscard]] static RedisReply status(QByteArray text);
    [[nodiscard]] static RedisReply error(QByteArray message);
    [[nodiscard]] static RedisReply integer(qint64 value);
    [[nodiscard]] static RedisReply string(QByteArray bytes);
    [[nodiscard]] static RedisReply array(QList<RedisReply> elements);

    // Deep copy of a hiredis reply (does not free it).
    [[nodiscard]] static RedisReply fromHiredis(const redisReply *reply);
    // Deep copy, then freeReplyObject(reply): the usual way a reply leaves hiredis.
    [[nodiscard]] static RedisReply takeHiredis(redisReply *reply);

    [[nodiscard]] Type type() const { return m_type; }
    [[nodiscard]] bool isNil() const { return m_type == Type::Nil; }
    [[nodiscard]] bool isStatus() const { return m_type == Type::Status; }
    [[nodiscard]] bool isError() const { return m_type == Type::Error; }
    [[nodiscard]] bool isInteger() const { return m_type == Type::Integer; }
    [[nodiscard]] bool isString() const { return m_type == Type::String; }
    [[nodiscard]] bool isArray() const { return m_type == Type::Array; }

    // The bytes of a string, the text of a status or the message of an error; empty
    // for the other types.
    [[nodiscard]] const QByteArray &bytes() const { return m_bytes; }
    // A bulk string (or status) as a value; nullopt for nil and everything else.
    [[nodiscard]] std::optional<QByteArray> optionalBytes() const;
    [[nodiscard]] qint64 integerValue() const { return m_integer; }
    [[nodiscard]] const QList<RedisReply> &elements() const { return m_elements; }
    // An array of [field, value, field, value, …] (HGETALL, CONFIG GET) as a hash; an odd
    // last element is ignored, anything but an array gives an empty hash.
    [[nodiscard]] QHash<QByteArray, QByteArray> fieldPairs() const;
    // The first word of an error reply ("ERR", "WRONGTYPE", "NOAUTH"), empty otherwise.
    [[nodiscard]] QByteArray errorCode() const;

    // Type and size only, never the content: replies may carry cached payloads.
    [[nodiscard]] QString describe() const;

    friend bool operator==(const RedisReply &, const RedisReply &) = default;

private:
    Type m_type = Type::Nil;
    qint64 m_integer = 0;
    QByteArray m_bytes;
    QList<RedisReply> m_elements;
};

[[nodiscard]] QString redisReplyTypeName(RedisReply::Type type);

}  // namespace tiersync
