#pragma once

#include "core/connectionprofile.h"
#include "core/epochclock.h"
#include "zoho/zohoclientoptions.h"

#include <QMutex>

#include <memory>

namespace tiersync {

class DatabaseOpener;
class HeartbeatPublisher;
class PgListener;
class ZohoBudget;
class RetryEventRecorder;
class ZohoService;

// What one process shares for one connection profile: the database opener (migrations
// run once), the one ZohoService every part of the process calls Zoho through (the read
// path, syncs, webhooks, the console's workers, the CLI's commands) and the recorder of
// its retries. Zoho limits an organisation, not a caller: one service per process means
// one token, one queue where reads go before syncs, one budget and one circuit breaker.
//
// Made once by the composition root (the CLI's main, `tiersync serve`, the console's
// workers through EngineServicesPool) and handed to whoever needs it. Thread-safe. The
// Zoho service is started on first use, so a command that never calls Zoho (`tiersync
// runs`) starts no Zoho thread. The last holder may drop it from any thread.
class EngineServices final {
public:
    struct Options {
        ZohoClientOptions zoho;  // the template of the one client (clocks, retry, limits)
        EpochClock clock;        // the database opener's retry interval; null: the system clock
        // The token and the budget are shared with every other process of the organisation
        // through Redis (RedisTokenStore, RedisZohoBudget with the limits stored in
        // tiersync.zoho_limits, followed as they change), unless zoho.tokenStore /
        // zoho.budget are set already. Off: this process alone (unit tests).
        bool shareThroughRedis = true;
    };

    [[nodiscard]] static std::shared_ptr<EngineServices> create(ConnectionProfile profile);
    [[nodiscard]] static std::shared_ptr<EngineServices> create(ConnectionProfile profile, Options options);
    ~EngineServices();
    Q_DISABLE_COPY_MOVE(EngineServices)

    [[nodiscard]] const ConnectionProfile &profile() const { return m_profile; }
    [[nodiscard]] const Options &options() const { return m_options; }
    [[nodiscard]] const std::shared_ptr<DatabaseOpener> &database() const { return m_database; }
    // Started on first call; every later call returns the same service.
    [[nodiscard]] std::shared_ptr<ZohoService> zoho();
    // Whether zoho() has been called (for tests and diagnostics).
    [[nodiscard]] bool zohoStarted() const;
    // The recorder every retry of this process's Zoho client goes to (started with it).
    [[nodiscard]] RetryEventRecorder *retries();
    // This process's heartbeat, running from the first call of this or of zoho(): every
    // process that calls Zoho is counted among the live instances.
    [[nodiscard]] HeartbeatPublisher &heartbeat();

private:
    EngineServices(ConnectionProfile profile, Options options);
    [[nodiscard]] ZohoLimits loadLimits(const ZohoLimits &fallback) const;
    void watchLimits(const std::shared_ptr<ZohoBudget> &budget);

    const ConnectionProfile m_profile;
    const Options m_options;
    const std::shared_ptr<DatabaseOpener> m_database;

    mutable QMutex m_mutex;
    std::unique_ptr<RetryEventRecorder> m_retries;  // outlives the service: declared first
    std::shared_ptr<ZohoService> m_zoho;
    std::unique_ptr<PgListener> m_limitsListener;  // follows tiersync.zoho_limits into the budget
    const std::unique_ptr<HeartbeatPublisher> m_heartbeat;
};

// The console's composition root for EngineServices: every worker asks it for the
// services of its active profile and gets the same ones as the other workers while that
// profile is in use. A profile nobody holds any more is released (its Zoho thread joins
// in the last holder's thread); asking again makes a new one. Thread-safe.
class EngineServicesPool final {
public:
    EngineServicesPool();
    explicit EngineServicesPool(EngineServices::Options options);
    Q_DISABLE_COPY_MOVE(EngineServicesPool)

    [[nodiscard]] std::shared_ptr<EngineServices> servicesFor(const ConnectionProfile &profile);
    // Profiles with services alive now.
    [[nodiscard]] int liveCount() const;

private:
    EngineServices::Options m_options;
    mutable QMutex m_mutex;
    QList<std::weak_ptr<EngineServices>> m_services;
};

}  // namespace tiersync
