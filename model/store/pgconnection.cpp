#include "store/pgconnection.h"

#include "core/logging.h"
#include "core/secret.h"
#include "store/pgerror.h"

#include <QThread>

#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/transaction>

#include <unordered_map>

#include <poll.h>

namespace tiersync {

struct PgConnection::Session {
    std::unique_ptr<pqxx::connection> connection;
};

namespace {

// SQLSTATE 25006: a write on a server that is read-only now (a standby, or a primary
// that was demoted or fenced). The transaction was rolled back.
bool isReadOnlyServer(const std::exception &exception)
{
    const auto *sql = dynamic_cast<const pqxx::sql_error *>(&exception);
    return sql && sql->sqlstate() == "25006";
}

// With several hosts libpq reports one line per host it tried ("connection to server at
// "a", port 5432 failed: Connection refused", "... failed: session is read-only"); the
// usual error keeps only the first, so keep them all, in order.
QString everyHostFailure(const std::exception &exception, const Secret &password)
{
    QStringList failures;
    const QStringList lines = QString::fromUtf8(exception.what()).split(QLatin1Char('\n'));
    for (const QString &line : lines) {
        if (line.trimmed().startsWith(QLatin1String("connection to server")))
            failures << line.trimmed();
    }
    QString text = failures.join(QStringLiteral("; "));
    if (password.reveal().size() >= 3)
        text.replace(password.reveal(), password.masked());
    return text.left(1000);
}

std::string buildConnectionString(const PgSettings &settings, const PgConnection::Options &options)
{
    PgSettings effective = settings.withSessionDefaults();
    if (!effective.options.contains(QStringLiteral("connect_timeout"))
        && options.connectTimeoutSeconds > 0)
        effective.options.insert(QStringLiteral("connect_timeout"),
                                 QString::number(options.connectTimeoutSeconds));
    if (!effective.options.contains(QStringLiteral("application_name"))
        && !options.applicationName.isEmpty())
        effective.options.insert(QStringLiteral("application_name"), options.applicationName);
    effective.options.insert(QStringLiteral("client_encoding"), QStringLiteral("UTF8"));
    return effective.toConnectionString(true).toStdString();
}

}  // namespace

PgConnection::PgConnection(PgSettings settings)
    : PgConnection(std::move(settings), Options{})
{
}

PgConnection::PgConnection(PgSettings settings, Options options)
    : m_settings(std::move(settings))
    , m_options(std::move(options))
    , m_thread(QThread::currentThread())
{
}

PgConnection::~PgConnection()
{
    // No thread assertion here: thread_local connections of the main thread are
    // destroyed after Qt has torn down its notion of the current thread.
    m_session.reset();
}

PgConnection &PgConnection::forCurrentThread(const PgSettings &settings)
{
    return forCurrentThread(settings, Options{});
}

PgConnection &PgConnection::forCurrentThread(const PgSettings &settings, const Options &options)
{
    // thread_local: destroyed (and the session closed) when the thread ends.
    thread_local std::unordered_map<std::string, std::unique_ptr<PgConnection>> connections;
    const std::string key = buildConnectionString(settings, options) + '\x1f'
        + std::to_string(options.statementTimeoutMs);
    auto it = connections.find(key);
    if (it == connections.end())
        it = connections.emplace(key, std::make_unique<PgConnection>(settings, options)).first;
    return *it->second;
}

void PgConnection::assertThread() const
{
    Q_ASSERT_X(QThread::currentThread() == m_thread, "PgConnection",
               "a PgConnection must be used only by the thread that created it");
}

Status PgConnection::open()
{
    assertThread();
    return ensureOpen();
}

void PgConnection::close()
{
    assertThread();
    if (m_session) {
        m_session.reset();
    }
}

bool PgConnection::isOpen() const
{
    assertThread();
    return m_session && m_session->connection->is_open();
}

int PgConnection::backendPid() const
{
    assertThread();
    return isOpen() ? m_session->connection->backendpid() : 0;
}

quint64 PgConnection::generation() const
{
    return m_generation;
}

QString PgConnection::serverAddress() const
{
    assertThread();
    if (!isOpen())
        return {};
    const char *host = m_session->connection->hostname();
    const char *port = m_session->connection->port();
    return QStringLiteral("%1:%2").arg(QString::fromUtf8(host ? host : ""),
                                       QString::fromUtf8(port ? port : ""));
}

const PgSettings &PgConnection::settings() const
{
    return m_settings;
}

const PgConnection::Options &PgConnection::options() const
{
    return m_options;
}

QString PgConnection::describe() const
{
    return m_settings.describe();
}

void PgConnection::prepare(const std::string &name, const std::string &sql)
{
    assertThread();
    const auto [it, inserted] = m_prepared.emplace(name, sql);
    if (!inserted && it->second == sql)
        return;
    it->second = sql;
    if (m_session) {
        try {
            m_session->connection->unprepare(name);
            m_session->connection->prepare(name, sql);
        } catch (const std::exception &) {
            // Registration is local to libpqxx; a failure here means the session is
            // unusable, and the next call replaces it with one that has the statement.
            dropSession(QStringLiteral("could not register prepared statement"));
        }
    }
}

void PgConnection::dropSession(const QString &reason)
{
    if (!m_session)
        return;
    qCWarning(lcPg).noquote() << "PostgreSQL session to" << describe() << "dropped:" << reason;
    m_session.reset();
}

bool PgConnection::idleSessionAlive()
{
    // An idle session has nothing to read unless the server spoke: a notification, or
    // the FATAL message and EOF of a terminated backend. Consume it without blocking
    // until the socket is quiet; libpq marks the session bad once it reads the EOF.
    // The EOF can lag behind the FATAL message (the backend releases its locks before
    // it exits), so anything other than a notification arriving while idle counts as
    // the end of the session: a needless reconnect costs little, a dead one fails a call.
    try {
        for (int round = 0; round < 4 && m_session->connection->is_open(); ++round) {
            pollfd socket{m_session->connection->sock(), POLLIN, 0};
            if (socket.fd < 0 || ::poll(&socket, 1, 0) <= 0)
                break;
            if (m_session->connection->get_notifs() == 0)
                return false;
        }
    } catch (const std::exception &) {
        return false;
    }
    return m_session->connection->is_open();
}

Status PgConnection::ensureOpen()
{
    if (m_session) {
        if (idleSessionAlive())
            return {};
        dropSession(QStringLiteral("connection closed by the server while idle"));
    }
    auto session = std::make_unique<Session>();
    try {
        session->connection =
            std::make_unique<pqxx::connection>(buildConnectionString(m_settings, m_options));
        pqxx::nontransaction setup(*session->connection, "session setup");
        // Notices (e.g. "relation already exists, skipping") would go to stderr.
        std::string sql = "SET client_min_messages TO warning";
        if (m_options.statementTimeoutMs > 0)
            sql += "; SET statement_timeout TO " + std::to_string(m_options.statementTimeoutMs);
        setup.exec(sql);
        setup.commit();
        for (const auto &[name, definition] : m_prepared)
            session->connection->prepare(name, definition);
    } catch (const std::exception &exception) {
        Error error = pgErrorFromException(
            exception, QStringLiteral("cannot connect to PostgreSQL at %1").arg(describe()),
            m_settings.password);
        if (error.kind == ErrorKind::Internal)
            error.kind = ErrorKind::Unavailable;
        if (const QString failures = everyHostFailure(exception, m_settings.password);
            m_settings.hasSeveralHosts() && !failures.isEmpty())
            error.message = QStringLiteral("cannot connect to PostgreSQL at %1: %2").arg(describe(), failures);
        qCWarning(lcPg).noquote() << error.toString();
        return error;
    }
    m_session = std::move(session);
    ++m_generation;
    const QString server = serverAddress();
    if (!m_lastServer.isEmpty() && server != m_lastServer)
        qCInfo(lcPg).noquote() << "PostgreSQL session moved from" << m_lastServer << "to" << server;
    m_lastServer = server;
    qCDebug(lcPg).noquote() << "connected to" << server << "of" << describe() << "backend pid"
                            << m_session->connection->backendpid();
    return {};
}

Status PgConnection::transaction(const QString &what, const Work &work, Idempotency idempotency)
{
    return run(what, work, idempotency, true);
}

Status PgConnection::nonTransaction(const QString &what, const Work &work,
                                    Idempotency idempotency)
{
    return run(what, work, idempotency, false);
}

Status PgConnection::run(const QString &what, const Work &work, Idempotency idempotency,
                         bool inTransaction)
{
    assertThread();
    for (int attempt = 1;; ++attempt) {
        if (Status opened = ensureOpen(); !opened)
            return opened;
        try {
            Status status;
            if (inTransaction) {
                pqxx::work txn(*m_session->connection);
                status = work(txn);
                if (status)
                    txn.commit();
            } else {
                pqxx::nontransaction txn(*m_session->connection);
                status = work(txn);
                if (status)
                    txn.commit();
            }
            return status;
        } catch (const std::exception &exception) {
            Error error = pgErrorFromException(exception, what, m_settings.password);
            const bool lost = pgIsConnectionLoss(exception) || !m_session->connection->is_open();
            // A read-only server: another host (or the same name, moved) may be the primary
            // now, and only a new connect finds it.
            const bool readOnly = !lost && isReadOnlyServer(exception);
            if (!lost && !readOnly)
                return error;
            const QString cause = error.message.mid(what.size() + 2);
            error.kind = ErrorKind::Unavailable;
            error.message = readOnly ? QStringLiteral("%1: PostgreSQL server %2 is read-only now (%3)")
                                           .arg(what, serverAddress(), cause)
                                     : QStringLiteral("%1: connection to PostgreSQL lost (%2)").arg(what, cause);
            dropSession(error.message);
            if (idempotency == Idempotency::Idempotent && attempt == 1) {
                qCInfo(lcPg).noquote() << "replaying idempotent work on a new session:" << what;
                continue;
            }
            return error;
        }
    }
}

}  // namespace tiersync
