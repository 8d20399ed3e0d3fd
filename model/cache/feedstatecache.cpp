#include "cache/feedstatecache.h"

#include "core/logging.h"

namespace tiersync {

FeedStateCache::FeedStateCache(Loader loader, EpochClock clock, qint64 maxAgeMs, ChannelLoader channels)
    : m_loader(std::move(loader))
    , m_channelLoader(std::move(channels))
    , m_clock(orSystemEpochClock(std::move(clock)))
    , m_maxAgeMs(std::max<qint64>(0, maxAgeMs))
{
}

bool FeedStateCache::refresh(qint64 nowMs)
{
    {
        std::lock_guard lock(m_mutex);
        // A clock that went back also reloads.
        const bool current = m_loaded && nowMs >= m_loadedAtMs && nowMs - m_loadedAtMs < m_maxAgeMs;
        if (current || (m_loading && m_loaded))
            return true;
        if (m_loading)
            return false;  // the first load is under way: not known to be healthy yet
        m_loading = true;
    }
    Result<QHash<QString, qint64>> loaded = m_loader ? m_loader() : Result<QHash<QString, qint64>>(QHash<QString, qint64>());
    Result<QList<ChannelHealthFacts>> channels =
        m_channelLoader ? m_channelLoader() : Result<QList<ChannelHealthFacts>>(QList<ChannelHealthFacts>());
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
    if (channels) {
        m_channels = std::move(*channels);
    } else {
        qCDebug(lcPg) << "read path: notification channels unavailable, none vouches for a feed:"
                      << channels.error().message;
        m_channels.clear();
    }
    return true;
}

std::optional<qint64> FeedStateCache::dataAsOfMs(const QString &entityType)
{
    return feed(entityType).dataAsOfMs;
}

FeedStateCache::Feed FeedStateCache::feed(const QString &entityType)
{
    const qint64 nowMs = m_clock();
    if (!refresh(nowMs))
        return {};
    std::lock_guard lock(m_mutex);
    Feed feed;
    if (const auto found = m_dataAsOf.constFind(entityType); found != m_dataAsOf.cend())
        feed.dataAsOfMs = *found;
    feed.channelHealthy = ChannelHealthFacts::anyHealthy(m_channels, entityType, nowMs);
    return feed;
}

int FeedStateCache::loads() const
{
    std::lock_guard lock(m_mutex);
    return m_loads;
}

}  // namespace tiersync
