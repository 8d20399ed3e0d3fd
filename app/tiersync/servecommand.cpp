#include "servecommand.h"

#include "core/logging.h"
#include "cache/cacheengine.h"
#include "host/engineservices.h"
#include "host/servestack.h"
#include "sync/entityregistry.h"
#include "webhook/channelkeeper.h"
#include "webhook/webhooksettings.h"
#include "zoho/zohoclient.h"
#include "server/listenaddress.h"
#include "store/apikeyrepository.h"
#include "store/pgconnection.h"

#include <QCoreApplication>
#include <QProcessEnvironment>
#include <QTextStream>

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>

namespace tiersync::cli {

namespace {

struct ServeOptions {
    ListenAddress listen{QStringLiteral("127.0.0.1"), 8001};
    int threads = 0;
    bool scheduler = true;
    bool apiKeys = true;
    int rateLimitPerSecond = ApiKeyAuthenticator::Options{}.rateLimitPerSecond;
    QString publicUrl = QProcessEnvironment::systemEnvironment().value(QStringLiteral("TIERSYNC_PUBLIC_URL"));
};

Result<ServeOptions> parseOptions(const QStringList &arguments)
{
    ServeOptions options;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &flag = arguments.at(i);
        const auto value = [&]() -> Result<QString> {
            if (i + 1 >= arguments.size())
                return makeError(ErrorKind::InvalidArgument, QStringLiteral("%1 needs a value").arg(flag));
            return arguments.at(++i);
        };
        // The next argument as a whole number in low..high.
        const auto number = [&](int low, int high, const QString &unit) -> Result<int> {
            auto text = value();
            if (!text)
                return text.error();
            bool ok = false;
            const int parsed = text->toInt(&ok);
            if (!ok || parsed < low || parsed > high)
                return makeError(ErrorKind::InvalidArgument,
                                 QStringLiteral("%1: expected %2..%3%4, got '%5'").arg(flag).arg(low).arg(high).arg(unit, *text));
            return parsed;
        };
        if (flag == QLatin1String("--no-scheduler")) {
            options.scheduler = false;
        } else if (flag == QLatin1String("--no-auth")) {
            options.apiKeys = false;
        } else if (flag == QLatin1String("--rate-limit")) {
            auto rate = number(0, 1000000, QStringLiteral(" requests a second"));
            if (!rate)
                return rate.error();
            options.rateLimitPerSecond = *rate;
        } else if (flag == QLatin1String("--listen")) {
            auto text = value();
            if (!text)
                return text.error();
            auto address = ListenAddress::parse(*text);
            if (!address)
                return makeError(ErrorKind::InvalidArgument, QStringLiteral("--listen: %1").arg(address.error().message));
            options.listen = *address;
        } else if (flag == QLatin1String("--threads")) {
            auto threads = number(1, 4096, QString());
            if (!threads)
                return threads.error();
            options.threads = *threads;
        } else if (flag == QLatin1String("--public-url")) {
            auto text = value();
            if (!text)
                return text.error();
            options.publicUrl = *text;
        } else {
            return makeError(ErrorKind::InvalidArgument, QStringLiteral("unknown option '%1'").arg(flag));
        }
    }
    if (!options.apiKeys && !ListenAddress::isLoopback(options.listen.host))
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("--no-auth is refused on %1: without API keys anyone who reaches the address "
                                        "reads every student's data; only a loopback address (127.0.0.1, ::1) may go "
                                        "without them")
                             .arg(options.listen.host));
    if (!options.publicUrl.isEmpty())
        if (auto url = ChannelManager::notifyUrlFor(options.publicUrl); !url)
            return makeError(ErrorKind::InvalidArgument, QStringLiteral("--public-url: %1").arg(url.error().message));
    return options;
}

// SIGINT/SIGTERM are taken by one waiting thread (sigwait), never by an asynchronous
// handler that could interrupt httplib or libpq mid-call. They are blocked before the
// engine starts any thread, so every thread inherits the mask.
class StopSignalWaiter final {
public:
    StopSignalWaiter()
    {
        sigemptyset(&m_signals);
        sigaddset(&m_signals, SIGINT);
        sigaddset(&m_signals, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &m_signals, nullptr);
    }
    ~StopSignalWaiter()
    {
        if (!m_thread.joinable())
            return;
        // Ended by itself (no signal yet): wake the waiter with a signal only it takes.
        if (!m_signalled)
            pthread_kill(m_thread.native_handle(), SIGTERM);
        m_thread.join();
    }
    Q_DISABLE_COPY_MOVE(StopSignalWaiter)

