// SSH tunnels against a private sshd on loopback (testsshd.h), to the fixture's Redis and
// PostgreSQL: host keys (unknown, trusted, changed), keys (wrong, encrypted, agent), the
// route only through sshd, a restart of sshd under an open engine connection, and stop.
#include "scratchprofile.h"
#include "testsandbox.h"
#include "testsshd.h"

#include "redis/redisconnection.h"
#include "store/pgconnection.h"
#include "tunnel/profilerouter.h"
#include "tunnel/profiletunnel.h"
#include "tunnel/sshsession.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <pqxx/pqxx>

#include <optional>

using namespace tiersync;

namespace {

constexpr int kTimeoutMs = 10000;

int entriesIn(const QString &dir)
{
    return int(QDir(dir).entryList(QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot).size());
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void writeFile(const QString &path, const QByteArray &content)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QVERIFY(file.write(content) == content.size());
}

// The client port Redis sees for this connection (CLIENT INFO's addr=127.0.0.1:PORT).
int redisPeerPort(RedisConnection &redis)
{
    auto info = redis.command({"CLIENT", "INFO"});
    if (!info)
        return 0;
    const QRegularExpressionMatch match =
        QRegularExpression(QStringLiteral("addr=127\\.0\\.0\\.1:(\\d+) ")).match(QString::fromLatin1(info->bytes()));
    return match.hasMatch() ? match.captured(1).toInt() : 0;
}

int pgPeerPort(PgConnection &pg)
{
    int port = 0;
    const Status status = pg.transaction(QStringLiteral("client port"), [&port](pqxx::transaction_base &tx) {
        port = tx.exec1("SELECT inet_client_port()")[0].as<int>();
        return Status();
    });
    return status ? port : 0;
}

}  // namespace

