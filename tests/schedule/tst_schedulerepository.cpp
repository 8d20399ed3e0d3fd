#include "pgtestdatabase.h"
#include "scratchprofile.h"
#include "testsandbox.h"
#include "verifyok.h"

#include "schedule/cronexpression.h"
#include "schedule/schedulerepository.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "sync/entityregistry.h"

#include <QDateTime>
#include <QSemaphore>
#include <QSet>
#include <QTest>

#include <pqxx/pqxx>

#include <thread>

using namespace tiersync;

namespace {

constexpr int kRedisDb = 87;  // this test class's own Redis database (nothing here flushes it)
constexpr qint64 kNowMs = 1718117130000;  // 2024-06-11 14:45:30 UTC

Schedule every(const QString &type, int seconds, qint64 nextMs)
{
    Schedule schedule;
    schedule.entityType = type;
    schedule.name = Schedule::nameFor(type, SyncMode::Incremental);
    schedule.intervalSeconds = seconds;
    schedule.nextRunAt = QDateTime::fromMSecsSinceEpoch(nextMs, Qt::UTC);
    return schedule;
}

}  // namespace

// tiersync.schedules through ScheduleRepository on the fixture's PostgreSQL: validation,
// the seeded defaults, and claims that two connections never share.
class TestScheduleRepository final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::ScratchProfile> m_scratch;
    PgSettings m_server;  // the fixture's server, for databases of a test's own
    PgSettings m_pg;

    Status clear()
    {
        return PgConnection::forCurrentThread(m_pg).transaction(QStringLiteral("clearing"), [](pqxx::transaction_base &txn) {
            txn.exec("DELETE FROM tiersync.schedules");
            return Status();
        });
    }

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        m_server = sandbox.pg;
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("schedulerepo"), kRedisDb);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
        m_pg = m_scratch->profile().pg;
    }

    void init() { VERIFY_OK(clear()); }

    void upsertValidatesAndKeepsTheHistory()
    {
        ScheduleRepository repository(PgConnection::forCurrentThread(m_pg));
        Schedule bad = every(QStringLiteral("grades"), 300, kNowMs);
        bad.cron = QStringLiteral("0 0 31 2 *");
        const Status refused = repository.upsert(bad, QStringLiteral("tst"), kNowMs);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().kind, ErrorKind::InvalidArgument);
        bad.intervalSeconds.reset();
        const Status badCron = repository.upsert(bad, QStringLiteral("tst"), kNowMs);
        QVERIFY(!badCron.ok());
        QVERIFY2(badCron.error().message.contains(QStringLiteral("cron day-of-month")), qPrintable(badCron.error().message));
        auto none = repository.list();
        VERIFY_OK(none);
        QVERIFY(none->isEmpty());

        // No next run given: the first slot after now.
        Schedule grades = every(QStringLiteral("grades"), 300, 0);
        grades.nextRunAt = {};
        VERIFY_OK(repository.upsert(grades, QStringLiteral("alice"), kNowMs));
        auto stored = repository.get(grades.name);
        VERIFY_OK(stored);
        QVERIFY(stored->has_value());
        QCOMPARE((*stored)->nextRunAt.toMSecsSinceEpoch(), kNowMs + 300000);
        QCOMPARE((*stored)->updatedBy, QStringLiteral("alice"));
        QCOMPARE((*stored)->intervalSeconds, std::optional<int>(300));
        QVERIFY((*stored)->cron.isEmpty());
        QVERIFY(!(*stored)->lastStatus.has_value());

        VERIFY_OK(repository.recordStart(grades.name, kNowMs));
        VERIFY_OK(repository.recordFinish(grades.name, ScheduleRunStatus::Succeeded, 42, kNowMs + 1000));
        // To a cron: the history stays.
        grades.intervalSeconds.reset();
        grades.cron = QStringLiteral("*/10 * * * *");
        VERIFY_OK(repository.upsert(grades, QStringLiteral("bob"), kNowMs));
        stored = repository.get(grades.name);
        VERIFY_OK(stored);
        QCOMPARE((*stored)->cron, QStringLiteral("*/10 * * * *"));
        QVERIFY(!(*stored)->intervalSeconds.has_value());
        QCOMPARE((*stored)->nextRunAt.toUTC().toString(Qt::ISODate), QStringLiteral("2024-06-11T14:50:00Z"));
        QCOMPARE((*stored)->lastRunId, 42);
        QCOMPARE((*stored)->lastStatus, std::optional(ScheduleRunStatus::Succeeded));
        QCOMPARE((*stored)->lastFinishedAt.toMSecsSinceEpoch(), kNowMs + 1000);
        QCOMPARE((*stored)->updatedBy, QStringLiteral("bob"));

        // A refused run keeps the last run id, says why.
        VERIFY_OK(repository.recordFinish(grades.name, ScheduleRunStatus::Skipped, 0, kNowMs + 2000,
                                          QStringLiteral("locked")));
        stored = repository.get(grades.name);
        VERIFY_OK(stored);
        QCOMPARE((*stored)->lastRunId, 42);
        QCOMPARE((*stored)->lastStatus, std::optional(ScheduleRunStatus::Skipped));
        QCOMPARE((*stored)->lastError, QStringLiteral("locked"));
    }

    // Migration 0011: a full reconcile still at an earlier version's default (weekly, or
    // nightly before 0010) becomes monthly, due at the next 1st 03:00 UTC; an admin's own
    // cadence stays.
    void earlierDefaultReconcilesBecomeMonthly()
    {
        auto database = test::PgTestDatabase::create(m_server, QStringLiteral("monthly"));
        VERIFY_OK(database);
        PgConnection connection((*database)->settings());
        QList<Migrator::Migration> upTo10;
        const Migrator all;
        for (const Migrator::Migration &migration : all.migrations())
            if (migration.version <= 10)
                upTo10 << migration;
        VERIFY_OK(Migrator(upTo10).migrate(connection));
        qint64 dbNowMs = 0;
        VERIFY_OK(connection.transaction(QStringLiteral("old defaults"), [&](pqxx::transaction_base &txn) {
            txn.exec("INSERT INTO tiersync.schedules (name, entity_type, mode, cron, next_run_at, updated_by) VALUES"
                     " ('students:full', 'students', 'full', '0 3 * * 0', '2030-01-01', 'default'),"
                     " ('grades:full', 'grades', 'full', '0 3 * * *', '2030-01-01', 'default'),"
                     " ('payments:full', 'payments', 'full', '0 3 * * 0', '2030-01-01', 'admin'),"
                     " ('classes:full', 'classes', 'full', '0 4 * * 0', '2030-01-01', 'default')");
            return Status();
        }));
        VERIFY_OK(Migrator().migrate(connection));
        VERIFY_OK(connection.transaction(QStringLiteral("now"), [&](pqxx::transaction_base &txn) {
            // The migration's transaction began before this one: its now() is earlier.
            dbNowMs = txn.exec1("SELECT (extract(epoch FROM now()) * 1000)::bigint")[0].as<qint64>();
            return Status();
        }));
        ScheduleRepository repository(connection);
        auto monthly = CronExpression::parse(QStringLiteral("0 3 1 * *"));
        VERIFY_OK(monthly);
        // The next 1st 03:00 after the migration ran; a migration across that very instant
        // is the one case where the two could differ, and a month's slot is 03:00 sharp.
        const std::optional<qint64> expectedMs = monthly->nextMs(dbNowMs - 60 * 1000);
        QVERIFY(expectedMs);
        for (const char *name : {"students:full", "grades:full"}) {
            auto row = repository.get(QLatin1String(name));
            VERIFY_OK(row);
            QVERIFY2(row->has_value(), name);
            QCOMPARE((**row).cron, QStringLiteral("0 3 1 * *"));
            QCOMPARE((**row).nextRunAt.toMSecsSinceEpoch(), *expectedMs);
        }
        for (const auto &[name, cron] : {std::pair{"payments:full", "0 3 * * 0"}, std::pair{"classes:full", "0 4 * * 0"}}) {
            auto row = repository.get(QLatin1String(name));
            VERIFY_OK(row);
            QVERIFY2(row->has_value(), name);
            QCOMPARE((**row).cron, QLatin1String(cron));
            QCOMPARE((**row).nextRunAt.toUTC().toString(Qt::ISODate), QStringLiteral("2030-01-01T00:00:00Z"));
        }
    }

    void theDatabaseRefusesWhatTheRepositoryWould()
    {
        const Status both = PgConnection::forCurrentThread(m_pg).transaction(
            QStringLiteral("bad row"), [](pqxx::transaction_base &txn) {
                txn.exec("INSERT INTO tiersync.schedules (name, entity_type, mode, interval_seconds, cron)"
                         " VALUES ('grades:full', 'grades', 'full', 300, '0 3 * * *')");
                return Status();
            });
        QVERIFY(!both.ok());
        const Status misnamed = PgConnection::forCurrentThread(m_pg).transaction(
            QStringLiteral("bad row"), [](pqxx::transaction_base &txn) {
                txn.exec("INSERT INTO tiersync.schedules (name, entity_type, mode, interval_seconds)"
                         " VALUES ('grades:full', 'grades', 'incremental', 300)");
                return Status();
            });
        QVERIFY(!misnamed.ok());
    }

    void unknownNamesAreNotFound()
    {
        ScheduleRepository repository(PgConnection::forCurrentThread(m_pg));
        for (const Status &status : {repository.setEnabled(QStringLiteral("nope:full"), false, QStringLiteral("t")),
                                     repository.setNextRun(QStringLiteral("nope:full"), kNowMs, QStringLiteral("t")),
                                     repository.recordStart(QStringLiteral("nope:full"), kNowMs)}) {
            QVERIFY(!status.ok());
            QCOMPARE(status.error().kind, ErrorKind::NotFound);
            QVERIFY(status.error().message.contains(QStringLiteral("'nope:full'")));
        }
        auto missing = repository.get(QStringLiteral("nope:full"));
        VERIFY_OK(missing);
        QVERIFY(!missing->has_value());
    }

    void defaultsAreSeededOnceAndEditsStay()
    {
        auto registry = EntityRegistry::builtIn();
        VERIFY_OK(registry);
        QHash<QString, QString> expected;
        for (const Schedule &schedule : ScheduleRepository::defaultSchedules(*registry))
            expected.insert(schedule.name, schedule.cadence());
        QCOMPARE(expected.value(QStringLiteral("products:incremental")), QStringLiteral("every 1h"));
        QCOMPARE(expected.value(QStringLiteral("customers:incremental")), QStringLiteral("every 1h"));
        QCOMPARE(expected.value(QStringLiteral("students:incremental")),
                 QStringLiteral("every 5m (2h with a healthy channel)"));
        QCOMPARE(expected.value(QStringLiteral("students:full")), QStringLiteral("cron 0 3 1 * *"));
        QVERIFY(!expected.contains(QStringLiteral("products:full")));
        // Every CRM type naming a student is fed; nothing else.
        for (const EntityDefinition &entity : registry->entities()) {
            const bool fed = entity.source == EntityDefinition::Source::Crm && !entity.moodleUserIdField.isEmpty();
            QCOMPARE(expected.contains(entity.name + QStringLiteral(":full")), fed);
            QVERIFY(expected.contains(entity.name + QStringLiteral(":incremental")));
        }

        ScheduleRepository repository(PgConnection::forCurrentThread(m_pg));
        auto inserted = repository.seedDefaults(*registry, kNowMs);
        VERIFY_OK(inserted);
        QCOMPARE(*inserted, int(expected.size()));
        auto rows = repository.list();
        VERIFY_OK(rows);
        for (const Schedule &row : std::as_const(*rows)) {
            QCOMPARE(row.cadence(), expected.value(row.name));
            QVERIFY(row.enabled);
            QCOMPARE(row.updatedBy, QStringLiteral("default"));
            // Incremental: due at once; full: at its next slot (the 1st, 03:00).
            QCOMPARE(row.nextRunAt.toMSecsSinceEpoch(),
                     row.mode == SyncMode::Full ? QDateTime::fromString(QStringLiteral("2024-07-01T03:00:00Z"),
                                                                         Qt::ISODate)
                                                      .toMSecsSinceEpoch()
                                                : kNowMs);
        }

        Schedule edited = every(QStringLiteral("students"), 600, kNowMs);
        VERIFY_OK(repository.upsert(edited, QStringLiteral("admin"), kNowMs));
        VERIFY_OK(repository.setEnabled(QStringLiteral("products:incremental"), false, QStringLiteral("admin")));
        inserted = repository.seedDefaults(*registry, kNowMs + 3600000);
        VERIFY_OK(inserted);
        QCOMPARE(*inserted, 0);
        auto students = repository.get(QStringLiteral("students:incremental"));
        VERIFY_OK(students);
        QCOMPARE((*students)->intervalSeconds, std::optional<int>(600));
        auto products = repository.get(QStringLiteral("products:incremental"));
        VERIFY_OK(products);
        QVERIFY(!(*products)->enabled);
    }

    void claimingMovesPastNowAndSkipsPausedRows()
    {
        ScheduleRepository repository(PgConnection::forCurrentThread(m_pg));
        // Due three days ago (a missed slot), due now, due later, paused.
        VERIFY_OK(repository.upsert(every(QStringLiteral("a"), 300, kNowMs - 3 * 86400000LL - 20000), QStringLiteral("t"), kNowMs));
        VERIFY_OK(repository.upsert(every(QStringLiteral("b"), 3600, kNowMs), QStringLiteral("t"), kNowMs));
        VERIFY_OK(repository.upsert(every(QStringLiteral("c"), 300, kNowMs + 1), QStringLiteral("t"), kNowMs));
        VERIFY_OK(repository.upsert(every(QStringLiteral("d"), 300, kNowMs - 1000), QStringLiteral("t"), kNowMs));
        VERIFY_OK(repository.setEnabled(QStringLiteral("d:incremental"), false, QStringLiteral("t")));

        auto claimed = repository.claimDue(kNowMs, QStringLiteral("me"));
        VERIFY_OK(claimed);
        QCOMPARE(claimed->size(), 2);
        QCOMPARE(claimed->at(0).name, QStringLiteral("a:incremental"));  // oldest first
        QCOMPARE(claimed->at(1).name, QStringLiteral("b:incremental"));
        // The missed one: once, then its next slot after now on its old phase (no catch-up).
        QCOMPARE(claimed->at(0).nextRunAt.toMSecsSinceEpoch(), kNowMs - 20000 + 300000);
        QCOMPARE(claimed->at(1).nextRunAt.toMSecsSinceEpoch(), kNowMs + 3600000);
        QCOMPARE(claimed->at(0).claimedBy, QStringLiteral("me"));
        auto stored = repository.get(QStringLiteral("a:incremental"));
        VERIFY_OK(stored);
        QCOMPARE((*stored)->nextRunAt.toMSecsSinceEpoch(), kNowMs - 20000 + 300000);
        QCOMPARE((*stored)->claimedBy, QStringLiteral("me"));

        claimed = repository.claimDue(kNowMs, QStringLiteral("me"));
        VERIFY_OK(claimed);
        QVERIFY(claimed->isEmpty());

        // Resumed: the paused row's missed slot runs once.
        VERIFY_OK(repository.setEnabled(QStringLiteral("d:incremental"), true, QStringLiteral("t")));
        // "Run now": due at once.
        VERIFY_OK(repository.setNextRun(QStringLiteral("c:incremental"), kNowMs, QStringLiteral("t")));
        claimed = repository.claimDue(kNowMs, QStringLiteral("me"), 1);
        VERIFY_OK(claimed);
        QCOMPARE(claimed->size(), 1);
        QCOMPARE(claimed->at(0).name, QStringLiteral("d:incremental"));
        claimed = repository.claimDue(kNowMs, QStringLiteral("me"), 5);
        VERIFY_OK(claimed);
        QCOMPARE(claimed->size(), 1);
        QCOMPARE(claimed->at(0).name, QStringLiteral("c:incremental"));
    }

    // A cron edited by hand into nonsense is never claimed: marked failed, looked at again later.
    void aBrokenRowIsMarkedNotClaimed()
    {
        VERIFY_OK(PgConnection::forCurrentThread(m_pg).transaction(QStringLiteral("hand edit"), [](pqxx::transaction_base &txn) {
            txn.exec("INSERT INTO tiersync.schedules (name, entity_type, mode, cron, next_run_at)"
                     " VALUES ('grades:full', 'grades', 'full', '0 0 31 2 *', '2024-06-11T14:00:00Z')");
            return Status();
        }));
        ScheduleRepository repository(PgConnection::forCurrentThread(m_pg));
        auto claimed = repository.claimDue(kNowMs, QStringLiteral("me"));
        VERIFY_OK(claimed);
        QVERIFY(claimed->isEmpty());
        auto stored = repository.get(QStringLiteral("grades:full"));
        VERIFY_OK(stored);
        QCOMPARE((*stored)->lastStatus, std::optional(ScheduleRunStatus::Failed));
        QVERIFY2((*stored)->lastError.contains(QStringLiteral("never occurs")), qPrintable((*stored)->lastError));
        QCOMPARE((*stored)->nextRunAt.toMSecsSinceEpoch(), kNowMs + ScheduleRepository::kBrokenRetrySeconds * 1000LL);
    }

    // A row another session is claiming (locked) is skipped at once, not waited for.
    void aRowBeingClaimedElsewhereIsSkipped()
    {
        ScheduleRepository repository(PgConnection::forCurrentThread(m_pg));
        VERIFY_OK(repository.upsert(every(QStringLiteral("a"), 300, kNowMs - 1000), QStringLiteral("t"), kNowMs));
        VERIFY_OK(repository.upsert(every(QStringLiteral("b"), 300, kNowMs - 1000), QStringLiteral("t"), kNowMs));

        QSemaphore locked;
        QSemaphore release;
        Status holder;
        std::thread other([&] {
            PgConnection connection(m_pg);
            holder = connection.transaction(QStringLiteral("holding a"), [&](pqxx::transaction_base &txn) {
                txn.exec("SELECT name FROM tiersync.schedules WHERE name = 'a:incremental' FOR UPDATE");
                locked.release();
                release.acquire();
                return Status();
            });
        });
        locked.acquire();
        auto claimed = repository.claimDue(kNowMs, QStringLiteral("me"));
        release.release();
        other.join();
        VERIFY_OK(holder);
        VERIFY_OK(claimed);
        QCOMPARE(claimed->size(), 1);
        QCOMPARE(claimed->at(0).name, QStringLiteral("b:incremental"));
    }

    // Two sessions claiming the same due rows at once: every row goes to exactly one.
    void twoConnectionsNeverClaimTheSameRow()
    {
        constexpr int kRows = 40;
        {
            ScheduleRepository repository(PgConnection::forCurrentThread(m_pg));
            for (int i = 0; i < kRows; ++i)
                VERIFY_OK(repository.upsert(every(QStringLiteral("t%1").arg(i), 300, kNowMs - i * 1000),
                                            QStringLiteral("t"), kNowMs));
        }
        for (int round = 0; round < 2; ++round) {
            // Round 0: one row per claim, interleaved; round 1: everything at once.
            const int limit = round == 0 ? 1 : -1;
            QSemaphore go;
            QStringList claimedBy[2];
            Status failure[2];
            std::thread threads[2];
            for (int t = 0; t < 2; ++t) {
                threads[t] = std::thread([&, t] {
                    PgConnection connection(m_pg);
                    if (Status open = connection.open(); !open) {
                        failure[t] = open;
                        go.acquire();
                        return;
                    }
                    ScheduleRepository repository(connection);
                    go.acquire();
                    for (int i = 0; i < 2 * kRows; ++i) {
                        auto claimed = repository.claimDue(kNowMs, QStringLiteral("instance%1").arg(t), limit);
                        if (!claimed) {
                            failure[t] = claimed.error();
                            return;
                        }
                        if (claimed->isEmpty())
                            return;
                        for (const Schedule &schedule : std::as_const(*claimed))
                            claimedBy[t].append(schedule.name);
                    }
                });
            }
            go.release(2);
            for (auto &thread : threads)
                thread.join();
            VERIFY_OK(failure[0]);
            VERIFY_OK(failure[1]);
            const QSet<QString> first(claimedBy[0].cbegin(), claimedBy[0].cend());
            const QSet<QString> second(claimedBy[1].cbegin(), claimedBy[1].cend());
            QCOMPARE(first.size(), claimedBy[0].size());
            QCOMPARE(second.size(), claimedBy[1].size());
            QVERIFY2(!first.intersects(second), "a row was claimed twice");
            QCOMPARE(first.size() + second.size(), kRows);

            // Every row recorded its one claimer and moved past now.
            ScheduleRepository repository(PgConnection::forCurrentThread(m_pg));
            auto rows = repository.list();
            VERIFY_OK(rows);
            for (const Schedule &row : std::as_const(*rows)) {
                QVERIFY(row.nextRunAt.toMSecsSinceEpoch() > kNowMs);
                QCOMPARE(row.claimedBy, first.contains(row.name) ? QStringLiteral("instance0") : QStringLiteral("instance1"));
                VERIFY_OK(repository.setNextRun(row.name, kNowMs - 1000, QStringLiteral("t")));  // due again
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestScheduleRepository)
#include "tst_schedulerepository.moc"
