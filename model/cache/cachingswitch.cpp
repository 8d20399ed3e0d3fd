#include "cache/cachingswitch.h"

#include "core/logging.h"
#include "store/pgconnection.h"
#include "store/pglistener.h"
#include "store/settingsrepository.h"

#include <QThread>

#include <chrono>

namespace tiersync {

namespace {

Result<bool> readStored(PgConnection &connection)
{
    return SettingsRepository(connection).cachingEnabled();
}

PgConnection::Options shortTimeouts()
{
    PgConnection::Options options;
    options.connectTimeoutSeconds = 2;
    options.statementTimeoutMs = 2000;
    options.applicationName = QStringLiteral("tiersync-caching-switch");
    return options;
}

}  // namespace

CachingSwitch::CachingSwitch(PgSettings pg, Options options, QObject *parent)
    : QObject(parent)
    , m_pg(std::move(pg))
    , m_options(options)
{
    m_enabled = !m_options.forcedOff;
}

CachingSwitch::~CachingSwitch()
{
    stop();
}

bool CachingSwitch::forcedOffBy(const QProcessEnvironment &environment)
{
    const QString value = environment.value(QLatin1String(kEnvironmentVariable)).trimmed().toLower();
    return value == QLatin1String("false") || value == QLatin1String("0") || value == QLatin1String("off")
           || value == QLatin1String("no");
}

void CachingSwitch::start()
{
    if (m_thread)
        return;
    {
        PgConnection connection(m_pg, shortTimeouts());
        auto stored = readStored(connection);
        if (stored) {
            m_reads.fetch_add(1);
            apply(*stored);
        } else {
            qCWarning(lcPg) << "caching switch not read yet, keeping" << (isEnabled() ? "on" : "off") << ":"
                            << stored.error().message;
        }
    }
    {
        std::lock_guard lock(m_mutex);
        m_stopRequested = false;
    }
    PgListener::Options listenerOptions;
    listenerOptions.pollIntervalMs = m_options.listenerPollIntervalMs;
    listenerOptions.connectTimeoutSeconds = 2;
    listenerOptions.maxReconnectDelayMs = 1000;
    m_listener = new PgListener(m_pg, {QString::fromLatin1(SettingsRepository::kChannel)}, listenerOptions);
    // Direct: only wakes the switch's thread, which does the reading.
    connect(m_listener, &PgListener::notification, this,
            [this](const QString &, const QString &payload) {
                if (payload.isEmpty() || payload == QLatin1String(SettingsRepository::kCachingEnabled))
                    requestReread();
            },
            Qt::DirectConnection);
    // NOTIFYs sent while the listener was away are lost: re-read when it is back.
    connect(m_listener, &PgListener::listening, this, [this] { requestReread(); }, Qt::DirectConnection);
    m_listener->start();
    m_thread = QThread::create([this] { run(); });
    m_thread->setObjectName(QStringLiteral("tiersync-caching-switch"));
    m_thread->start();
}

void CachingSwitch::stop()
{
    if (m_listener) {
        m_listener->stop();
        delete m_listener;
        m_listener = nullptr;
    }
    if (!m_thread)
        return;
    {
        std::lock_guard lock(m_mutex);
        m_stopRequested = true;
    }
    m_wake.notify_all();
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
}

bool CachingSwitch::isListening() const
{
    return m_listener && m_listener->isListening();
}

void CachingSwitch::requestReread()
{
    {
        std::lock_guard lock(m_mutex);
        m_rereadRequested = true;
    }
    m_wake.notify_all();
}

void CachingSwitch::run()
{
    PgConnection connection(m_pg, shortTimeouts());
    bool reportedFailure = false;
    for (;;) {
        {
            std::unique_lock lock(m_mutex);
            const int waitMs = isListening() ? m_options.listeningRereadMs : m_options.deafRereadMs;
            m_wake.wait_for(lock, std::chrono::milliseconds(waitMs),
                            [this] { return m_stopRequested || m_rereadRequested; });
            if (m_stopRequested)
                return;
            m_rereadRequested = false;
        }
        auto stored = readStored(connection);
        if (!stored) {
            if (!reportedFailure)
                qCWarning(lcPg) << "caching switch cannot be read, keeping" << (isEnabled() ? "on" : "off") << ":"
                                << stored.error().message;
            reportedFailure = true;
            continue;
        }
        reportedFailure = false;
        m_reads.fetch_add(1);
        apply(*stored);
    }
}

void CachingSwitch::apply(bool stored)
{
    m_stored = stored;
    const bool enabled = stored && !m_options.forcedOff;
    if (m_enabled.exchange(enabled) != enabled) {
        qCInfo(lcPg) << "caching" << (enabled ? "enabled" : "disabled");
        emit enabledChanged(enabled);
    }
}

}  // namespace tiersync
