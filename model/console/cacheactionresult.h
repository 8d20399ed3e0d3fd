#pragma once

#include <QMetaType>
#include <QString>

namespace tiersync {

// How one Cache page action ended: a warm (CacheWarmer) or an invalidation
// (CacheInvalidator), of one endpoint / entity type or of all of them. An action that
// failed ends with CacheAdminService::failed instead.
struct CacheActionResult final {
    enum class Kind { WarmEntities, WarmEndpoints, InvalidateEndpoint, InvalidateEntityType };

    quint64 requestId = 0;
    Kind kind = Kind::WarmEndpoints;
    QString target;         // endpoint or entity type; empty: all of them
    bool dryRun = false;    // invalidations only: counted, nothing removed
    bool cancelled = false; // stopped by cancel(): the counts are what was done before
    qint64 keys = 0;        // written (warm), would go (dry run) or removed
    qint64 rows = 0;        // warm: PostgreSQL rows read
    qint64 skipped = 0;     // warm: snapshots past their freshness window
    qint64 durationMs = 0;

    [[nodiscard]] bool isWarm() const { return kind == Kind::WarmEntities || kind == Kind::WarmEndpoints; }
};

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::CacheActionResult)
