#include "console/embeddedserver.h"

#include "core/logging.h"
#include "host/servestack.h"
#include "server/apikey.h"

namespace tiersync {

namespace {

Secret processKey()
{
    auto key = apikey::generate();
    if (!key)
        qCWarning(lcHttp).noquote() << "embedded server: no key of its own:" << key.error().message;
    return key ? *key : Secret();
}

}  // namespace

EmbeddedServer::EmbeddedServer(QObject *parent) : QObject(parent), m_apiKey(processKey()) {}

EmbeddedServer::~EmbeddedServer() = default;

void EmbeddedServer::setClock(EpochClock clock)
{
    m_clock = std::move(clock);
}

void EmbeddedServer::setServicesPool(std::shared_ptr<EngineServicesPool> pool)
{
    m_pool = std::move(pool);
}

void EmbeddedServer::setRunSchedules(bool run)
{
    m_runSchedules = run;
}

const Secret &EmbeddedServer::apiKey() const
{
    return m_apiKey;
}

void EmbeddedServer::start(const ConnectionProfile &profile, const QString &host, int port)
{
    m_stack.reset();
    ServeStack::Options options;
    options.host = host;
    options.port = port;
    // A console-side server serves a handful of clients, not production traffic.
    options.threadCount = 16;
    options.clock = m_clock;
    options.runSchedules = m_runSchedules;
    options.localApiKey = m_apiKey;
    auto stack = m_pool ? ServeStack::start(m_pool->servicesFor(profile), options) : ServeStack::start(profile, options);
    if (!stack) {
        qCWarning(lcHttp).noquote() << "embedded server:" << stack.error().message;
        Q_EMIT failed(stack.error().message);
        return;
    }
    m_stack = std::move(*stack);
    qCInfo(lcHttp).noquote() << "embedded server listening on" << m_stack->url();
    Q_EMIT started(m_stack->url());
}

void EmbeddedServer::stop()
{
    m_stack.reset();
}

}  // namespace tiersync
