#pragma once

#include "cache/cachingswitch.h"
#include "cache/earlyrefreshpolicy.h"
#include "cache/endpointregistry.h"
#include "core/connectionprofile.h"
#include "core/epochclock.h"
#include "server/serverbackend.h"
#include "zoho/zohoclientoptions.h"
#include "zoho/zohostats.h"

#include <QProcessEnvironment>

#include <functional>
#include <memory>
#include <optional>

namespace tiersync {

class DatabaseOpener;
class HeartbeatPublisher;
struct InstanceHeartbeat;
class EndpointFetcher;
class ReadStatistics;
class StatsFlusher;
class TieredReader;
class ZohoClient;
class ZohoService;

// The read-path engine that `tiersync serve` and the console run: the endpoint
// registry, the tiered read, the caching switch, the statistics and their flush to
// Redis, and the one Zoho client all reads share. Implements ServerBackend; every
// method may be called from any thread at once.
class CacheEngine final : public ServerBackend {
public:
    struct Options {
        ConnectionProfile profile;
        std::optional<EndpointRegistry> registry;  // default: EndpointRegistry::builtIn()
        // The process's one Zoho service (EngineServices::zoho()), shared with its syncs and
        // webhooks. Null (and no fetcher): a service of the engine's own, made from `zoho`.
        std::shared_ptr<ZohoService> zohoService;
        ZohoClientOptions zoho;
        // Null: a ZohoEndpointFetcher on the Zoho service above.
        std::shared_ptr<EndpointFetcher> fetcher;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        // The process's database opener (migrations once per process). Null: the engine
        // migrates on a connection of its own when `migrate` is set.
        std::shared_ptr<DatabaseOpener> database;
        bool migrate = true;                 // apply pending migrations at start
        // The process's heartbeat (EngineServices): the engine adds its caching switch
        // to it. Null: the engine publishes a heartbeat of its own with its statistics.
        HeartbeatPublisher *heartbeat = nullptr;
        int statsFlushIntervalMs = 1000;
        CachingSwitch::Options cachingSwitch;  // forcedOff is also set from the environment
        double earlyRefreshBeta = 1.0;
        EarlyRefreshPolicy::RandomSource random;
        EpochClock clock;                    // null: the system clock
        qint64 redisBackoffMs = 1000;
        qint64 pgBackoffMs = 1000;
    };

    // Loads the registry (an error names the bad entry), migrates PostgreSQL if it is
    // reachable (if not, the engine still starts: Redis and Zoho serve), reads the
    // caching switch and starts the listener and the statistics flush.
    [[nodiscard]] static Result<std::unique_ptr<CacheEngine>> create(Options options);
    // The options of an engine that answers dashboard reads (`tiersync serve`, the
    // console's Students page). A reader waits for its answer: its calls are Read calls,
    // which fail over to stale data (or a 503) after one short retry and a bounded wait
    // for budget instead of the sync's long backoff.
    [[nodiscard]] static Options servingOptions(const ConnectionProfile &profile);
    ~CacheEngine() override;
    Q_DISABLE_COPY_MOVE(CacheEngine)

    // ServerBackend
    [[nodiscard]] bool hasEndpoint(const QString &endpoint) const override;
    [[nodiscard]] Result<EndpointResponse> read(const QString &endpoint, qint64 moodleUserId,
                                                bool forceRefresh) override;
    [[nodiscard]] QJsonObject health() override;
    [[nodiscard]] QByteArray metrics() override;

    [[nodiscard]] const EndpointRegistry &registry() const { return m_registry; }
    [[nodiscard]] const ReadStatistics &statistics() const { return *m_statistics; }
    [[nodiscard]] TieredReader &reader() { return *m_reader; }
    [[nodiscard]] CachingSwitch *cachingSwitch() const { return m_switch.get(); }
    [[nodiscard]] bool cachingEnabled() const { return m_switch->isEnabled(); }
    // Adds this instance's unflushed counts to Redis now, on the calling thread.
    [[nodiscard]] Status flushStatistics();
    [[nodiscard]] CircuitState zohoCircuit() const;
    // The engine's own Zoho client (null when Options::fetcher was given), e.g. to connect
    // ZohoClient::retryEvent to a RetryEventRecorder.
    [[nodiscard]] ZohoClient *zohoClient() const;

private:
    explicit CacheEngine(Options options, EndpointRegistry registry);

    Options m_options;
    EndpointRegistry m_registry;
    std::shared_ptr<ZohoService> m_zoho;
    std::shared_ptr<EndpointFetcher> m_fetcher;
    std::unique_ptr<ReadStatistics> m_statistics;
    std::unique_ptr<CachingSwitch> m_switch;
    std::unique_ptr<TieredReader> m_reader;
    std::unique_ptr<StatsFlusher> m_flusher;
    int m_heartbeatSource = 0;  // in Options::heartbeat
};

// What a Zoho client tells the console about itself in the process's heartbeat.
void describeZohoClient(const ZohoClient &client, InstanceHeartbeat &heartbeat);

}  // namespace tiersync
