#pragma once

#include <QByteArray>
#include <QList>

namespace tiersync {

// One SCAN step: the keys it returned and the cursor for the next step (0 = done).
// SCAN may return a key more than once across steps; callers that count must dedupe.
struct RedisScanPage final {
    quint64 nextCursor = 0;
    QList<QByteArray> keys;
};

}  // namespace tiersync