class TestSshTunnel final : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<test::TestSshd> m_sshd;
    std::unique_ptr<test::ScratchProfile> m_scratch;

    // The scratch profile through the test sshd, with the authorized key.
    ConnectionProfile sshProfile(const QString &knownHostsFile) const
    {
        ConnectionProfile profile = m_scratch->profile();
        profile.ssh = *SshSettings::fromDestination(m_sshd->destination());
        profile.ssh.privateKeyFile = m_sshd->userKeyFile();
        profile.ssh.knownHostsFile = knownHostsFile;
        return profile;
    }

    // A known_hosts file that holds the test sshd's key.
    QString trustedKnownHosts() const
    {
        const QString file = m_dir.filePath(QStringLiteral("known_hosts_trusted"));
        writeFile(file, QStringLiteral("[127.0.0.1]:%1 %2\n").arg(m_sshd->port()).arg(m_sshd->hostPublicKey()).toLatin1());
        return file;
    }

    // The owner of the other end of a connection Redis or PostgreSQL sees: sshd's, not ours.
    static void verifyComesFromSshd(int peerPort)
    {
        QVERIFY(peerPort > 0);
        const QList<qint64> owners = test::socketOwners(peerPort);
        QCOMPARE(owners.size(), 1);
        QVERIFY(owners.first() != QCoreApplication::applicationPid());
        QCOMPARE(test::processName(owners.first()), QStringLiteral("sshd"));
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("sshtunnel"), 103);
        QVERIFY2(scratch, qPrintable(scratch ? QString() : scratch.error().toString()));
        m_scratch = std::move(*scratch);
        auto sshd = test::TestSshd::start(m_dir.path());
        QVERIFY2(sshd, qPrintable(sshd ? QString() : sshd.error().toString()));
        m_sshd = std::move(*sshd);
    }

    void cleanupTestCase()
    {
        m_sshd.reset();
        m_scratch.reset();
    }

    void unknownHostKeyIsRefusedThenTrusted()
    {
        const QString file = m_dir.filePath(QStringLiteral("known_hosts_new"));
        const ConnectionProfile profile = sshProfile(file);
        std::optional<HostKeyCheck> seen;
        SshTunnel::Options options;
        options.hostKeyRefused = [&seen](const HostKeyCheck &check) { seen = check; };
        auto refused = ProfileTunnel::open(profile, options);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, QStringLiteral("host_key_unknown"));
        QVERIFY(seen);
        QCOMPARE(seen->verdict, HostKeyCheck::Verdict::Unknown);
        QCOMPARE(seen->fingerprint, m_sshd->hostKeyFingerprint());
        QCOMPARE(seen->keyType, QStringLiteral("ssh-ed25519"));
        QVERIFY2(refused.error().message.contains(m_sshd->hostKeyFingerprint()), qPrintable(refused.error().message));
        QVERIFY(!QFile::exists(file));

        // A key other than the one shown is not written.
        const QString other = QStringLiteral("SHA256:") + QString(43, QLatin1Char('A'));
        const Status wrong = SshSession::trustHostKey(profile.ssh, other, kTimeoutMs);
        QVERIFY(!wrong);
        QVERIFY2(wrong.error().message.contains(m_sshd->hostKeyFingerprint()), qPrintable(wrong.error().message));
        QVERIFY(!QFile::exists(file));

        const Status trusted = SshSession::trustHostKey(profile.ssh, seen->fingerprint, kTimeoutMs);
        QVERIFY2(trusted, qPrintable(trusted ? QString() : trusted.error().message));
        const QByteArray keyBase64 = m_sshd->hostPublicKey().split(QLatin1Char(' ')).value(1).toLatin1();
        QVERIFY2(readFile(file).contains(keyBase64), readFile(file).constData());
        auto check = SshSession::checkHostKey(profile.ssh, kTimeoutMs);
        QVERIFY(check);
        QCOMPARE(check->verdict, HostKeyCheck::Verdict::Trusted);

        auto opened = ProfileTunnel::open(profile);
        QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().message));
        QVERIFY(*opened);
        QVERIFY(RedisConnection((*opened)->routed().redis).command({"PING"}));
    }

    // The console's API: asked on first use (a signal with the fingerprint), remembered
    // after trustHostKey(), routed after that without asking.
    void routerAsksOnFirstUseAndRemembers()
    {
        const QString file = m_dir.filePath(QStringLiteral("known_hosts_router"));
        const ConnectionProfile profile = sshProfile(file);
        ProfileRouter router;
        QSignalSpy asked(&router, &ProfileRouter::hostKeyRefused);
        QSignalSpy routed(&router, &ProfileRouter::routed);
        QSignalSpy failed(&router, &ProfileRouter::failed);
        router.route(profile);
        QCOMPARE(asked.size(), 1);
        QCOMPARE(routed.size(), 0);
        const auto check = asked.first().at(1).value<HostKeyCheck>();
        QCOMPARE(check.fingerprint, m_sshd->hostKeyFingerprint());

        router.trustHostKey(profile, check.fingerprint);
        QCOMPARE(failed.size(), 0);
        QCOMPARE(routed.size(), 1);
        const auto through = routed.first().at(0).value<ConnectionProfile>();
        QVERIFY(!through.ssh.isEnabled());
        RedisConnection redis(through.redis);
        verifyComesFromSshd(redisPeerPort(redis));

        router.route(profile);  // known now: no question
        QCOMPARE(asked.size(), 1);
        QCOMPARE(routed.size(), 2);

        ConnectionProfile direct = m_scratch->profile();
        router.route(direct);  // no SSH: as it is
        QCOMPARE(routed.size(), 3);
        QCOMPARE(routed.last().at(0).value<ConnectionProfile>(), direct);
    }

    void changedHostKeyIsRefusedInWords()
    {
        const QString otherKey = m_dir.filePath(QStringLiteral("impostor_ed25519"));
        QVERIFY(test::TestSshd::generateKey(otherKey, {}));
        auto otherPublic = test::TestSshd::publicKey(otherKey);
        QVERIFY(otherPublic);
        const QString file = m_dir.filePath(QStringLiteral("known_hosts_changed"));
        const QByteArray known = QStringLiteral("[127.0.0.1]:%1 %2\n").arg(m_sshd->port()).arg(*otherPublic).toLatin1();
        writeFile(file, known);
        const ConnectionProfile profile = sshProfile(file);

        auto refused = ProfileTunnel::open(profile);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, QStringLiteral("host_key_changed"));
        const QString message = refused.error().message;
        QVERIFY2(message.contains(QStringLiteral("the host key of 127.0.0.1:%1 changed").arg(m_sshd->port())),
                 qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("man-in-the-middle")), qPrintable(message));
        QVERIFY2(message.contains(m_sshd->hostKeyFingerprint()), qPrintable(message));

        // Not even with the server's own fingerprint: a changed key is removed by hand.
        const Status trusted = SshSession::trustHostKey(profile.ssh, m_sshd->hostKeyFingerprint(), kTimeoutMs);
        QVERIFY(!trusted);
        QCOMPARE(trusted.error().code, QStringLiteral("host_key_changed"));
        QCOMPARE(readFile(file), known);
    }

    void wrongKeyIsRefused()
    {
        const QString stranger = m_dir.filePath(QStringLiteral("stranger_ed25519"));
        QVERIFY(test::TestSshd::generateKey(stranger, {}));
        ConnectionProfile profile = sshProfile(trustedKnownHosts());
        profile.ssh.privateKeyFile = stranger;
        auto refused = ProfileTunnel::open(profile);
        QVERIFY(!refused);
        QCOMPARE(refused.error().kind, ErrorKind::Auth);
        QVERIFY2(refused.error().message.contains(QStringLiteral("refused the key %1").arg(stranger)),
                 qPrintable(refused.error().message));

        profile.ssh.privateKeyFile = m_dir.filePath(QStringLiteral("no_such_key"));
        auto missing = ProfileTunnel::open(profile);
        QVERIFY(!missing);
        QVERIFY2(missing.error().message.contains(QStringLiteral("cannot read the SSH private key file")),
                 qPrintable(missing.error().message));
    }

    void encryptedKeyOpensWithItsPassphraseOnly()
    {
        const QString key = m_dir.filePath(QStringLiteral("locked_ed25519"));
        const QString passphrase = QStringLiteral("correct horse battery staple");
        QVERIFY(test::TestSshd::generateKey(key, passphrase));
        auto publicKey = test::TestSshd::publicKey(key);
        QVERIFY(publicKey);
        QFile authorized(m_dir.filePath(QStringLiteral("authorized_keys")));
        QVERIFY(authorized.open(QIODevice::Append));
        authorized.write((*publicKey + QLatin1Char('\n')).toLatin1());
        authorized.close();

        ConnectionProfile profile = sshProfile(trustedKnownHosts());
        profile.ssh.privateKeyFile = key;
        auto without = ProfileTunnel::open(profile);
        QVERIFY(!without);
        QVERIFY2(without.error().message.contains(QStringLiteral("needs a passphrase")), qPrintable(without.error().message));

        profile.ssh.passphrase = Secret(QStringLiteral("wrong horse"));
        auto wrong = ProfileTunnel::open(profile);
        QVERIFY(!wrong);
        QVERIFY2(wrong.error().message.contains(QStringLiteral("passphrase is wrong")), qPrintable(wrong.error().message));
        QVERIFY(!wrong.error().message.contains(QStringLiteral("wrong horse")));

        profile.ssh.passphrase = Secret(passphrase);
        auto opened = ProfileTunnel::open(profile);
        QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().message));
        QVERIFY(RedisConnection((*opened)->routed().redis).command({"PING"}));
    }

    void agentKeyAuthenticates()
    {
        const QString socket = m_dir.filePath(QStringLiteral("agent.sock"));
        QProcess agent;
        agent.start(QStringLiteral("ssh-agent"), {QStringLiteral("-D"), QStringLiteral("-a"), socket});
        QVERIFY2(agent.waitForStarted(), qPrintable(agent.errorString()));
        // ssh-agent -D prints where it listens once it does.
        while (!QFile::exists(socket))
            QVERIFY2(agent.waitForReadyRead(kTimeoutMs), "ssh-agent did not come up");
        const QByteArray previous = qgetenv("SSH_AUTH_SOCK");
        qputenv("SSH_AUTH_SOCK", QFile::encodeName(socket));
        QProcess add;
        add.start(QStringLiteral("ssh-add"), {QStringLiteral("-q"), m_sshd->userKeyFile()});
        QVERIFY(add.waitForFinished(kTimeoutMs));
        QCOMPARE(add.exitCode(), 0);

        ConnectionProfile profile = sshProfile(trustedKnownHosts());
        profile.ssh.privateKeyFile.clear();  // the agent
        QString error;
        {
            auto opened = ProfileTunnel::open(profile);
            if (!opened)
                error = opened.error().message;
            else if (!RedisConnection((*opened)->routed().redis).command({"PING"}))
                error = QStringLiteral("no PING through the agent's tunnel");
        }

        qunsetenv("SSH_AUTH_SOCK");
        auto noAgent = ProfileTunnel::open(profile);
        if (!previous.isEmpty())
            qputenv("SSH_AUTH_SOCK", previous);
        agent.terminate();
        QVERIFY(agent.waitForFinished(kTimeoutMs));
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(!noAgent);
        QVERIFY2(noAgent.error().message.contains(QStringLiteral("no SSH agent")), qPrintable(noAgent.error().message));
    }

    void reachesRedisAndPostgresOnlyThroughTheTunnel()
    {
        auto tunnel = ProfileTunnel::open(sshProfile(trustedKnownHosts()));
        QVERIFY2(tunnel, qPrintable(tunnel ? QString() : tunnel.error().message));
        const ConnectionProfile &routed = (*tunnel)->routed();
        const ConnectionProfile &direct = m_scratch->profile();
        QCOMPARE(routed.redis.host, QStringLiteral("127.0.0.1"));
        QVERIFY(routed.redis.port != direct.redis.port);
        QCOMPARE(routed.redis.db, 103);
        QVERIFY(routed.pg.options.value(QStringLiteral("port")) != direct.pg.options.value(QStringLiteral("port")));
        QCOMPARE(routed.pg.options.value(QStringLiteral("dbname")), direct.pg.options.value(QStringLiteral("dbname")));

        RedisConnection redis(routed.redis);
        QVERIFY(redis.command({"SET", "tiersync:test:ssh", "through the tunnel"}));
        verifyComesFromSshd(redisPeerPort(redis));
        auto readDirectly = RedisConnection(direct.redis).get("tiersync:test:ssh");
        QVERIFY(readDirectly && *readDirectly);
        QCOMPARE(**readDirectly, QByteArray("through the tunnel"));

        PgConnection pg(routed.pg);
        verifyComesFromSshd(pgPeerPort(pg));
        QCOMPARE((*tunnel)->tunnel().openConnections(), 2);
    }

    // Far more than a buffer and an SSH window each way: backpressure, not loss.
    void largeValuesCrossBothWays()
    {
        auto tunnel = ProfileTunnel::open(sshProfile(trustedKnownHosts()));
        QVERIFY2(tunnel, qPrintable(tunnel ? QString() : tunnel.error().message));
        RedisConnection redis((*tunnel)->routed().redis);
        QByteArray value(8 * 1024 * 1024, Qt::Uninitialized);
        for (qsizetype i = 0; i < value.size(); ++i)
            value[i] = char((i * 131 + i / 4099) & 0xff);
        QVERIFY(redis.command({"SET", "tiersync:test:ssh:large", value}));
        auto back = redis.get("tiersync:test:ssh:large");
        QVERIFY(back && *back);
        QCOMPARE(back->value().size(), value.size());
        QVERIFY(**back == value);

        QList<QList<QByteArray>> commands;
        for (int i = 0; i < 20000; ++i)
            commands.append(QList<QByteArray>{"INCR", "tiersync:test:ssh:counter"});
        auto replies = redis.pipeline(commands);
        QVERIFY(replies);
        QCOMPARE(replies->size(), 20000);
        QCOMPARE(replies->last().integerValue(), 20000);
    }

    // sshd restarted under open connections: the tunnel closes them, the engine's
    // connections notice and reconnect, and the tunnel makes a new session for them.
    void engineReconnectsAfterSshdRestart()
    {
        auto opened = ProfileTunnel::open(sshProfile(trustedKnownHosts()));
        QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().message));
        ProfileTunnel &tunnel = **opened;
        RedisConnection redis(tunnel.routed().redis);
        PgConnection pg(tunnel.routed().pg);
        QVERIFY(redis.command({"PING"}));
        QVERIFY(pgPeerPort(pg) > 0);
        const quint64 pgGeneration = pg.generation();
        QCOMPARE(tunnel.tunnel().sessionsEstablished(), 1);
        QCOMPARE(tunnel.tunnel().openConnections(), 2);

        m_sshd->stop();
        QTRY_COMPARE_WITH_TIMEOUT(tunnel.tunnel().openConnections(), 0, kTimeoutMs);
        // While sshd is down a call fails at once; it does not hang.
        QVERIFY(!redis.command({"PING"}));

        const Status restarted = m_sshd->restart();
        QVERIFY2(restarted, qPrintable(restarted ? QString() : restarted.error().message));
        auto pong = redis.command({"PING"});
        QVERIFY2(pong, qPrintable(pong ? QString() : pong.error().message));
        verifyComesFromSshd(redisPeerPort(redis));
        QVERIFY(pgPeerPort(pg) > 0);
        QVERIFY(pg.generation() > pgGeneration);
        QCOMPARE(tunnel.tunnel().sessionsEstablished(), 2);
        QCOMPARE(tunnel.tunnel().openConnections(), 2);
    }

    void stopLeavesNoThreadOrSocket()
    {
        const QString tasks = QStringLiteral("/proc/self/task");
        const QString fds = QStringLiteral("/proc/self/fd");
        const int threadsBefore = entriesIn(tasks);
        const int fdsBefore = entriesIn(fds);
        int redisPort = 0;
        {
            auto opened = ProfileTunnel::open(sshProfile(trustedKnownHosts()));
            QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().message));
            QCOMPARE(entriesIn(tasks), threadsBefore + 1);
            redisPort = (*opened)->routed().redis.port;
            {
                RedisConnection redis((*opened)->routed().redis);
                QVERIFY(redis.command({"PING"}));
                PgConnection pg((*opened)->routed().pg);
                QVERIFY(pgPeerPort(pg) > 0);
                QCOMPARE((*opened)->tunnel().openConnections(), 2);
            }
            QTRY_COMPARE_WITH_TIMEOUT((*opened)->tunnel().openConnections(), 0, kTimeoutMs);
            (*opened)->tunnel().stop();
            QCOMPARE(entriesIn(tasks), threadsBefore);
        }
        QCOMPARE(entriesIn(tasks), threadsBefore);
        QCOMPARE(entriesIn(fds), fdsBefore);
        RedisSettings gone;
        gone.port = redisPort;
        gone.connectTimeoutMs = 1000;
        QVERIFY(!RedisConnection(gone).command({"PING"}));
    }

    void profilesThatCannotCrossSshAreRefused()
    {
        ConnectionProfile profile = sshProfile(trustedKnownHosts());
        profile.pg.options.insert(QStringLiteral("host"), QStringLiteral("/var/run/postgresql"));
        auto socketDir = ProfileTunnel::targetsOf(profile);
        QVERIFY(!socketDir);
        QVERIFY(socketDir.error().message.contains(QStringLiteral("socket directory")));
        profile.pg.options.insert(QStringLiteral("host"), QStringLiteral("db1,db2"));
        auto several = ProfileTunnel::targetsOf(profile);
        QVERIFY(!several);
        QVERIFY(several.error().message.contains(QStringLiteral("several PostgreSQL hosts")));
        profile.pg.options.remove(QStringLiteral("host"));
        profile.pg.options.insert(QStringLiteral("hostaddr"), QStringLiteral("10.0.0.7"));
        auto targets = ProfileTunnel::targetsOf(profile);
        QVERIFY(targets);
        QCOMPARE(targets->at(1).host, QStringLiteral("10.0.0.7"));
    }
};

QTEST_GUILESS_MAIN(TestSshTunnel)
#include "tst_sshtunnel.moc"
