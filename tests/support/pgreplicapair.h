#pragma once

#include "core/pgsettings.h"
#include "core/result.h"

#include <QString>
#include <QTemporaryDir>

#include <memory>

namespace tiersync::sandbox {
class PostgresCluster;
}

namespace tiersync::test {

// A PostgreSQL primary and a streaming-replication standby of the test's own, in a
// temporary directory on free loopback ports (PostgresCluster::start and
// startAsStandbyOf), stopped by pid when destroyed. For switchover tests: stop the
// primary, promote the standby, fence a primary that stays up.
class PgReplicaPair final {
public:
    // Starts both and waits until the standby streams.
    [[nodiscard]] static Result<std::unique_ptr<PgReplicaPair>> start();
    ~PgReplicaPair();
    Q_DISABLE_COPY_MOVE(PgReplicaPair)

    // host=127.0.0.1,127.0.0.1 port=PRIMARY,STANDBY target_session_attrs=read-write.
    [[nodiscard]] PgSettings multiHostSettings(const QString &database = QStringLiteral("tiersync")) const;
    // One server only, for checking what each holds.
    [[nodiscard]] PgSettings primarySettings(const QString &database = QStringLiteral("tiersync")) const;
    [[nodiscard]] PgSettings standbySettings(const QString &database = QStringLiteral("tiersync")) const;
    [[nodiscard]] int primaryPort() const;
    [[nodiscard]] int standbyPort() const;

    // Waits until the standby has replayed everything the primary has written so far.
    [[nodiscard]] Status waitUntilReplayed(int timeoutMs = 30000) const;
    // pg_ctl stop -m fast: the walsender hands the standby all WAL before the primary exits.
    void stopPrimary();
    [[nodiscard]] Status promoteStandby();
    // The primary stays up but refuses writes (default_transaction_read_only, reloaded):
    // what a switchover tool does to the old primary before promoting the standby.
    [[nodiscard]] Status fencePrimary();

private:
    PgReplicaPair();

    QTemporaryDir m_directory;
    std::unique_ptr<sandbox::PostgresCluster> m_primary;
    std::unique_ptr<sandbox::PostgresCluster> m_standby;
};

}  // namespace tiersync::test
