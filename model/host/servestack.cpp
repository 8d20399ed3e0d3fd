#include "host/servestack.h"

#include "cache/cacheengine.h"
#include "host/engineservices.h"
#include "schedule/scheduler.h"
#include "server/httpserver.h"
#include "sync/entityregistry.h"
#include "sync/syncrunner.h"
#include "webhook/webhookprocessor.h"
#include "webhook/webhooksettings.h"
#include "zoho/zohoclient.h"

namespace tiersync {

// Declaration order is destruction order reversed: the server goes first, so no request
// reaches the webhook processor or the engine after they are gone.
struct ServeStack::Private {
    std::shared_ptr<EngineServices> services;
    std::unique_ptr<CacheEngine> engine;
    std::unique_ptr<WebhookProcessor> webhooks;
    std::unique_ptr<ApiKeyAuthenticator> authenticator;
    std::unique_ptr<HttpServer> server;
    std::unique_ptr<Scheduler> scheduler;
};

ServeStack::ServeStack() : d(std::make_unique<Private>()) {}

ServeStack::~ServeStack()
{
    if (d->server)
        d->server->stop();
    if (d->scheduler)
        d->scheduler->stop();
}

Result<std::unique_ptr<ServeStack>> ServeStack::start(const ConnectionProfile &profile, Options options)
{
    EngineServices::Options servicesOptions;
    servicesOptions.zoho = CacheEngine::servingOptions(profile).zoho;
    servicesOptions.clock = options.clock;
    return start(EngineServices::create(profile, std::move(servicesOptions)), std::move(options));
}

Result<std::unique_ptr<ServeStack>> ServeStack::start(std::shared_ptr<EngineServices> services, Options options)
{
    std::unique_ptr<ServeStack> stack(new ServeStack);
    Private &p = *stack->d;
    p.services = std::move(services);
    const ConnectionProfile &profile = p.services->profile();

    CacheEngine::Options engineOptions = CacheEngine::servingOptions(profile);
    engineOptions.environment = options.environment;
    engineOptions.clock = options.clock;
    engineOptions.zohoService = p.services->zoho();
    engineOptions.database = p.services->database();
    engineOptions.heartbeat = &p.services->heartbeat();
    auto engine = CacheEngine::create(std::move(engineOptions));
    if (!engine)
        return makeError(engine.error().kind,
                         QStringLiteral("cannot start the cache engine: %1").arg(engine.error().message));
    p.engine = std::move(*engine);

    auto registry = EntityRegistry::builtIn();
    if (!registry)
        return registry.error();
    // Webhooks use the engine's Zoho client and follow its caching switch (off: never skip).
    CachingSwitch *caching = p.engine->cachingSwitch();
    p.webhooks = std::make_unique<WebhookProcessor>(*registry, profile.pg, profile.redis, p.engine->zohoClient(),
                                                    WebhookSettings::fromEnvironment(options.environment),
                                                    [caching] { return !caching || caching->isEnabled(); },
                                                    options.clock);

    HttpServer::Options serverOptions;
    serverOptions.host = options.host;
    serverOptions.port = options.port;
    serverOptions.threadCount = options.threadCount;
    p.server = std::make_unique<HttpServer>(*p.engine, serverOptions);
    p.server->setWebhookHandler(p.webhooks.get());
    if (options.requireApiKeys) {
        ApiKeyAuthenticator::Options keyOptions = options.apiKeys;
        if (!keyOptions.clock)
            keyOptions.clock = options.clock;
        p.authenticator = std::make_unique<ApiKeyAuthenticator>(profile.pg, std::move(keyOptions));
        if (!options.localApiKey.isEmpty())
            if (Status added = p.authenticator->addLocalKey(options.localApiKey, ApiScope::Read | ApiScope::Metrics);
                !added)
                return added.error();
        p.server->setAuthenticator(p.authenticator.get());
    }
    auto port = p.server->start();
    if (!port)
        return port.error();

    if (options.runSchedules) {
        // Every serve process runs what is due; the claim and the sync's advisory lock make
        // each slot one instance's.
        Scheduler::Options schedulerOptions;
        schedulerOptions.clock = options.clock;
        schedulerOptions.tickIntervalMs = options.scheduleTickMs;
        schedulerOptions.database = p.services->database();
        schedulerOptions.seed = *registry;
        schedulerOptions.sync.clock = options.clock;
        p.scheduler = std::make_unique<Scheduler>(
            Scheduler::runnerOf(SyncRunner(p.services->zoho(), p.services->database(), profile.redis)), profile.pg,
            std::move(schedulerOptions));
        p.scheduler->start();
    }
    return stack;
}

QString ServeStack::url() const
{
    return d->server->url();
}

int ServeStack::port() const
{
    return d->server->port();
}

CacheEngine &ServeStack::engine()
{
    return *d->engine;
}

Scheduler *ServeStack::scheduler()
{
    return d->scheduler.get();
}

ApiKeyAuthenticator *ServeStack::authenticator()
{
    return d->authenticator.get();
}

const std::shared_ptr<EngineServices> &ServeStack::services() const
{
    return d->services;
}

}  // namespace tiersync
