#include "sandbox/postgrescluster.h"
#include "sandbox/processtools.h"
#include "redis/redisconnection.h"
#include "sandbox/redisserverprocess.h"
#include "sandbox/sandbox.h"
#include "testsandbox.h"

#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace tiersync;
using namespace tiersync::sandbox;

class TestSandbox final : public QObject {
    Q_OBJECT

private:
    static bool allAnswer(const Sandbox &box)
    {
        auto services = box.status();
        return services && std::all_of(services->cbegin(), services->cend(),
                                       [](const Sandbox::ServiceStatus &s) { return s.answers; });
    }

private slots:
    // The CTest fixture's sandbox is up and its profile reaches every server.
    void fixtureSandboxAnswers()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        QVERIFY(profile.redis.port > 0);
        QVERIFY(!profile.redis.password.isEmpty());
        // The profile connects as a Redis ACL user, so every test on the sandbox does.
        QCOMPARE(profile.redis.username, QStringLiteral("tiersync"));
        RedisConnection redis(profile.redis);
        auto whoami = redis.command({"ACL", "WHOAMI"});
        QVERIFY2(whoami.ok(), qPrintable(whoami.ok() ? QString() : whoami.error().toString()));
        QCOMPARE(whoami->bytes(), QByteArray("tiersync"));
        QVERIFY(!profile.pg.password.isEmpty());
        QVERIFY(profile.zoho.apiBase.startsWith(QStringLiteral("http://127.0.0.1:")));
        Sandbox box({test::sandboxDir(), QString(), {}});
        QVERIFY(allAnswer(box));
    }

    // A private sandbox: up, crash (SIGKILL everything), up again recovers on its own,
    // down leaves nothing running and nothing behind.
    void recoversFromACrashAndCleansUp()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        Sandbox box({dir.filePath(QStringLiteral("state")), QStringLiteral(ZOHO_SIM_PATH),
                     {QStringLiteral("--products"), QStringLiteral("20")}});
        auto first = box.up();
        QVERIFY2(first.ok(), qPrintable(first.ok() ? QString() : first.error().toString()));
        QVERIFY(allAnswer(box));

        // up() on a healthy sandbox is a no-op: same processes.
        auto again = box.up();
        QVERIFY(again.ok());
        QCOMPARE(again->redisPid, first->redisPid);
        QCOMPARE(again->zohoSimPid, first->zohoSimPid);

        ::kill(pid_t(first->redisPid), SIGKILL);
        ::kill(pid_t(first->postgresPid), SIGKILL);
        ::kill(pid_t(first->zohoSimPid), SIGKILL);
        QTRY_VERIFY(!processAlive(first->redisPid, QStringLiteral("redis-server")));
        QVERIFY(!allAnswer(box));

        auto recovered = box.up();
        QVERIFY2(recovered.ok(), qPrintable(recovered.ok() ? QString() : recovered.error().toString()));
        QVERIFY(allAnswer(box));
        // The PostgreSQL password survived the crash: the old cluster was reused.
        QCOMPARE(recovered->profile.pg.password, first->profile.pg.password);

        QVERIFY(box.down().ok());
        QVERIFY(!processAlive(recovered->redisPid, QStringLiteral("redis-server")));
        QVERIFY(!processAlive(recovered->postgresPid, QStringLiteral("postgres")));
        QVERIFY(!processAlive(recovered->zohoSimPid, QStringLiteral("zoho-sim")));
        QVERIFY(!QFile::exists(SandboxState::fileIn(box.stateDirectory())));
        QVERIFY(!QFile::exists(recovered->postgresDirectory));
        QVERIFY(box.down().ok());  // idempotent
    }

    // Fault tests stop a server and bring it back on the same port.
    void restartsOneServiceInPlace()
    {
        QTemporaryDir dir;
        Sandbox box({dir.filePath(QStringLiteral("state")), QStringLiteral(ZOHO_SIM_PATH),
                     {QStringLiteral("--products"), QStringLiteral("20")}});
        auto state = box.up();
        QVERIFY(state.ok());
        QVERIFY(box.stopService(Service::Redis).ok());
        RedisServerProcess probe(dir.filePath(QStringLiteral("state/redis")), state->redisPort,
                                 state->profile.redis.password);
        QVERIFY(!probe.answers());
        QVERIFY(box.startService(Service::Redis).ok());
        QVERIFY(probe.answers());
        QVERIFY(box.stopService(Service::Postgres).ok());
        QVERIFY(box.startService(Service::Postgres).ok());
        QVERIFY(allAnswer(box));
        QVERIFY(box.down().ok());
    }

    void missingSimIsAClearError()
    {
        QTemporaryDir dir;
        Sandbox box({dir.filePath(QStringLiteral("state")), dir.filePath(QStringLiteral("no-such-sim")), {}});
        auto state = box.up();
        QVERIFY(!state.ok());
        QVERIFY(state.error().message.contains(QStringLiteral("zoho-sim")));
        QVERIFY(box.down().ok());
    }
};

QTEST_GUILESS_MAIN(TestSandbox)
#include "tst_sandbox.moc"
