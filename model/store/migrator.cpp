#include "store/migrator.h"

#include "core/logging.h"
#include "store/pgconnection.h"
#include "store/pgvalues.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QRegularExpression>

#include <pqxx/pqxx>

#include <algorithm>
#include <map>

// Resources of a static library must be registered explicitly, or the linker drops them.
static void initStoreMigrationResources()
{
    Q_INIT_RESOURCE(storemigrations);
}

namespace tiersync {

namespace {

// Any constant shared by every TierSync build; 'tiersync' in ASCII.
constexpr long long kMigrationLockKey = 0x7469657273796E63LL;

const char kBootstrapSql[] =
    "CREATE SCHEMA IF NOT EXISTS tiersync;"
    "CREATE TABLE IF NOT EXISTS tiersync.schema_migrations ("
    "  version    integer     PRIMARY KEY,"
    "  name       text        NOT NULL,"
    "  applied_at timestamptz NOT NULL DEFAULT now(),"
    "  checksum   text        NOT NULL)";

Result<QList<Migrator::Migration>> loadEmbedded()
{
    initStoreMigrationResources();
    const QDir dir(QStringLiteral(":/tiersync/migrations"));
    static const QRegularExpression pattern(QStringLiteral("^(\\d{4})_([a-z0-9_]+)\\.sql\\z"));
    QList<Migrator::Migration> migrations;
    for (const QString &file : dir.entryList({QStringLiteral("*.sql")}, QDir::Files, QDir::Name)) {
        const auto match = pattern.match(file);
        if (!match.hasMatch())
            return makeError(ErrorKind::Internal,
                             QStringLiteral("migration file %1 is not named NNNN_name.sql").arg(file));
        QFile input(dir.filePath(file));
        if (!input.open(QIODevice::ReadOnly))
            return makeError(ErrorKind::Internal,
                             QStringLiteral("cannot read migration %1").arg(file));
        migrations << Migrator::makeMigration(match.captured(1).toInt(),
                                              file.chopped(4), input.readAll());
    }
    if (migrations.isEmpty())
        return makeError(ErrorKind::Internal, QStringLiteral("no migrations compiled in"));
    return migrations;
}

}  // namespace

Migrator::Migrator()
{
    auto loaded = loadEmbedded();
    if (loaded)
        m_migrations = std::move(*loaded);
    else
        m_loadError = loaded.error();
}

Migrator::Migrator(QList<Migration> migrations)
    : m_migrations(std::move(migrations))
{
    std::sort(m_migrations.begin(), m_migrations.end(),
              [](const Migration &a, const Migration &b) { return a.version < b.version; });
    for (qsizetype i = 1; i < m_migrations.size(); ++i) {
        if (m_migrations[i].version == m_migrations[i - 1].version)
            m_loadError = makeError(ErrorKind::InvalidArgument,
                                    QStringLiteral("two migrations with version %1")
                                        .arg(m_migrations[i].version));
    }
}

Migrator::Migration Migrator::makeMigration(int version, QString name, QByteArray sql)
{
    Migration migration;
    migration.version = version;
    migration.name = std::move(name);
    migration.checksum = QString::fromLatin1(
        QCryptographicHash::hash(sql, QCryptographicHash::Sha256).toHex());
    migration.sql = std::move(sql);
    return migration;
}

const QList<Migrator::Migration> &Migrator::migrations() const
{
    return m_migrations;
}

int Migrator::latestVersion() const
{
    return m_migrations.isEmpty() ? 0 : m_migrations.constLast().version;
}

Result<int> Migrator::migrate(PgConnection &connection) const
{
    if (m_loadError)
        return *m_loadError;

    const std::string lockSql = "SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")";
    Status bootstrapped = connection.transaction(
        QStringLiteral("preparing schema_migrations"),
        [&](pqxx::transaction_base &txn) -> Status {
            txn.exec(lockSql);
            txn.exec(kBootstrapSql);
            return {};
        },
        PgConnection::Idempotency::Idempotent);
    if (!bootstrapped)
        return bootstrapped.error();

    int appliedCount = 0;
    for (;;) {
        // One pending migration per transaction. The lock is taken before reading the
        // bookkeeping, so a concurrent migrator waits and then sees our rows.
        bool done = false;
        Status step = connection.transaction(
            QStringLiteral("applying migrations"),
            [&](pqxx::transaction_base &txn) -> Status {
                txn.exec(lockSql);
                std::map<int, std::pair<QString, QString>> recorded;
                for (const auto &row :
                     txn.exec("SELECT version, name, checksum FROM tiersync.schema_migrations"))
                    recorded[row[0].as<int>()] = {QString::fromStdString(row[1].as<std::string>()),
                                                  QString::fromStdString(row[2].as<std::string>())};
                for (const auto &[version, entry] : recorded) {
                    const auto known = std::find_if(
                        m_migrations.cbegin(), m_migrations.cend(),
                        [v = version](const Migration &m) { return m.version == v; });
                    if (known == m_migrations.cend())
                        return makeError(ErrorKind::Conflict,
                                         QStringLiteral("the database has migration %1 (%2), which "
                                                        "this build does not know: it was migrated "
                                                        "by a newer TierSync")
                                             .arg(version)
                                             .arg(entry.first));
                    if (known->checksum != entry.second)
                        return makeError(ErrorKind::Conflict,
                                         QStringLiteral("migration %1 was applied with checksum %2 "
                                                        "but this build's file has %3: a shipped "
                                                        "migration was edited; add a new one instead")
                                             .arg(known->name, entry.second, known->checksum));
                }
                const auto pending = std::find_if(
                    m_migrations.cbegin(), m_migrations.cend(),
                    [&](const Migration &m) { return !recorded.count(m.version); });
                if (pending == m_migrations.cend()) {
                    done = true;
                    return {};
                }
                qCInfo(lcPg).noquote() << "applying migration" << pending->name;
                txn.exec(pending->sql.toStdString());
                txn.exec_params("INSERT INTO tiersync.schema_migrations (version, name, checksum) "
                                "VALUES ($1, $2, $3)",
                                pending->version, pending->name.toStdString(),
                                pending->checksum.toStdString());
                return {};
            });
        if (!step)
            return step.error();
        if (done)
            return appliedCount;
        ++appliedCount;
    }
}

Result<QList<Migrator::Applied>> Migrator::applied(PgConnection &connection) const
{
    QList<Applied> result;
    Status status = connection.transaction(
        QStringLiteral("reading schema_migrations"),
        [&](pqxx::transaction_base &txn) -> Status {
            result.clear();
            const auto exists = txn.exec1("SELECT to_regclass('tiersync.schema_migrations') IS NOT NULL");
            if (!exists[0].as<bool>())
                return {};
            for (const auto &row :
                 txn.exec("SELECT version, name, " + pgEpochMs("applied_at")
                          + ", checksum FROM tiersync.schema_migrations ORDER BY version")) {
                Applied applied;
                applied.version = row[0].as<int>();
                applied.name = QString::fromStdString(row[1].as<std::string>());
                applied.appliedAt = fromPgEpochMs(row[2]);
                applied.checksum = QString::fromStdString(row[3].as<std::string>());
                result << applied;
            }
            return {};
        },
        PgConnection::Idempotency::Idempotent);
    if (!status)
        return status.error();
    return result;
}

}  // namespace tiersync
