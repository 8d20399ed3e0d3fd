#pragma once

#include "core/connectionprofile.h"
#include "core/epochclock.h"
#include "core/result.h"
#include "core/secret.h"
#include "server/apikeyauthenticator.h"

#include <QProcessEnvironment>
#include <QString>

#include <memory>

namespace tiersync {

class CacheEngine;
class EngineServices;
class Scheduler;

// The serving stack of `tiersync serve`, which the console also embeds: a CacheEngine on
// the process's one Zoho service, the webhook processor (following the caching
// switch) and the HTTP server in front of them. Create it on a thread with an event
// loop: the engine's listeners and the recorder live on that thread.
class ServeStack final {
public:
    struct Options {
        QString host = QStringLiteral("127.0.0.1");
        int port = 0;          // 0: any free port
        int threadCount = 0;   // 0: HttpServer::defaultThreadCount()
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        // The engine's and the webhooks' clock (statistics and Zoho calls per minute);
        // null: the system clock. Also the scheduler's "now".
        EpochClock clock;
        // Runs the due schedules of tiersync.schedules (a Scheduler on a thread of the
        // stack, seeding the default schedules first). `tiersync serve` turns it on unless
        // --no-scheduler; off by default for the console's embedded server and for tests.
        bool runSchedules = false;
        int scheduleTickMs = 5000;
        // API keys (tiersync.api_keys) on /api/v1 and /metrics. false: none asked (`serve
        // --no-auth`), which the server allows on a loopback address only.
        bool requireApiKeys = true;
        // Cache time, rate limit…; a null clock takes Options::clock.
        ApiKeyAuthenticator::Options apiKeys;
        // A key this stack alone accepts (read and metrics), held only in memory: the
        // console's embedded server hands it to its traffic generator. Empty: none.
        Secret localApiKey;
    };

    // Starts the engine on the process's services (their Zoho service, retry recorder and
    // database opener: the stack makes no Zoho client of its own) and binds the server; an
    // error says which part failed.
    [[nodiscard]] static Result<std::unique_ptr<ServeStack>> start(std::shared_ptr<EngineServices> services,
                                                                   Options options);
    // The same on services of its own for profile (tests, and a process that serves only).
    [[nodiscard]] static Result<std::unique_ptr<ServeStack>> start(const ConnectionProfile &profile,
                                                                   Options options);
    // Stops the server (requests in flight finish), then the scheduler (cancelling a
    // scheduled sync in progress), then the engine.
    ~ServeStack();
    Q_DISABLE_COPY_MOVE(ServeStack)

    [[nodiscard]] QString url() const;  // http://host:port
    [[nodiscard]] int port() const;
    [[nodiscard]] CacheEngine &engine();
    // The stack's scheduler; nullptr unless Options::runSchedules.
    [[nodiscard]] Scheduler *scheduler();
    // nullptr when Options::requireApiKeys is false.
    [[nodiscard]] ApiKeyAuthenticator *authenticator();
    [[nodiscard]] const std::shared_ptr<EngineServices> &services() const;

private:
    ServeStack();

    struct Private;
    std::unique_ptr<Private> d;
};

}  // namespace tiersync
