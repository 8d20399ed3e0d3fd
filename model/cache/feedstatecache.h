#pragma once

#include "core/epochclock.h"
#include "core/result.h"

#include <QHash>
#include <QString>

#include <functional>
#include <mutex>
#include <optional>

namespace tiersync {

// The feeds' data_as_of as the read path sees them: read through a small per-process
// cache, so a busy read path asks PostgreSQL about the feeds about once a second, not
// once per read. Loaded all at once (a handful of rows). A failed load counts as "no feed
// state" until the next load: the read path then takes its per-student path, it never
// trusts a feed it could not check. Thread-safe; one load at a time, while it runs the
// other readers keep the last answer (or none).
class FeedStateCache final {
public:
    // entity type -> data_as_of in epoch ms, of every feed that ever succeeded.
    using Loader = std::function<Result<QHash<QString, qint64>>()>;

    FeedStateCache(Loader loader, EpochClock clock, qint64 maxAgeMs = 1000);
    Q_DISABLE_COPY_MOVE(FeedStateCache)

    // The feed's data_as_of (epoch ms); nullopt when it has no state or the load failed.
    [[nodiscard]] std::optional<qint64> dataAsOfMs(const QString &entityType);
    // How many loads so far (tests).
    [[nodiscard]] int loads() const;

private:
    Loader m_loader;
    EpochClock m_clock;
    qint64 m_maxAgeMs;

    mutable std::mutex m_mutex;
    QHash<QString, qint64> m_dataAsOf;  // guarded by m_mutex
    qint64 m_loadedAtMs = 0;
    bool m_loaded = false;
    bool m_loading = false;
    int m_loads = 0;
};

}  // namespace tiersync