    // Quits the application's event loop on the first signal (a queued call: safe from
    // any thread).
    void start()
    {
        m_thread = std::thread([this] {
            int signal = 0;
            sigwait(&m_signals, &signal);
            m_signalled = true;
            QMetaObject::invokeMethod(QCoreApplication::instance(), [] { QCoreApplication::quit(); },
                                      Qt::QueuedConnection);
        });
    }

private:
    sigset_t m_signals{};
    std::thread m_thread;
    std::atomic<bool> m_signalled{false};
};

// Keeps the CRM notification channels on a thread of its own (without a public URL its
// passes enable nothing; `tiersync channels list` says why).
Result<std::unique_ptr<ChannelKeeper>> startChannelKeeper(ServeStack &stack, const QString &publicUrl)
{
    auto registry = EntityRegistry::builtIn();
    if (!registry)
        return registry.error();
    const QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    ChannelKeeper::Options options;
    options.manager.publicUrl = publicUrl;
    options.manager.token = WebhookSettings::fromEnvironment(environment).crmToken;
    options.manager.clientId = stack.services()->profile().zoho.clientId;
    auto keeper = std::make_unique<ChannelKeeper>(*registry, stack.services()->profile().pg,
                                                  stack.engine().zohoClient(), options);
    if (!publicUrl.isEmpty())
        keeper->start();
    return keeper;
}

// Keys that are not revoked (-1 when they cannot be counted).
qsizetype liveApiKeys(const PgSettings &pg)
{
    PgConnection connection(pg);
    auto keys = ApiKeyRepository(connection).list();
    if (!keys)
        return -1;
    return std::count_if(keys->cbegin(), keys->cend(),
                         [](const ApiKeyRepository::Key &key) { return !key.revokedAt.isValid(); });
}

}  // namespace

int runServeCommand(const std::shared_ptr<EngineServices> &services, const QStringList &arguments)
{
    QTextStream err(stderr);
    auto options = parseOptions(arguments);
    if (!options) {
        err << "tiersync serve: " << options.error().message << '\n'
            << "usage: tiersync serve [--listen HOST:PORT] [--threads N] [--no-scheduler] [--public-url URL]\n"
               "                      [--rate-limit N] [--no-auth]\n"
               "  --no-scheduler  do not run the due schedules of tiersync.schedules in this process\n"
               "                  (by default every serve process runs them; each slot runs once)\n"
               "  --public-url    this server's public address: keep a CRM notification channel per fed module\n"
               "                  (also TIERSYNC_PUBLIC_URL)\n"
               "  --rate-limit    requests a second per API key (bursts of twice that); 0: no limit; default "
            << ApiKeyAuthenticator::Options{}.rateLimitPerSecond << "\n"
               "  --no-auth       ask no API key on /api/v1 and /metrics (loopback addresses only)\n"
               "API keys: tiersync apikey create NAME --scope read[,metrics]\n";
        return 2;
    }
    std::signal(SIGPIPE, SIG_IGN);  // a client that went away must not end the server
    StopSignalWaiter stopSignals;

    ServeStack::Options stackOptions;
    stackOptions.host = options->listen.host;
    stackOptions.port = options->listen.port;
    stackOptions.threadCount = options->threads;
    stackOptions.runSchedules = options->scheduler;
    stackOptions.requireApiKeys = options->apiKeys;
    stackOptions.apiKeys.rateLimitPerSecond = options->rateLimitPerSecond;
    stackOptions.apiKeys.rateLimitBurst = std::max(1, 2 * options->rateLimitPerSecond);
    auto stack = ServeStack::start(services, stackOptions);
    if (!stack) {
        err << "tiersync serve: " << stack.error().message << '\n';
        return 1;
    }
    auto channels = startChannelKeeper(**stack, options->publicUrl);
    if (!channels) {
        err << "tiersync serve: " << channels.error().message << '\n';
        return 1;
    }
    stopSignals.start();
    std::printf("tiersync serve listening on %s\n", qPrintable((*stack)->url()));
    if (!options->apiKeys)
        err << "tiersync serve: API keys off (--no-auth): anyone who reaches " << (*stack)->url()
            << " reads the API and /metrics\n";
    else if (liveApiKeys(services->profile().pg) == 0)
        err << "tiersync serve: no API key yet; every /api/v1 and /metrics request is refused until one is made:\n"
               "  tiersync apikey create NAME --scope read[,metrics]\n";
    err.flush();
    if (!options->scheduler)
        qCInfo(lcHttp) << "scheduler off (--no-scheduler): this process runs no schedules";
    std::fflush(stdout);

    // The main thread runs the event loop (queued signals from the engine's threads
    // arrive here) until a stop signal quits it.
    QCoreApplication::exec();
    qCInfo(lcHttp) << "stopping";
    channels->reset();
    stack->reset();
    return 0;
}

}  // namespace tiersync::cli
