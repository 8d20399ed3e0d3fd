#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QtGlobal>

namespace tiersync {

// A cached endpoint value with its "data" kept as JSON text, so a Redis hit is served by
// splicing those bytes into the response instead of parsing and re-serialising them.
// The stored form is still one JSON object (redis-cli, CachedEntry::decode and older
// readers keep working), written with a fixed field order so it can be read without a
// JSON parser:
//   {"v":2,"fetched_at_ms":F,"stored_at_ms":S,"ttl_s":T,"cost_ms":C,"data_fnv":"<16 hex>","data":<data>}
// data_fnv is the FNV-1a 64 hash of the data text: a truncated or altered value fails it
// and is a miss, never a malformed answer. Values in the older CachedEntry layout (any
// field order, no hash) still decode, through a full parse.
struct RawCachedEntry final {
    QByteArray dataJson;     // object, array or null, as JSON text
    qint64 fetchedAtMs = 0;  // epoch ms
    qint64 storedAtMs = 0;   // epoch ms
    qint64 ttlSeconds = 0;
    qint64 costMs = 0;

    [[nodiscard]] qint64 expiresAtMs() const { return storedAtMs + ttlSeconds * 1000; }

    [[nodiscard]] QByteArray encode() const;
    [[nodiscard]] static Result<RawCachedEntry> decode(const QByteArray &bytes);

    // 64-bit FNV-1a: cheap (one multiply per byte) and stable across processes and
    // machines, unlike qHash.
    [[nodiscard]] static quint64 fnv1a64(const char *data, qsizetype size);
    // Whether text looks like data JSON at its edges: {…}, […] or null. Not a parse.
    [[nodiscard]] static bool looksLikeData(const QByteArray &json);
};

}  // namespace tiersync
