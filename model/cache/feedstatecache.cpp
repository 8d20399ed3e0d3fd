#include "cache/feedstatecache.h"

#include "core/logging.h"

namespace tiersync {

FeedStateCache::FeedStateCache(Loader loader, EpochClock clock, qint64 maxAgeMs)
    : m_loader(std::move(loader))
    , m_clock(orSystemEpochClock(std::move(clock)))
    , m_maxAgeMs(std::max<qint64>(0, maxAgeMs))
{
}

std::optional<qint64> FeedStateCache::dataAsOfMs(const QString &entityType)
{
    const auto lookup = [this, &entityType]() -> std::optional<qint64> {
        const auto found = m_dataAsOf.constFind(entityType);
        if (found == m_dataAsOf.cend())
            return std::nullopt;
        return *found;
    };
    const qint64 nowMs = m_clock();
    {
        std::lock_guard lock(m_mutex);
        // A clock that went back also reloads.
        const bool current = m_loaded && nowMs >= m_loadedAtMs && nowMs - m_loadedAtMs < m_maxAgeMs;
        if (current || (m_loading && m_loaded))
            return lookup();
        if (m_loading)
            return std::nullopt;  // the first load is under way: not known to be healthy yet
        m_loading = true;
    }
    Result<QHash<QString, qint64>> loaded = m_loader ? m_loader() : Result<QHash<QString, qint64>>(QHash<QString, qint64>());
    std::lock_guard lock(m_mutex);
    m_loading = false;
    m_loaded = true;
    m_loadedAtMs = nowMs;
    ++m_loads;
    if (loaded) {
        m_dataAsOf = std::move(*loaded);
    } else {
        qCDebug(lcPg) << "read path: feed states unavailable, every feed counts as behind:" << loaded.error().message;
        m_dataAsOf.clear();
    }
    return lookup();
}

int FeedStateCache::loads() const
{
    std::lock_guard lock(m_mutex);
    return m_loads;
}

}  // namespace tiersync
