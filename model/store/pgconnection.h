#pragma once

#include "core/pgsettings.h"
#include "core/result.h"

#include <QString>
#include <QtGlobal>

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace pqxx {
class transaction_base;
}

class QThread;

namespace tiersync {

// One PostgreSQL session (a pqxx::connection) built from PgSettings.
//
// Thread-affine: a libpq connection is not thread-safe, so a PgConnection is created
// and used in one thread only (asserted in debug builds). Worker threads get theirs
// with forCurrentThread().
//
// The connection opens lazily on first use. When it breaks (server restart,
// pg_terminate_backend, network), the failing call reports ErrorKind::Unavailable
// and the next call reconnects. Work that was in flight is never silently replayed,
// unless the caller declares it idempotent, in which case it is run once more on a
// fresh connection. Before each use an idle connection is checked without blocking,
// so a session the server dropped while nobody was using it is replaced before any
// statement is sent, and that call succeeds.
//
// With several hosts in the DSN (PgSettings::hasSeveralHosts) libpq tries them in order
// at every connect and, with target_session_attrs=read-write (the default the engine
// adds for several hosts), takes the first one that accepts writes. A switchover is
// therefore followed by reconnecting: a stopped primary breaks the session (as above);
// a primary that stays up but turned read-only (demoted, or fenced with
// default_transaction_read_only) answers a write with read_only_sql_transaction
// (SQLSTATE 25006), and that session is dropped too, so the next call reaches the
// read-write host. That call fails with ErrorKind::Unavailable (the transaction was
// rolled back); idempotent work is replayed once on the new session.
//
// Every libpqxx exception stops here and becomes an Error (see pgerror.h); messages
// never contain the password.
class PgConnection final {
public:
    struct Options {
        int connectTimeoutSeconds = 5;   // libpq connect_timeout unless the DSN sets one
        int statementTimeoutMs = 30000;  // SET statement_timeout on every session; 0: none
        QString applicationName = QStringLiteral("tiersync");
    };

    enum class Idempotency {
        NotIdempotent,  // a failure mid-way is reported, never replayed
        Idempotent,     // safe to run again after a connection loss: replayed once
    };

    // The work inside a transaction. Return an error to roll back and report it;
    // throwing (libpqxx does) rolls back too and is translated.
    using Work = std::function<Status(pqxx::transaction_base &)>;

    explicit PgConnection(PgSettings settings);
    PgConnection(PgSettings settings, Options options);
    ~PgConnection();
    Q_DISABLE_COPY_MOVE(PgConnection)

    // This thread's connection for these settings, created on first call and
    // destroyed when the thread ends.
    [[nodiscard]] static PgConnection &forCurrentThread(const PgSettings &settings);
    [[nodiscard]] static PgConnection &forCurrentThread(const PgSettings &settings,
                                                        const Options &options);

    // Connects now if not connected (calls below do this themselves).
    [[nodiscard]] Status open();
    void close();
    [[nodiscard]] bool isOpen() const;

    // Server process id of the current session, 0 when closed.
    [[nodiscard]] int backendPid() const;
    // Increases every time a new server session starts. Session state (temporary
    // tables, session advisory locks) belongs to one generation.
    [[nodiscard]] quint64 generation() const;
    // host:port of the server the current session reached (with several hosts, the one
    // libpq picked), empty when closed. Safe to log.
    [[nodiscard]] QString serverAddress() const;

    [[nodiscard]] const PgSettings &settings() const;
    [[nodiscard]] const Options &options() const;
    [[nodiscard]] QString describe() const;  // host:port/dbname, safe to log

    // Declares a prepared statement on this and every later session, for
    // transaction_base::exec_prepared(name, ...). Redeclaring the same name with the
    // same SQL is a no-op.
    void prepare(const std::string &name, const std::string &sql);

    // Runs work in one read-committed transaction and commits it.
    [[nodiscard]] Status transaction(const QString &what, const Work &work,
                                     Idempotency idempotency = Idempotency::NotIdempotent);
    // Runs work outside a transaction block (each statement commits on its own): for
    // session-level statements such as advisory locks, CREATE DATABASE, LISTEN.
    [[nodiscard]] Status nonTransaction(const QString &what, const Work &work,
                                        Idempotency idempotency = Idempotency::NotIdempotent);

private:
    struct Session;

    [[nodiscard]] Status run(const QString &what, const Work &work, Idempotency idempotency,
                             bool inTransaction);
    [[nodiscard]] Status ensureOpen();
    [[nodiscard]] bool idleSessionAlive();
    void dropSession(const QString &reason);
    void assertThread() const;

    PgSettings m_settings;
    Options m_options;
    QThread *m_thread = nullptr;
    std::unique_ptr<Session> m_session;
    quint64 m_generation = 0;
    QString m_lastServer;  // where the previous session went, to log a change of host
    std::map<std::string, std::string> m_prepared;
};

}  // namespace tiersync
