#pragma once

#include "cache/channelhealthfacts.h"
#include "core/epochclock.h"
#include "core/result.h"

#include <QHash>
#include <QString>

#include <functional>
#include <mutex>
#include <optional>

namespace tiersync {

// The feeds' data_as_of, and the health of their modules' notification channels, as the
// read path sees them: read through a small per-process cache, so a busy read path asks
// PostgreSQL about the feeds about once a second, not once per read. Loaded all at once (a
// handful of rows). A failed load counts as "no feed state" (or "no channel") until the
// next load: the read path then takes its per-student path, it never trusts a feed or a
// channel it could not check. Thread-safe; one load at a time, while it runs the other
// readers keep the last answer (or none).
class FeedStateCache final {
public:
    // entity type -> data_as_of in epoch ms, of every feed that ever succeeded.
    using Loader = std::function<Result<QHash<QString, qint64>>()>;
    // The notification channels (ChannelHealthFacts::load); null: no channels.
    using ChannelLoader = std::function<Result<QList<ChannelHealthFacts>>()>;

    FeedStateCache(Loader loader, EpochClock clock, qint64 maxAgeMs = 1000, ChannelLoader channels = {});
    Q_DISABLE_COPY_MOVE(FeedStateCache)

    // The feed's data_as_of (epoch ms); nullopt when it has no state or the load failed.
    [[nodiscard]] std::optional<qint64> dataAsOfMs(const QString &entityType);

    struct Feed {
        std::optional<qint64> dataAsOfMs;  // as dataAsOfMs()
        bool channelHealthy = false;       // a channel of its module is Healthy at the clock's now
    };
    [[nodiscard]] Feed feed(const QString &entityType);
    // How many loads so far (tests).
    [[nodiscard]] int loads() const;

private:
    // Loads when the last load is older than maxAgeMs (the caller holds no lock); false
    // while the first load runs on another thread (nothing known yet).
    [[nodiscard]] bool refresh(qint64 nowMs);

    Loader m_loader;
    ChannelLoader m_channelLoader;
    EpochClock m_clock;
    qint64 m_maxAgeMs;

    mutable std::mutex m_mutex;
    QHash<QString, qint64> m_dataAsOf;  // guarded by m_mutex
    QList<ChannelHealthFacts> m_channels;  // guarded by m_mutex
    qint64 m_loadedAtMs = 0;
    bool m_loaded = false;
    bool m_loading = false;
    int m_loads = 0;
};

}  // namespace tiersync
