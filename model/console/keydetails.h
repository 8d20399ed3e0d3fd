#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QtGlobal>

namespace tiersync {

// Everything the key browser's value viewer shows about one key, read in one pipelined
// round trip (TYPE, TTL, MEMORY USAGE, then the value) on the worker thread.
struct KeyDetails final {
    // Values larger than this are cut for display; the viewer says so.
    static constexpr qsizetype kMaxValueBytes = 4 * 1024 * 1024;
    // Elements read from a hash, list, set, sorted set or stream.
    static constexpr int kMaxElements = 1000;

    QByteArray key;
    QString type;             // "string", "hash", …, "none" when the key is gone
    qint64 ttlSeconds = -1;   // -1: no expiry, -2: no such key
    qint64 memoryBytes = -1;  // MEMORY USAGE; -1 when unknown
    qint64 length = 0;        // bytes (string) or elements (others)
    QByteArray value;         // string keys
    // hash: field → value; zset: member → score; list: index → element;
    // set: member → ""; stream: entry id → fields as "f=v f=v"
    QList<QPair<QByteArray, QByteArray>> elements;
    bool truncated = false;

    [[nodiscard]] bool exists() const { return type != QLatin1String("none"); }
    // "3 min 20 s", "no expiry", "—"
    [[nodiscard]] QString ttlText() const;
    [[nodiscard]] static QString formatBytes(qint64 bytes);
};

}  // namespace tiersync
