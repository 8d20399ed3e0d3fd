#include "redis/redisscanner.h"

#include "redis/redisconnection.h"

namespace tiersync {

RedisScanner::RedisScanner(RedisConnection &connection, QByteArray match, int count, QByteArray type)
    : m_connection(connection)
    , m_match(std::move(match))
    , m_type(std::move(type))
    , m_count(count > 0 ? count : kDefaultCount)
{
}

Result<QList<QByteArray>> RedisScanner::next()
{
    if (atEnd())
        return QList<QByteArray>();
    auto page = m_connection.scan(m_cursor, m_match, m_count, m_type);
    if (!page)
        return page.error();
    m_started = true;
    m_cursor = page->nextCursor;
    return std::move(page->keys);
}

Status RedisScanner::forEachBatch(RedisConnection &connection, const QByteArray &match,
                                  const std::function<bool(const QList<QByteArray> &)> &onBatch, int count,
                                  const QByteArray &type)
{
    RedisScanner scanner(connection, match, count, type);
    while (!scanner.atEnd()) {
        auto keys = scanner.next();
        if (!keys)
            return keys.error();
        if (!keys->isEmpty() && !onBatch(*keys))
            break;
    }
    return {};
}

Result<qint64> RedisScanner::unlinkMatching(RedisConnection &connection, const QByteArray &match, int count)
{
    if (match.isEmpty() || match == "*")
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("redis: refusing to unlink every key; give a narrower pattern"));
    qint64 removed = 0;
    Error failure;
    auto status = forEachBatch(
        connection, match,
        [&](const QList<QByteArray> &keys) {
            auto unlinked = connection.unlink(keys);
            if (!unlinked) {
                failure = unlinked.error();
                return false;
            }
            removed += *unlinked;
            return true;
        },
        count);
    if (!status)
        return status.error();
    if (failure.kind != ErrorKind::None)
        return failure;
    return removed;
}

QByteArray RedisScanner::escapeGlob(QByteArrayView text)
{
    QByteArray escaped;
    escaped.reserve(text.size() + 8);
    for (const char c : text) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\')
            escaped.append('\\');
        escaped.append(c);
    }
    return escaped;
}

}  // namespace tiersync
