#include "manualepochclock.h"
#include "pgtestdatabase.h"
#include "testsandbox.h"
#include "verifyok.h"

#include "store/databaseopener.h"
#include "store/migrator.h"
#include "store/pgconnection.h"

#include <QTest>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

using namespace tiersync;
using tiersync::test::ManualEpochClock;
using tiersync::test::PgTestDatabase;

// DatabaseOpener: the one place a process migrates a database, whatever number of
// threads and parts of the engine ask for it.
class TestDatabaseOpener final : public QObject {
    Q_OBJECT

private:
    PgSettings m_server;
    std::unique_ptr<PgTestDatabase> m_database;

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        m_server = profile.pg;
    }

    void init()
    {
        auto database = PgTestDatabase::create(m_server, QStringLiteral("opener"));
        VERIFY_OK(database);
        m_database = std::move(*database);
    }

    void cleanup() { m_database.reset(); }

    void manyThreadsMigrateOnce()
    {
        DatabaseOpener opener(m_database->settings());
        constexpr int kThreads = 8;
        std::atomic<int> appliedTotal{0};
        std::atomic<int> failures{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < kThreads; ++i)
            threads.emplace_back([&] {
                Result<int> applied = opener.ensureMigrated();
                if (!applied)
                    ++failures;
                else
                    appliedTotal += *applied;
            });
        for (std::thread &thread : threads)
            thread.join();

        QCOMPARE(failures.load(), 0);
        // Every migration was applied exactly once, by one caller; the others waited and
        // were told nothing was left to do.
        QCOMPARE(appliedTotal.load(), int(Migrator().migrations().size()));
        QCOMPARE(opener.attempts(), 1);
        auto again = opener.ensureMigrated();
        VERIFY_OK(again);
        QCOMPARE(*again, 0);
        QCOMPARE(opener.attempts(), 1);

        PgConnection connection(m_database->settings());
        auto recorded = Migrator().applied(connection);
        VERIFY_OK(recorded);
        QCOMPARE(recorded->size(), Migrator().migrations().size());
    }

    void aFailureIsRememberedThenRetried()
    {
        // Nothing listens on this port: every attempt fails at connect.
        PgSettings away = m_database->settings();
        away.options.insert(QStringLiteral("port"), QStringLiteral("1"));
        away.options.insert(QStringLiteral("connect_timeout"), QStringLiteral("2"));
        ManualEpochClock clock;
        DatabaseOpener opener(away, DatabaseOpener::Options{1000, clock.clock()});
        auto first = opener.ensureMigrated();
        QVERIFY(!first);
        QCOMPARE(first.error().kind, ErrorKind::Unavailable);
        QCOMPARE(opener.attempts(), 1);

        // Within the interval the failure is answered without another connection attempt.
        clock.advance(999);
        auto remembered = opener.ensureMigrated();
        QVERIFY(!remembered);
        QCOMPARE(remembered.error().message, first.error().message);
        QCOMPARE(opener.attempts(), 1);

        clock.advance(1);
        QVERIFY(!opener.ensureMigrated());
        QCOMPARE(opener.attempts(), 2);
    }

    void aRefusedMigrationIsAnErrorUntilFixed()
    {
        // A database migrated by a build that knew a later migration: never guess.
        Migrator newer({Migrator::makeMigration(1, QStringLiteral("0001_initial"),
                                                Migrator().migrations().first().sql),
                        Migrator::makeMigration(99, QStringLiteral("0099_future"), "SELECT 1")});
        PgConnection connection(m_database->settings());
        VERIFY_OK(newer.migrate(connection));

        ManualEpochClock clock;
        DatabaseOpener opener(m_database->settings(), DatabaseOpener::Options{1000, clock.clock()});
        auto refused = opener.ensureMigrated(connection);
        QVERIFY(!refused);
        QCOMPARE(refused.error().kind, ErrorKind::Conflict);
        QVERIFY2(refused.error().message.contains(QLatin1String("migration 99")), qPrintable(refused.error().message));
        clock.advance(1000);
        QVERIFY(!opener.ensureMigrated(connection));
        QCOMPARE(opener.attempts(), 2);
    }
};

QTEST_GUILESS_MAIN(TestDatabaseOpener)
#include "tst_databaseopener.moc"
