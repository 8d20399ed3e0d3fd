#pragma once

#include "core/pgsettings.h"
#include "sync/entityregistry.h"
#include "webhook/channelmanager.h"

#include <QString>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace tiersync {

class ZohoClient;

// Runs a ChannelManager pass at start and then every intervalMs on a thread of its own,
// for `tiersync serve`. stop() (and the destructor) wakes it and joins it; a pass in
// progress finishes first (its Zoho calls are bounded by the client's retry policy).
class ChannelKeeper final {
public:
    struct Options {
        ChannelManager::Options manager;
        // Hourly: each pass lists the channels (one Zoho call), renewal needs a pass a day
        // (24 h margin), and a channel counts as healthy only while a pass confirmed it
        // within 3 hours (ChannelHealthFacts::kMaxUnconfirmedMs). 24 calls a day, not 144.
        qint64 intervalMs = 60LL * 60 * 1000;
    };

    ChannelKeeper(EntityRegistry registry, PgSettings pg, ZohoClient *client, Options options);
    ~ChannelKeeper();
    Q_DISABLE_COPY_MOVE(ChannelKeeper)

    void start();
    void stop();
    // Asks for a pass now (tests; a changed setting) instead of at the next interval.
    void wake();

    // Passes finished so far, and the last one's result (an error's message).
    [[nodiscard]] int passes() const;
    [[nodiscard]] std::optional<ChannelManager::Pass> lastPass() const;
    [[nodiscard]] QString lastError() const;

private:
    void run();

    EntityRegistry m_registry;
    PgSettings m_pg;
    ZohoClient *m_client;
    Options m_options;
    std::thread m_thread;
    mutable std::mutex m_mutex;
    std::condition_variable m_wakeUp;
    bool m_stopping = false;
    bool m_woken = false;
    int m_passes = 0;
    std::optional<ChannelManager::Pass> m_lastPass;
    QString m_lastError;
};

}  // namespace tiersync
