// The CLI through SSH: `tiersync check` reaches the fixture's Redis and PostgreSQL through
// a private sshd (testsshd.h) with --ssh or TIERSYNC_SSH*; an unknown host key is refused
// with its fingerprint and the command that trusts it, `tiersync ssh trust` writes it, a
// changed key is refused in words; the key's passphrase never appears in the output.
#include "clirun.h"
#include "scratchprofile.h"
#include "testsandbox.h"
#include "testsshd.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace tiersync;

namespace {

constexpr char kPassphrase[] = "tunnel passphrase 42";

using Run = test::CliRun;

Run runCli(const QStringList &arguments, const QProcessEnvironment &environment)
{
    return test::runProgram(QStringLiteral(TIERSYNC_CLI_PATH), arguments, environment);
}

}  // namespace

class TestSshCli final : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<test::TestSshd> m_sshd;
    std::unique_ptr<test::ScratchProfile> m_scratch;
    QString m_lockedKey;

    // The scratch profile's variables, SSH through the test sshd with the locked key.
    QProcessEnvironment environment(const QString &knownHosts) const
    {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        ConnectionProfile profile = m_scratch->profile();
        profile.ssh = *SshSettings::fromDestination(m_sshd->destination());
        profile.ssh.privateKeyFile = m_lockedKey;
        profile.ssh.passphrase = Secret(QString::fromLatin1(kPassphrase));
        profile.ssh.knownHostsFile = knownHosts;
        for (const auto &[name, value] : profile.toEnvironment())
            environment.insert(name, value);
        environment.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config")));
        environment.remove(QStringLiteral("SSH_AUTH_SOCK"));
        return environment;
    }

    static void verifyNoPassphrase(const Run &run)
    {
        QVERIFY(!run.out.contains(kPassphrase));
        QVERIFY(!run.err.contains(kPassphrase));
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("sshcli"), 104,
                                                    test::ScratchProfile::Schema::Empty);
        QVERIFY2(scratch, qPrintable(scratch ? QString() : scratch.error().toString()));
        m_scratch = std::move(*scratch);
        auto sshd = test::TestSshd::start(m_dir.path());
        QVERIFY2(sshd, qPrintable(sshd ? QString() : sshd.error().toString()));
        m_sshd = std::move(*sshd);
        m_lockedKey = m_dir.filePath(QStringLiteral("locked_ed25519"));
        QVERIFY(test::TestSshd::generateKey(m_lockedKey, QString::fromLatin1(kPassphrase)));
        auto publicKey = test::TestSshd::publicKey(m_lockedKey);
        QVERIFY(publicKey);
        QFile authorized(m_dir.filePath(QStringLiteral("authorized_keys")));
        QVERIFY(authorized.open(QIODevice::WriteOnly | QIODevice::Truncate));
        authorized.write((*publicKey + QLatin1Char('\n')).toLatin1());
    }

    void cleanupTestCase()
    {
        m_sshd.reset();
        m_scratch.reset();
    }

    void unknownHostIsRefusedUntilTrusted()
    {
        const QString knownHosts = m_dir.filePath(QStringLiteral("known_hosts"));
        const QProcessEnvironment env = environment(knownHosts);
        const QString fingerprint = m_sshd->hostKeyFingerprint();

        const Run refused = runCli({QStringLiteral("check"), QStringLiteral("--json")}, env);
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.contains("is not known"), refused.err.constData());
        QVERIFY2(refused.err.contains("tiersync ssh trust " + fingerprint.toLatin1() + " --ssh "
                                      + m_sshd->destination().toLatin1()),
                 refused.err.constData());
        verifyNoPassphrase(refused);
        QVERIFY(!QFile::exists(knownHosts));

        const Run shown = runCli({QStringLiteral("ssh"), QStringLiteral("hostkey")}, env);
        QCOMPARE(shown.exitCode, 1);
        QVERIFY2(shown.out.contains(fingerprint.toLatin1()), shown.out.constData());

        const Run bad = runCli({QStringLiteral("ssh"), QStringLiteral("trust"), QStringLiteral("SHA256:not-this-one")}, env);
        QCOMPARE(bad.exitCode, 1);
        QVERIFY(!QFile::exists(knownHosts));

        // The flags select the same server as the environment, as the refusal suggests.
        QProcessEnvironment withoutSsh = env;
        withoutSsh.remove(QStringLiteral("TIERSYNC_SSH"));
        withoutSsh.remove(QStringLiteral("TIERSYNC_SSH_KNOWN_HOSTS"));
        const Run trusted = runCli({QStringLiteral("ssh"), QStringLiteral("trust"), fingerprint, QStringLiteral("--ssh"),
                                    m_sshd->destination(), QStringLiteral("--ssh-known-hosts"), knownHosts},
                                   withoutSsh);
        QVERIFY2(trusted.exitCode == 0, trusted.err.constData());
        QVERIFY(QFile::exists(knownHosts));

        const Run check = runCli({QStringLiteral("check"), QStringLiteral("--json")}, env);
        QVERIFY2(check.exitCode == 0, (check.out + check.err).constData());
        verifyNoPassphrase(check);
        const QJsonObject report = QJsonDocument::fromJson(check.out).object();
        for (const char *service : {"redis", "postgres"})
            QVERIFY2(report.value(QLatin1String(service)).toObject().value(QStringLiteral("ok")).toBool(), check.out.constData());
        // It went to the tunnel's local end, not to the server's own port.
        const QString target = report.value(QStringLiteral("postgres")).toObject().value(QStringLiteral("target")).toString();
        QVERIFY2(target.startsWith(QStringLiteral("127.0.0.1:")), qPrintable(target));
        QVERIFY2(target.section(QLatin1Char(':'), 1).section(QLatin1Char('/'), 0, 0)
                     != m_scratch->profile().pg.options.value(QStringLiteral("port")),
                 qPrintable(target));
    }

    void changedHostKeyIsRefusedInWords()
    {
        const QString impostor = m_dir.filePath(QStringLiteral("impostor_ed25519"));
        QVERIFY(test::TestSshd::generateKey(impostor, {}));
        auto impostorKey = test::TestSshd::publicKey(impostor);
        QVERIFY(impostorKey);
        const QString knownHosts = m_dir.filePath(QStringLiteral("known_hosts_changed"));
        QFile file(knownHosts);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QStringLiteral("[127.0.0.1]:%1 %2\n").arg(m_sshd->port()).arg(*impostorKey).toLatin1());
        file.close();
        const QProcessEnvironment env = environment(knownHosts);

        const Run refused = runCli({QStringLiteral("check")}, env);
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.contains("changed") && refused.err.contains("man-in-the-middle"), refused.err.constData());
        QVERIFY2(!refused.err.contains("ssh trust"), refused.err.constData());

        const Run trust = runCli({QStringLiteral("ssh"), QStringLiteral("trust"), m_sshd->hostKeyFingerprint()}, env);
        QCOMPARE(trust.exitCode, 1);
        QVERIFY2(trust.err.contains("man-in-the-middle"), trust.err.constData());
    }

    void badOptionsAreRefused()
    {
        const QString knownHosts = m_dir.filePath(QStringLiteral("known_hosts_trusted"));
        QFile file(knownHosts);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QStringLiteral("[127.0.0.1]:%1 %2\n").arg(m_sshd->port()).arg(m_sshd->hostPublicKey()).toLatin1());
        file.close();
        const QProcessEnvironment env = environment(knownHosts);
        const Run destination = runCli({QStringLiteral("runs"), QStringLiteral("--ssh"), QStringLiteral("user@")}, env);
        QCOMPARE(destination.exitCode, 2);
        QVERIFY2(destination.err.contains("--ssh: invalid SSH destination"), destination.err.constData());

        QProcessEnvironment noSsh = QProcessEnvironment::systemEnvironment();
        noSsh.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config")));
        noSsh.remove(QStringLiteral("TIERSYNC_SSH"));
        const Run keyAlone = runCli({QStringLiteral("runs"), QStringLiteral("--ssh-key"), m_lockedKey}, noSsh);
        QCOMPARE(keyAlone.exitCode, 2);
        QVERIFY2(keyAlone.err.contains("need an SSH server"), keyAlone.err.constData());

        QProcessEnvironment wrongPassphrase = env;
        wrongPassphrase.insert(QStringLiteral("TIERSYNC_SSH_KEY_PASSPHRASE"), QStringLiteral("guess"));
        const Run wrong = runCli({QStringLiteral("check")}, wrongPassphrase);
        QCOMPARE(wrong.exitCode, 1);
        QVERIFY(!wrong.err.contains("guess"));
    }
};

QTEST_GUILESS_MAIN(TestSshCli)
#include "tst_sshcli.moc"
