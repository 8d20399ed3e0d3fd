#pragma once

#include "core/pgsettings.h"
#include "core/result.h"
#include "core/secret.h"

#include <QString>

namespace tiersync::sandbox {

// A private PostgreSQL cluster (initdb + pg_ctl) on 127.0.0.1, password-protected, with
// durability switched off because it only ever holds test and sandbox data. As root it
// runs as the postgres user, and its directory is owned by that user.
class PostgresCluster final {
public:
    PostgresCluster(QString directory, int port, Secret password);

    // initdb on first use, then starts the server and waits until it accepts
    // connections; creates the database "tiersync".
    [[nodiscard]] Status start(int timeoutMs = 60000);
    // Makes this cluster a streaming-replication standby of primary (pg_basebackup -R
    // from the running primary, as its postgres user, on first use), then starts it like
    // start(). initdb's pg_hba.conf already admits replication from 127.0.0.1, and the
    // defaults (wal_level=replica, max_wal_senders=10) stream. Takes the primary's password.
    [[nodiscard]] Status startAsStandbyOf(const PostgresCluster &primary, int timeoutMs = 60000);
    // pg_ctl promote: ends recovery; returns once the server accepts writes.
    [[nodiscard]] Status promote(int timeoutMs = 60000);
    // pg_ctl stop -m fast; returns once the server is gone.
    void stop();
    [[nodiscard]] bool isRunning() const;
    [[nodiscard]] bool answers() const;

    [[nodiscard]] int port() const { return m_port; }
    [[nodiscard]] qint64 pid() const;
    [[nodiscard]] QString dataDirectory() const;
    [[nodiscard]] PgSettings settings(const QString &database = QStringLiteral("tiersync")) const;

    // Where a cluster for a sandbox state directory lives. As root, PostgreSQL cannot
    // use a directory inside root's home, so the cluster goes under /tmp, named after
    // the state directory so a later run finds it again.
    [[nodiscard]] static QString directoryFor(const QString &stateDirectory);

private:
    [[nodiscard]] Status initialise();
    [[nodiscard]] Status createDatabase();
    [[nodiscard]] Status baseBackupFrom(const PostgresCluster &primary, int timeoutMs);
    [[nodiscard]] Status prepareDirectory();
    [[nodiscard]] QString binary(const QString &name) const;

    QString m_directory;
    int m_port = 0;
    Secret m_password;
};

}  // namespace tiersync::sandbox
