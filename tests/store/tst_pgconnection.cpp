#include "pgtestdatabase.h"
#include "testsandbox.h"

#include "store/pgconnection.h"

#include <QTcpServer>
#include <QTest>
#include <QThread>

#include <pqxx/pqxx>

#include <atomic>
#include <memory>
#include <thread>

using namespace tiersync;
using tiersync::test::PgTestDatabase;

namespace {

Result<int> selectInt(PgConnection &connection, const std::string &sql)
{
    int value = 0;
    Status status = connection.transaction(QStringLiteral("test query"),
                                           [&](pqxx::transaction_base &txn) -> Status {
                                               value = txn.exec1(sql)[0].as<int>();
                                               return {};
                                           });
    if (!status)
        return status.error();
    return value;
}

Status exec(PgConnection &connection, const std::string &sql)
{
    return connection.transaction(QStringLiteral("test statement"),
                                  [&](pqxx::transaction_base &txn) -> Status {
                                      txn.exec(sql);
                                      return {};
                                  });
}

// A loopback port nobody listens on: bind, read the port, close.
quint16 closedPort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    const quint16 port = server.serverPort();
    server.close();
    return port;
}

}  // namespace

class TestPgConnection final : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        auto database = PgTestDatabase::create(profile.pg, QStringLiteral("pgconnection"));
        QVERIFY2(database.ok(), qPrintable(database.ok() ? QString() : database.error().toString()));
        m_database = std::move(*database);
        PgConnection setup(m_database->settings());
        QVERIFY(exec(setup, "CREATE TABLE t (id int PRIMARY KEY, doc jsonb)").ok());
    }

    void cleanupTestCase() { m_database.reset(); }

    void connectsLazilyAndRuns()
    {
        PgConnection connection(m_database->settings());
        QVERIFY(!connection.isOpen());
        QCOMPARE(connection.backendPid(), 0);
        auto one = selectInt(connection, "SELECT 1");
        QVERIFY2(one.ok(), qPrintable(one.ok() ? QString() : one.error().toString()));
        QCOMPARE(*one, 1);
        QVERIFY(connection.isOpen());
        QVERIFY(connection.backendPid() > 0);
        QCOMPARE(connection.generation(), quint64(1));
    }

    void statementTimeoutApplies()
    {
        PgConnection::Options options;
        options.statementTimeoutMs = 100;
        PgConnection connection(m_database->settings(), options);
        const Status slept = exec(connection, "SELECT pg_sleep(3)");
        QVERIFY(!slept.ok());
        QCOMPARE(slept.error().kind, ErrorKind::Timeout);
        // The session survives a timeout.
        QVERIFY(selectInt(connection, "SELECT 2").ok());
        QCOMPARE(connection.generation(), quint64(1));
    }

    void errorKindsFollowSqlState()
    {
        PgConnection connection(m_database->settings());
        QVERIFY(exec(connection, "INSERT INTO t VALUES (1, '{}')").ok());

        const Status duplicate = exec(connection, "INSERT INTO t VALUES (1, '{}')");
        QVERIFY(!duplicate.ok());
        QCOMPARE(duplicate.error().kind, ErrorKind::Conflict);
        QCOMPARE(duplicate.error().code, QStringLiteral("23505"));

        const Status badJson = exec(connection, "INSERT INTO t VALUES (2, '{not json, s3cr3t')");
        QVERIFY(!badJson.ok());
        QCOMPARE(badJson.error().kind, ErrorKind::InvalidArgument);
        QVERIFY2(!badJson.error().message.contains(QLatin1String("s3cr3t")),
                 qPrintable(badJson.error().message));

        const Status syntax = exec(connection, "SELEKT 1");
        QVERIFY(!syntax.ok());
        QCOMPARE(syntax.error().kind, ErrorKind::Internal);

        // None of these broke the session.
        QCOMPARE(connection.generation(), quint64(1));
    }

    void failedWorkCommitsNothing()
    {
        PgConnection connection(m_database->settings());
        const Status failed = connection.transaction(
            QStringLiteral("partial"), [](pqxx::transaction_base &txn) -> Status {
                txn.exec("INSERT INTO t VALUES (10, '{}')");
                txn.exec("INSERT INTO t VALUES (11, 'oops')");  // invalid JSON
                return {};
            });
        QVERIFY(!failed.ok());
        const Status refused = connection.transaction(
            QStringLiteral("refused"), [](pqxx::transaction_base &txn) -> Status {
                txn.exec("INSERT INTO t VALUES (12, '{}')");
                return makeError(ErrorKind::InvalidArgument, QStringLiteral("changed my mind"));
            });
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().message, QStringLiteral("changed my mind"));
        auto rows = selectInt(connection, "SELECT count(*)::int FROM t WHERE id >= 10");
        QVERIFY(rows.ok());
        QCOMPARE(*rows, 0);
    }

    void malformedDsnIsInvalidArgument()
    {
        auto parsed = PgSettings::fromDsn(QStringLiteral("host=127.0.0.1 port"));
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().kind, ErrorKind::InvalidArgument);

        PgSettings settings = m_database->settings();
        settings.options.insert(QStringLiteral("port"), QStringLiteral("notaport"));
        PgConnection connection(settings);
        const Status opened = connection.open();
        QVERIFY(!opened.ok());
        QCOMPARE(opened.error().kind, ErrorKind::InvalidArgument);
    }

    void unreachablePortFailsWithoutLeakingPassword()
    {
        PgSettings settings = m_database->settings();
        settings.options.insert(QStringLiteral("host"), QStringLiteral("127.0.0.1"));
        settings.options.insert(QStringLiteral("port"), QString::number(closedPort()));
        settings.password = Secret(QStringLiteral("hunter2-do-not-print"));
        PgConnection::Options options;
        options.connectTimeoutSeconds = 2;
        PgConnection connection(settings, options);
        const Status opened = connection.open();
        QVERIFY(!opened.ok());
        QCOMPARE(opened.error().kind, ErrorKind::Unavailable);
        QVERIFY(!opened.error().toString().contains(QLatin1String("hunter2")));
        // Every call reports the same, none hangs or throws.
        const Status again = exec(connection, "SELECT 1");
        QVERIFY(!again.ok());
        QCOMPARE(again.error().kind, ErrorKind::Unavailable);
    }

    void terminatedWhileIdleReconnectsTransparently()
    {
        PgConnection connection(m_database->settings());
        QVERIFY(selectInt(connection, "SELECT 1").ok());
        const int oldPid = connection.backendPid();
        PgConnection killer(m_database->settings());
        QVERIFY(exec(killer, "SELECT pg_terminate_backend(" + std::to_string(oldPid) + ")").ok());
        // Wait until the server has actually ended it.
        QTRY_VERIFY(selectInt(killer, "SELECT count(*)::int FROM pg_stat_activity WHERE pid = "
                                           + std::to_string(oldPid))
                    .valueOr(-1) == 0);

        auto value = selectInt(connection, "SELECT 7");
        QVERIFY2(value.ok(), qPrintable(value.ok() ? QString() : value.error().toString()));
        QCOMPARE(*value, 7);
        QVERIFY(connection.backendPid() != oldPid);
        QCOMPARE(connection.generation(), quint64(2));
    }

    void terminatedInFlightFailsThenNextCallReconnects()
    {
        PgConnection connection(m_database->settings());
        QVERIFY(selectInt(connection, "SELECT 1").ok());
        const int pid = connection.backendPid();

        // Another thread, with its own connection, kills the session once it is
        // inside pg_sleep.
        std::atomic_bool killed{false};
        std::thread killer([&] {
            PgConnection admin(m_database->settings());
            for (int i = 0; i < 500 && !killed; ++i) {
                Status status = admin.transaction(
                    QStringLiteral("kill"), [&](pqxx::transaction_base &txn) -> Status {
                        const auto r = txn.exec(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = "
                            + std::to_string(pid) + " AND query LIKE '%pg_sleep%' AND state = 'active'");
                        killed = !r.empty();
                        return {};
                    });
                if (!status || !killed)
                    QThread::msleep(20);
            }
        });
        const Status inFlight = exec(connection, "SELECT pg_sleep(20)");
        killer.join();
        QVERIFY(killed);
        QVERIFY(!inFlight.ok());
        QCOMPARE(inFlight.error().kind, ErrorKind::Unavailable);
        QVERIFY(!connection.isOpen());

        auto next = selectInt(connection, "SELECT 3");
        QVERIFY2(next.ok(), qPrintable(next.ok() ? QString() : next.error().toString()));
        QCOMPARE(*next, 3);
        QVERIFY(connection.backendPid() != pid);
    }

    void idempotentWorkIsReplayedOnce()
    {
        PgConnection connection(m_database->settings());
        QVERIFY(selectInt(connection, "SELECT 1").ok());
        PgConnection admin(m_database->settings());
        int runs = 0;
        const Status status = connection.transaction(
            QStringLiteral("idempotent"),
            [&](pqxx::transaction_base &txn) -> Status {
                ++runs;
                if (runs == 1) {
                    // Kill our own session from outside in the middle of the work.
                    const int pid = txn.exec1("SELECT pg_backend_pid()")[0].as<int>();
                    [[maybe_unused]] Status killed = exec(
                        admin, "SELECT pg_terminate_backend(" + std::to_string(pid) + ")");
                    txn.exec("SELECT pg_sleep(1)");
                }
                txn.exec("INSERT INTO t VALUES (100, '{}') ON CONFLICT (id) DO NOTHING");
                return {};
            },
            PgConnection::Idempotency::Idempotent);
        QVERIFY2(status.ok(), qPrintable(status.ok() ? QString() : status.error().toString()));
        QCOMPARE(runs, 2);
        auto rows = selectInt(connection, "SELECT count(*)::int FROM t WHERE id = 100");
        QVERIFY(rows.ok());
        QCOMPARE(*rows, 1);
    }

    void forCurrentThreadIsPerThread()
    {
        PgConnection &a = PgConnection::forCurrentThread(m_database->settings());
        PgConnection &b = PgConnection::forCurrentThread(m_database->settings());
        QCOMPARE(&a, &b);
        QVERIFY(selectInt(a, "SELECT 1").ok());
        PgConnection *other = nullptr;
        int otherPid = 0;
        std::thread worker([&] {
            PgConnection &mine = PgConnection::forCurrentThread(m_database->settings());
            other = &mine;
            if (selectInt(mine, "SELECT 1").ok())
                otherPid = mine.backendPid();
        });
        worker.join();
        QVERIFY(other != &a);
        QVERIFY(otherPid > 0);
        QVERIFY(otherPid != a.backendPid());
    }

private:
    std::unique_ptr<PgTestDatabase> m_database;
};

QTEST_GUILESS_MAIN(TestPgConnection)
#include "tst_pgconnection.moc"
