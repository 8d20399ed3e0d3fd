#include "pgtestdatabase.h"
#include "testsandbox.h"

#include "store/migrator.h"
#include "store/pgconnection.h"

#include <QTest>

#include <pqxx/pqxx>

#include <memory>
#include <thread>

using namespace tiersync;
using tiersync::test::PgTestDatabase;

namespace {

Result<QStringList> tablesOf(PgConnection &connection, const std::string &schema)
{
    QStringList tables;
    Status status = connection.transaction(
        QStringLiteral("listing tables"), [&](pqxx::transaction_base &txn) -> Status {
            for (const auto &row : txn.exec_params("SELECT table_name FROM information_schema.tables"
                                                   " WHERE table_schema = $1 ORDER BY table_name",
                                                   schema))
                tables << QString::fromStdString(row[0].as<std::string>());
            return {};
        });
    if (!status)
        return status.error();
    return tables;
}

}  // namespace

class TestMigrator final : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        m_server = profile.pg;
    }

    void init()
    {
        // A fresh, empty database for every test function: migrations start from zero.
        auto database = PgTestDatabase::create(m_server, QStringLiteral("migrator"));
        QVERIFY2(database.ok(), qPrintable(database.ok() ? QString() : database.error().toString()));
        m_database = std::move(*database);
    }

    void cleanup() { m_database.reset(); }

    void embeddedMigrationsAreCompiledIn()
    {
        const Migrator migrator;
        QVERIFY(!migrator.migrations().isEmpty());
        QCOMPARE(migrator.migrations().first().version, 1);
        QCOMPARE(migrator.migrations().first().name, QStringLiteral("0001_initial"));
        QCOMPARE(migrator.migrations().first().checksum.size(), 64);
    }

    void appliesFromEmpty()
    {
        PgConnection connection(m_database->settings());
        const Migrator migrator;
        auto applied = migrator.migrate(connection);
        QVERIFY2(applied.ok(), qPrintable(applied.ok() ? QString() : applied.error().toString()));
        QCOMPARE(*applied, int(migrator.migrations().size()));

        auto tables = tablesOf(connection, "tiersync");
        QVERIFY(tables.ok());
        for (const char *table : {"endpoint_snapshots", "entities", "retry_events",
                                  "schema_migrations", "settings", "sync_runs", "webhook_events"})
            QVERIFY2(tables->contains(QLatin1String(table)), table);

        auto recorded = migrator.applied(connection);
        QVERIFY(recorded.ok());
        QCOMPARE(recorded->size(), migrator.migrations().size());
        QCOMPARE(recorded->first().checksum, migrator.migrations().first().checksum);
        QVERIFY(recorded->first().appliedAt.isValid());

        QString caching;
        QVERIFY(connection
                    .transaction(QStringLiteral("seed"),
                                 [&](pqxx::transaction_base &txn) -> Status {
                                     caching = QString::fromStdString(
                                         txn.exec1("SELECT value FROM tiersync.settings"
                                                   " WHERE key = 'caching_enabled'")[0]
                                             .as<std::string>());
                                     return {};
                                 })
                    .ok());
        QCOMPARE(caching, QStringLiteral("true"));
    }

    void rerunIsNoop()
    {
        PgConnection connection(m_database->settings());
        const Migrator migrator;
        QVERIFY(migrator.migrate(connection).ok());
        auto second = migrator.migrate(connection);
        QVERIFY2(second.ok(), qPrintable(second.ok() ? QString() : second.error().toString()));
        QCOMPARE(*second, 0);
        QCOMPARE(migrator.applied(connection)->size(), migrator.migrations().size());
    }

    void concurrentMigrateIsSafe()
    {
        const Migrator migrator;
        constexpr int kThreads = 4;
        Result<int> results[kThreads] = {0, 0, 0, 0};
        std::vector<std::thread> threads;
        for (int i = 0; i < kThreads; ++i) {
            threads.emplace_back([&, i] {
                PgConnection connection(m_database->settings());
                results[i] = migrator.migrate(connection);
            });
        }
        for (auto &thread : threads)
            thread.join();
        int total = 0;
        for (const auto &result : results) {
            QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().toString()));
            total += *result;
        }
        QCOMPARE(total, int(migrator.migrations().size()));
        PgConnection connection(m_database->settings());
        QCOMPARE(migrator.applied(connection)->size(), migrator.migrations().size());
    }

    void appliesInOrderOneTransactionEach()
    {
        PgConnection connection(m_database->settings());
        const Migrator migrator({
            Migrator::makeMigration(2, QStringLiteral("0002_b"),
                                    "ALTER TABLE tiersync.a ADD COLUMN b int"),
            Migrator::makeMigration(1, QStringLiteral("0001_a"), "CREATE TABLE tiersync.a (x int)"),
            Migrator::makeMigration(3, QStringLiteral("0003_broken"),
                                    "CREATE TABLE tiersync.c (x int); SELEKT"),
        });
        auto applied = migrator.migrate(connection);
        QVERIFY(!applied.ok());
        // 1 and 2 committed; 3 rolled back entirely (no table c, no record).
        auto recorded = migrator.applied(connection);
        QVERIFY(recorded.ok());
        QCOMPARE(recorded->size(), 2);
        QCOMPARE(recorded->at(0).name, QStringLiteral("0001_a"));
        QCOMPARE(recorded->at(1).name, QStringLiteral("0002_b"));
        auto tables = tablesOf(connection, "tiersync");
        QVERIFY(tables.ok());
        QVERIFY(tables->contains(QStringLiteral("a")));
        QVERIFY(!tables->contains(QStringLiteral("c")));
    }

    void checksumMismatchIsAnError()
    {
        PgConnection connection(m_database->settings());
        QVERIFY(Migrator({Migrator::makeMigration(1, QStringLiteral("0001_a"),
                                                  "CREATE TABLE tiersync.a (x int)")})
                    .migrate(connection)
                    .ok());
        const Migrator edited({Migrator::makeMigration(1, QStringLiteral("0001_a"),
                                                       "CREATE TABLE tiersync.a (x bigint)")});
        auto result = edited.migrate(connection);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().kind, ErrorKind::Conflict);
        QVERIFY2(result.error().message.contains(QLatin1String("checksum")),
                 qPrintable(result.error().message));
    }

    void unknownAppliedMigrationIsAnError()
    {
        PgConnection connection(m_database->settings());
        const Migrator migrator;
        QVERIFY(migrator.migrate(connection).ok());
        QVERIFY(connection
                    .transaction(QStringLiteral("future"),
                                 [](pqxx::transaction_base &txn) -> Status {
                                     txn.exec("INSERT INTO tiersync.schema_migrations"
                                              " (version, name, checksum)"
                                              " VALUES (9999, '9999_future', 'x')");
                                     return {};
                                 })
                    .ok());
        auto result = migrator.migrate(connection);
        QVERIFY(!result.ok());
        QVERIFY2(result.error().message.contains(QLatin1String("9999")),
                 qPrintable(result.error().message));
    }

private:
    PgSettings m_server;
    std::unique_ptr<PgTestDatabase> m_database;
};

QTEST_GUILESS_MAIN(TestMigrator)
#include "tst_migrator.moc"
