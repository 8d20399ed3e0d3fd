#include "store/pglistener.h"

#include "core/logging.h"
#include "store/pgerror.h"

#include <QElapsedTimer>
#include <QThread>

#include <pqxx/pqxx>

#include <functional>
#include <memory>
#include <vector>

namespace tiersync {

namespace {

class ChannelReceiver final : public pqxx::notification_receiver {
public:
    using Callback = std::function<void(const std::string &channel, const std::string &payload)>;

    ChannelReceiver(pqxx::connection_base &connection, const std::string &channel, Callback callback)
        : pqxx::notification_receiver(connection, channel)
        , m_callback(std::move(callback))
    {
    }

    void operator()(const std::string &payload, int /*backendPid*/) override
    {
        m_callback(channel(), payload);
    }

private:
    Callback m_callback;
};

std::string listenerConnectionString(const PgSettings &settings, const PgListener::Options &options)
{
    PgSettings effective = settings.withSessionDefaults();
    auto setDefault = [&](const QString &key, const QString &value) {
        if (!effective.options.contains(key))
            effective.options.insert(key, value);
    };
    setDefault(QStringLiteral("connect_timeout"), QString::number(options.connectTimeoutSeconds));
    setDefault(QStringLiteral("application_name"), QStringLiteral("tiersync-listener"));
    // A listener only reads; TCP keepalives notice a peer that vanished without a FIN.
    setDefault(QStringLiteral("keepalives_idle"), QStringLiteral("10"));
    setDefault(QStringLiteral("keepalives_interval"), QStringLiteral("5"));
    setDefault(QStringLiteral("keepalives_count"), QStringLiteral("3"));
    effective.options.insert(QStringLiteral("client_encoding"), QStringLiteral("UTF8"));
    return effective.toConnectionString(true).toStdString();
}

QString serverOf(pqxx::connection &connection)
{
    const char *host = connection.hostname();
    const char *port = connection.port();
    return QStringLiteral("%1:%2").arg(QString::fromUtf8(host ? host : ""),
                                       QString::fromUtf8(port ? port : ""));
}

// A quiet connection is probed now and then: a dead one throws. When the DSN asks for a
// read-write server, one that turned read-only (a demoted or fenced primary: NOTIFYs are
// sent on the new primary now) is given up too, so the reconnect lets libpq pick the
// primary. A standby refuses LISTEN, so it never gets that far.
void probeSession(pqxx::connection &connection, bool requireReadWrite)
{
    pqxx::nontransaction probe(connection, "listener health check");
    const bool readOnly =
        probe.exec1("SELECT pg_is_in_recovery() OR current_setting('transaction_read_only')::bool")[0]
            .as<bool>();
    probe.commit();
    if (readOnly && requireReadWrite)
        throw pqxx::broken_connection("the server is read-only now; looking for the read-write host");
}

}  // namespace

PgListener::PgListener(PgSettings settings, QStringList channels, QObject *parent)
    : PgListener(std::move(settings), std::move(channels), Options{}, parent)
{
}

PgListener::PgListener(PgSettings settings, QStringList channels, Options options,
                       QObject *parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_channels(std::move(channels))
    , m_options(options)
{
}

PgListener::~PgListener()
{
    stop();
}

void PgListener::start()
{
    if (m_thread)
        return;
    m_stopRequested = false;
    m_thread = QThread::create([this] { run(); });
    m_thread->setObjectName(QStringLiteral("tiersync-pg-listener"));
    m_thread->start();
}

void PgListener::stop()
{
    if (!m_thread)
        return;
    m_stopRequested = true;
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
    m_listening = false;
    m_backendPid = 0;
}

bool PgListener::isRunning() const
{
    return m_thread != nullptr;
}

bool PgListener::isListening() const
{
    return m_listening;
}

int PgListener::backendPid() const
{
    return m_backendPid;
}

const QStringList &PgListener::channels() const
{
    return m_channels;
}

bool PgListener::pause(int delayMs) const
{
    QElapsedTimer timer;
    timer.start();
    while (!m_stopRequested && timer.elapsed() < delayMs)
        QThread::msleep(static_cast<unsigned long>(
            qMin<qint64>(m_options.pollIntervalMs, delayMs - timer.elapsed())));
    return !m_stopRequested;
}

void PgListener::run()
{
    const std::string connectionString = listenerConnectionString(m_settings, m_options);
    const bool requireReadWrite = m_settings.requiresReadWrite();
    const long pollSeconds = m_options.pollIntervalMs / 1000;
    const long pollMicroseconds = (m_options.pollIntervalMs % 1000) * 1000L;
    bool everConnected = false;
    bool lostReported = false;
    int delayMs = m_options.reconnectDelayMs;

    auto deliver = [this](const std::string &channel, const std::string &payload) {
        emit notification(QString::fromStdString(channel), QString::fromStdString(payload));
    };

    while (!m_stopRequested) {
        // Receivers must go before the connection they are registered with.
        std::unique_ptr<pqxx::connection> connection;
        std::vector<std::unique_ptr<ChannelReceiver>> receivers;
        try {
            connection = std::make_unique<pqxx::connection>(connectionString);
            for (const QString &channel : std::as_const(m_channels))
                receivers.push_back(
                    std::make_unique<ChannelReceiver>(*connection, channel.toStdString(), deliver));
            m_backendPid = connection->backendpid();
            m_listening = true;
            delayMs = m_options.reconnectDelayMs;
            qCInfo(lcPg).noquote() << "listening on" << m_channels.join(QLatin1Char(','))
                                   << "at" << serverOf(*connection) << "of" << m_settings.describe();
            emit listening();
            if (everConnected && lostReported)
                emit connectionRestored();
            everConnected = true;
            lostReported = false;

            QElapsedTimer quiet;
            quiet.start();
            while (!m_stopRequested) {
                if (connection->await_notification(pollSeconds, pollMicroseconds) > 0)
                    quiet.restart();
                if (!connection->is_open())
                    throw pqxx::broken_connection("connection closed by the server");
                if (quiet.elapsed() >= m_options.healthCheckIntervalMs) {
                    probeSession(*connection, requireReadWrite);
                    quiet.restart();
                }
            }
        } catch (const std::exception &exception) {
            const Error error = pgErrorFromException(
                exception, QStringLiteral("PostgreSQL listener at %1").arg(m_settings.describe()),
                m_settings.password);
            const bool wasListening = m_listening.exchange(false);
            m_backendPid = 0;
            if (wasListening || !lostReported) {
                qCWarning(lcPg).noquote() << error.toString();
                emit connectionLost(error.message);
                lostReported = true;
            }
        }
        receivers.clear();
        connection.reset();
        if (m_stopRequested || !pause(delayMs))
            break;
        delayMs = qMin(delayMs * 2, m_options.maxReconnectDelayMs);
    }
    m_listening = false;
    m_backendPid = 0;
}

}  // namespace tiersync
