#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QtGlobal>

#include <functional>

namespace tiersync {

class RedisConnection;

// Walks a whole keyspace with SCAN … MATCH … COUNT, one step per next(), so callers
// stream batches (a key browser over a million keys, invalidation by pattern) and no
// single Redis call blocks the server for more than a few milliseconds. Never KEYS.
//
// SCAN guarantees every key present for the whole walk is returned at least once; a
// key may come back more than once, and keys added or removed meanwhile may or may not
// appear. A step may return no keys while the walk is not finished. A cursor stays
// valid across reconnects (it lives on the client side), so SCAN is retried after a
// broken connection like any read.
//
// Borrows the connection; same thread rule as RedisConnection.
class RedisScanner final {
public:
    static constexpr int kDefaultCount = 1000;

    // match: a glob pattern (empty = every key); put user-supplied parts through
    // escapeGlob(). type: "string", "hash", … (empty = any).
    RedisScanner(RedisConnection &connection, QByteArray match, int count = kDefaultCount,
                 QByteArray type = {});
    Q_DISABLE_COPY_MOVE(RedisScanner)

    [[nodiscard]] bool atEnd() const { return m_started && m_cursor == 0; }
    // The cursor the next step starts from (0 before the first step and after the last).
    [[nodiscard]] quint64 cursor() const { return m_cursor; }
    // One SCAN step. Calling it at the end returns an empty list.
    [[nodiscard]] Result<QList<QByteArray>> next();

    // The whole walk, one callback per non-empty step; the callback returns false to
    // stop early.
    [[nodiscard]] static Status forEachBatch(RedisConnection &connection, const QByteArray &match,
                                             const std::function<bool(const QList<QByteArray> &)> &onBatch,
                                             int count = kDefaultCount, const QByteArray &type = {});
    // UNLINK every key matching the pattern, one UNLINK per SCAN step; returns how many
    // keys were removed. An empty pattern is refused: wiping a database is not a
    // pattern invalidation.
    [[nodiscard]] static Result<qint64> unlinkMatching(RedisConnection &connection, const QByteArray &match,
                                                       int count = kDefaultCount);

    // text with the glob metacharacters * ? [ ] \ escaped, so it matches only itself
    // inside a MATCH pattern (user input, ids, endpoint names).
    [[nodiscard]] static QByteArray escapeGlob(QByteArrayView text);

private:
    RedisConnection &m_connection;
    QByteArray m_match;
    QByteArray m_type;
    int m_count;
    quint64 m_cursor = 0;
    bool m_started = false;
};

}  // namespace tiersync
