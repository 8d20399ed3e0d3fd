#include "sandbox/postgrescluster.h"

#include "core/logging.h"
#include "sandbox/processtools.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>

#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

namespace tiersync::sandbox {

namespace {

const QString kProcessName = QStringLiteral("postgres");

Status chownToPostgres(const QString &path)
{
    if (!runningAsRoot())
        return {};
    const passwd *user = ::getpwnam("postgres");
    if (!user)
        return makeError(ErrorKind::Unavailable,
                         QStringLiteral("running as root but there is no postgres user "
                                        "(install PostgreSQL with ./packaging/dev.sh)"));
    if (::chown(QFile::encodeName(path).constData(), user->pw_uid, user->pw_gid) != 0)
        return makeError(ErrorKind::Internal, QStringLiteral("cannot chown %1 to postgres").arg(path));
    return {};
}

QString postgresBinDir()
{
    // Debian installs server binaries per major version; take the newest.
    QDir root(QStringLiteral("/usr/lib/postgresql"));
    QStringList versions = root.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    std::sort(versions.begin(), versions.end(),
              [](const QString &a, const QString &b) { return a.toDouble() > b.toDouble(); });
    for (const QString &version : versions) {
        const QString bin = root.filePath(version + QStringLiteral("/bin"));
        if (QFile::exists(bin + QStringLiteral("/pg_ctl")))
            return bin;
    }
    return {};
}

// A server tool's run as a Status; its output (the tail) explains a failure, with the
// password masked should the tool ever echo it.
Status toolSucceeded(const Result<CommandOutput> &ran, const QString &tool, const Secret &password)
{
    if (!ran)
        return ran.error();
    if (ran->exitCode == 0)
        return {};
    QString output = QString::fromLocal8Bit(ran->output.right(2000));
    if (!password.isEmpty())
        output.replace(password.reveal(), password.masked());
    return makeError(ErrorKind::Internal, QStringLiteral("%1 failed: %2").arg(tool, output));
}

}  // namespace

PostgresCluster::PostgresCluster(QString directory, int port, Secret password)
    : m_directory(std::move(directory)), m_port(port), m_password(std::move(password))
{
}

QString PostgresCluster::directoryFor(const QString &stateDirectory)
{
    if (!runningAsRoot())
        return QDir(stateDirectory).filePath(QStringLiteral("postgres"));
    const QByteArray hash = QCryptographicHash::hash(QDir(stateDirectory).absolutePath().toUtf8(),
                                                     QCryptographicHash::Sha256)
                                .toHex()
                                .left(12);
    return QStringLiteral("/tmp/tiersync-pg-%1").arg(QString::fromLatin1(hash));
}

QString PostgresCluster::dataDirectory() const
{
    return QDir(m_directory).filePath(QStringLiteral("data"));
}

QString PostgresCluster::binary(const QString &name) const
{
    return QDir(postgresBinDir()).filePath(name);
}

qint64 PostgresCluster::pid() const
{
    return readPidFile(QDir(dataDirectory()).filePath(QStringLiteral("postmaster.pid")));
}

bool PostgresCluster::isRunning() const
{
    return processAlive(pid(), kProcessName);
}

bool PostgresCluster::answers() const
{
    const QByteArray conninfo = settings(QStringLiteral("postgres")).toConnectionString(true).toUtf8()
                                + " connect_timeout=2";
    return PQping(conninfo.constData()) == PQPING_OK;
}

PgSettings PostgresCluster::settings(const QString &database) const
{
    PgSettings pg;
    pg.options.insert(QStringLiteral("host"), QStringLiteral("127.0.0.1"));
    pg.options.insert(QStringLiteral("port"), QString::number(m_port));
    pg.options.insert(QStringLiteral("user"), QStringLiteral("postgres"));
    pg.options.insert(QStringLiteral("dbname"), database);
    pg.password = m_password;
    return pg;
}

Status PostgresCluster::initialise()
{
    if (QFile::exists(QDir(dataDirectory()).filePath(QStringLiteral("PG_VERSION"))))
        return {};
    QDir(dataDirectory()).removeRecursively();
    if (!QDir().mkpath(dataDirectory()))
        return makeError(ErrorKind::Internal, QStringLiteral("cannot create %1").arg(dataDirectory()));
    for (const QString &path : {m_directory, dataDirectory()}) {
        if (auto owned = chownToPostgres(path); !owned)
            return owned;
    }
    QFile::setPermissions(dataDirectory(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);

    const QString passwordFile = QDir(m_directory).filePath(QStringLiteral("pwfile"));
    {
        QFile file(passwordFile);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return makeError(ErrorKind::Internal, QStringLiteral("cannot write %1").arg(passwordFile));
        file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
        file.write(m_password.reveal().toUtf8() + '\n');
    }
    if (auto owned = chownToPostgres(passwordFile); !owned)
        return owned;
    auto ran = runCommand(binary(QStringLiteral("initdb")),
                          {QStringLiteral("-D"), dataDirectory(), QStringLiteral("-U"), QStringLiteral("postgres"),
                           QStringLiteral("--auth=scram-sha-256"), QStringLiteral("--pwfile=") + passwordFile,
                           QStringLiteral("--encoding=UTF8"), QStringLiteral("--locale=C.UTF-8"),
                           QStringLiteral("--no-sync")},
                          120000, true);
    QFile::remove(passwordFile);
    return toolSucceeded(ran, QStringLiteral("initdb"), m_password);
}

Status PostgresCluster::start(int timeoutMs)
{
    if (postgresBinDir().isEmpty())
        return makeError(ErrorKind::Unavailable,
                         QStringLiteral("PostgreSQL server binaries not found under /usr/lib/postgresql "
                                        "(run ./packaging/dev.sh)"));
    if (auto prepared = prepareDirectory(); !prepared)
        return prepared;
    if (auto initialised = initialise(); !initialised)
        return initialised;
    if (isRunning())
        stop();
    // A crash leaves postmaster.pid behind; if its pid is not a live postgres, drop it.
    QFile::remove(QDir(dataDirectory()).filePath(QStringLiteral("postmaster.pid")));

    const QString logFile = QDir(m_directory).filePath(QStringLiteral("postgres.log"));
    for (int attempt = 0; attempt < 3; ++attempt) {
        if (m_port == 0 || attempt > 0) {
            auto port = findFreeLoopbackPort();
            if (!port)
                return port.error();
            m_port = *port;
        }
        const QString options =
            QStringLiteral("-p %1 -c listen_addresses=127.0.0.1 -k %2 -c fsync=off "
                           "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
                .arg(m_port)
                .arg(m_directory);
        auto ran = runCommand(binary(QStringLiteral("pg_ctl")),
                              {QStringLiteral("-D"), dataDirectory(), QStringLiteral("-l"), logFile,
                               QStringLiteral("-o"), options, QStringLiteral("-w"), QStringLiteral("-t"),
                               QString::number(qMax(1, timeoutMs / 1000)), QStringLiteral("start")},
                              timeoutMs + 5000, true);
        if (!ran)
            return ran.error();
        if (ran->exitCode == 0 && waitUntil([this] { return answers(); }, timeoutMs))
            return createDatabase();
        qCWarning(lcSandbox) << "PostgreSQL did not start on port" << m_port << "- retrying";
        stop();
    }
    return makeError(ErrorKind::Unavailable, QStringLiteral("PostgreSQL did not start; see %1").arg(logFile));
}

Status PostgresCluster::prepareDirectory()
{
    if (!QDir().mkpath(m_directory))
        return makeError(ErrorKind::Internal, QStringLiteral("cannot create %1").arg(m_directory));
    return chownToPostgres(m_directory);
}

Status PostgresCluster::startAsStandbyOf(const PostgresCluster &primary, int timeoutMs)
{
    if (postgresBinDir().isEmpty())
        return makeError(ErrorKind::Unavailable,
                         QStringLiteral("PostgreSQL server binaries not found under /usr/lib/postgresql "
                                        "(run ./packaging/dev.sh)"));
    m_password = primary.m_password;
    if (auto prepared = prepareDirectory(); !prepared)
        return prepared;
    if (!QFile::exists(QDir(dataDirectory()).filePath(QStringLiteral("PG_VERSION")))) {
        if (auto copied = baseBackupFrom(primary, timeoutMs); !copied)
            return copied;
    }
    return start(timeoutMs);
}

Status PostgresCluster::baseBackupFrom(const PostgresCluster &primary, int timeoutMs)
{
    QDir(dataDirectory()).removeRecursively();
    // The password reaches pg_basebackup through a passfile, never its command line.
    // -R writes the connection (passfile included) into the standby's
    // postgresql.auto.conf, so the file stays, readable only by postgres.
    const QString passFile = QDir(m_directory).filePath(QStringLiteral("pgpass"));
    {
        QFile file(passFile);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return makeError(ErrorKind::Internal, QStringLiteral("cannot write %1").arg(passFile));
        file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
        QString secret = primary.m_password.reveal();
        secret.replace(QLatin1Char('\\'), QLatin1String("\\\\")).replace(QLatin1Char(':'), QLatin1String("\\:"));
        file.write(QStringLiteral("127.0.0.1:%1:*:postgres:%2\n").arg(primary.port()).arg(secret).toUtf8());
    }
    if (auto owned = chownToPostgres(passFile); !owned)
        return owned;
    const QString conninfo = QStringLiteral("host=127.0.0.1 port=%1 user=postgres passfile=%2 "
                                            "application_name=standby connect_timeout=10")
                                 .arg(primary.port())
                                 .arg(passFile);
    auto ran = runCommand(binary(QStringLiteral("pg_basebackup")),
                          {QStringLiteral("-D"), dataDirectory(), QStringLiteral("-d"), conninfo,
                           QStringLiteral("-X"), QStringLiteral("stream"), QStringLiteral("-R"),
                           QStringLiteral("--checkpoint=fast"), QStringLiteral("--no-sync")},
                          timeoutMs, true);
    if (Status copied = toolSucceeded(ran, QStringLiteral("pg_basebackup"), primary.m_password); !copied)
        return copied;
    QFile::setPermissions(dataDirectory(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    return {};
}

Status PostgresCluster::promote(int timeoutMs)
{
    auto ran = runCommand(binary(QStringLiteral("pg_ctl")),
                          {QStringLiteral("-D"), dataDirectory(), QStringLiteral("-w"), QStringLiteral("-t"),
                           QString::number(qMax(1, timeoutMs / 1000)), QStringLiteral("promote")},
                          timeoutMs + 5000, true);
    return toolSucceeded(ran, QStringLiteral("pg_ctl promote"), m_password);
}

Status PostgresCluster::createDatabase()
{
    const QByteArray conninfo = settings(QStringLiteral("postgres")).toConnectionString(true).toUtf8();
    PGconn *conn = PQconnectdb(conninfo.constData());
    const auto finish = qScopeGuard([conn] { PQfinish(conn); });
    if (PQstatus(conn) != CONNECTION_OK)
        return makeError(ErrorKind::Unavailable,
                         QStringLiteral("cannot connect to the sandbox PostgreSQL: %1")
                             .arg(QString::fromUtf8(PQerrorMessage(conn)).trimmed()));
    PGresult *exists = PQexec(conn, "SELECT 1 FROM pg_database WHERE datname = 'tiersync'");
    const bool present = PQresultStatus(exists) == PGRES_TUPLES_OK && PQntuples(exists) == 1;
    PQclear(exists);
    if (present)
        return {};
    PGresult *created = PQexec(conn, "CREATE DATABASE tiersync");
    const bool ok = PQresultStatus(created) == PGRES_COMMAND_OK;
    const QString message = QString::fromUtf8(PQresultErrorMessage(created)).trimmed();
    PQclear(created);
    if (!ok)
        return makeError(ErrorKind::Internal, QStringLiteral("CREATE DATABASE tiersync failed: %1").arg(message));
    return {};
}

void PostgresCluster::stop()
{
    const qint64 serverPid = pid();
    if (!processAlive(serverPid, kProcessName))
        return;
    (void)runCommand(binary(QStringLiteral("pg_ctl")),
                     {QStringLiteral("-D"), dataDirectory(), QStringLiteral("-m"), QStringLiteral("fast"),
                      QStringLiteral("-w"), QStringLiteral("-t"), QStringLiteral("20"), QStringLiteral("stop")},
                     30000, true);
    terminateProcess(serverPid, kProcessName, 5000);
}

}  // namespace tiersync::sandbox
