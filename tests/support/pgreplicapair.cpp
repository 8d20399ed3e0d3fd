#include "pgreplicapair.h"

#include "sandbox/postgrescluster.h"
#include "sandbox/processtools.h"
#include "store/pgconnection.h"

#include <QDir>
#include <QFile>

#include <pqxx/pqxx>

namespace tiersync::test {

namespace {

Status runStatement(const PgSettings &server, const std::string &sql)
{
    PgConnection admin(server);
    return admin.nonTransaction(QStringLiteral("replica pair admin"), [&](pqxx::transaction_base &txn) -> Status {
        txn.exec(sql);
        return {};
    });
}

}  // namespace

PgReplicaPair::PgReplicaPair() = default;

Result<std::unique_ptr<PgReplicaPair>> PgReplicaPair::start()
{
    std::unique_ptr<PgReplicaPair> pair(new PgReplicaPair());
    if (!pair->m_directory.isValid())
        return makeError(ErrorKind::Internal, QStringLiteral("cannot create a temporary directory"));
    // As root the servers run as postgres, which must reach their folders inside.
    QFile::setPermissions(pair->m_directory.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner
                                                       | QFile::ExeGroup | QFile::ExeOther);
    const QDir root(pair->m_directory.path());
    const Secret password(sandbox::randomToken(16));
    pair->m_primary = std::make_unique<sandbox::PostgresCluster>(root.filePath(QStringLiteral("primary")), 0,
                                                                 password);
    pair->m_standby = std::make_unique<sandbox::PostgresCluster>(root.filePath(QStringLiteral("standby")), 0,
                                                                 password);
    if (Status started = pair->m_primary->start(); !started)
        return started.error();
    if (Status started = pair->m_standby->startAsStandbyOf(*pair->m_primary); !started)
        return started.error();
    if (Status replayed = pair->waitUntilReplayed(); !replayed)
        return replayed.error();
    return pair;
}

PgReplicaPair::~PgReplicaPair()
{
    if (m_standby)
        m_standby->stop();
    if (m_primary)
        m_primary->stop();
}

PgSettings PgReplicaPair::multiHostSettings(const QString &database) const
{
    PgSettings settings = m_primary->settings(database);
    settings.options.insert(QStringLiteral("host"), QStringLiteral("127.0.0.1,127.0.0.1"));
    settings.options.insert(QStringLiteral("port"),
                            QStringLiteral("%1,%2").arg(m_primary->port()).arg(m_standby->port()));
    settings.options.insert(QStringLiteral("target_session_attrs"), QStringLiteral("read-write"));
    return settings;
}

PgSettings PgReplicaPair::primarySettings(const QString &database) const
{
    return m_primary->settings(database);
}

PgSettings PgReplicaPair::standbySettings(const QString &database) const
{
    return m_standby->settings(database);
}

int PgReplicaPair::primaryPort() const
{
    return m_primary->port();
}

int PgReplicaPair::standbyPort() const
{
    return m_standby->port();
}

Status PgReplicaPair::waitUntilReplayed(int timeoutMs) const
{
    std::string primaryLsn;
    PgConnection primary(primarySettings(QStringLiteral("postgres")));
    Status read = primary.nonTransaction(QStringLiteral("primary WAL position"), [&](pqxx::transaction_base &txn) -> Status {
        primaryLsn = txn.exec1("SELECT pg_current_wal_lsn()::text")[0].as<std::string>();
        return {};
    });
    if (!read)
        return read;
    PgConnection standby(standbySettings(QStringLiteral("postgres")));
    bool caughtUp = false;
    Status lastError;
    const bool done = sandbox::waitUntil(
        [&] {
            lastError = standby.nonTransaction(QStringLiteral("standby replay position"),
                                               [&](pqxx::transaction_base &txn) -> Status {
                                                   caughtUp = txn.exec_params1(
                                                       "SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false)",
                                                       primaryLsn)[0]
                                                                  .as<bool>();
                                                   return {};
                                               });
            return lastError.ok() && caughtUp;
        },
        timeoutMs, 20);
    if (done)
        return {};
    return makeError(ErrorKind::Timeout,
                     QStringLiteral("the standby did not replay up to %1 in %2 ms%3")
                         .arg(QString::fromStdString(primaryLsn))
                         .arg(timeoutMs)
                         .arg(lastError ? QString() : QStringLiteral(": ") + lastError.error().toString()));
}

void PgReplicaPair::stopPrimary()
{
    m_primary->stop();
}

Status PgReplicaPair::promoteStandby()
{
    return m_standby->promote();
}

Status PgReplicaPair::fencePrimary()
{
    if (Status set = runStatement(primarySettings(QStringLiteral("postgres")),
                                  "ALTER SYSTEM SET default_transaction_read_only = on");
        !set)
        return set;
    return runStatement(primarySettings(QStringLiteral("postgres")), "SELECT pg_reload_conf()");
}

}  // namespace tiersync::test
