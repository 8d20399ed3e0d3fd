#include "webhook/channelkeeper.h"

#include <QLoggingCategory>

#include <chrono>

namespace tiersync {

namespace {
Q_LOGGING_CATEGORY(lcChannelKeeper, "tiersync.channels")
}

ChannelKeeper::ChannelKeeper(EntityRegistry registry, PgSettings pg, ZohoClient *client, Options options)
    : m_registry(std::move(registry))
    , m_pg(std::move(pg))
    , m_client(client)
    , m_options(std::move(options))
{
}

ChannelKeeper::~ChannelKeeper()
{
    stop();
}

void ChannelKeeper::start()
{
    if (m_thread.joinable())
        return;
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = false;
    }
    m_thread = std::thread([this] { run(); });
}

void ChannelKeeper::stop()
{
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wakeUp.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

void ChannelKeeper::wake()
{
    {
        const std::lock_guard lock(m_mutex);
        m_woken = true;
    }
    m_wakeUp.notify_all();
}

int ChannelKeeper::passes() const
{
    const std::lock_guard lock(m_mutex);
    return m_passes;
}

std::optional<ChannelManager::Pass> ChannelKeeper::lastPass() const
{
    const std::lock_guard lock(m_mutex);
    return m_lastPass;
}

QString ChannelKeeper::lastError() const
{
    const std::lock_guard lock(m_mutex);
    return m_lastError;
}

void ChannelKeeper::run()
{
    // Created here: its PostgreSQL session (and the lock it holds) belongs to this thread.
    ChannelManager manager(m_registry, m_pg, m_client, m_options.manager);
    const auto interval = std::chrono::milliseconds(std::max<qint64>(1000, m_options.intervalMs));
    while (true) {
        auto pass = manager.ensure();
        if (!pass)
            qCWarning(lcChannelKeeper).noquote() << "channel pass failed:" << pass.error().message;
        std::unique_lock lock(m_mutex);
        ++m_passes;
        m_lastPass = pass ? std::optional<ChannelManager::Pass>(*pass) : std::nullopt;
        m_lastError = pass ? QString() : pass.error().message;
        // A pass with nothing to do (no URL) still waits: the settings do not change under it.
        m_wakeUp.wait_for(lock, interval, [this] { return m_stopping || m_woken; });
        m_woken = false;
        if (m_stopping)
            return;
    }
}

}  // namespace tiersync
