// SSH settings of a profile: the destination's syntax, the TIERSYNC_SSH* environment, and
// the profile store (QSettings for the address, the keychain for the key's passphrase).
#include "core/connectionprofile.h"
#include "core/profilestore.h"
#include "core/secretstore.h"

#include <QFile>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace tiersync;

class TestSshSettings final : public QObject {
    Q_OBJECT

private slots:
    void destinations_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("user");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::newRow("host") << "bastion.example.org" << "" << "bastion.example.org" << 22;
        QTest::newRow("user@host") << "deploy@bastion" << "deploy" << "bastion" << 22;
        QTest::newRow("user@host:port") << "deploy@10.1.2.3:2222" << "deploy" << "10.1.2.3" << 2222;
        QTest::newRow("ipv6") << "ops@[2001:db8::1]:2200" << "ops" << "2001:db8::1" << 2200;
        QTest::newRow("ipv6 no port") << "[::1]" << "" << "::1" << 22;
        QTest::newRow("@ in user") << "a@b@host" << "a@b" << "host" << 22;
    }

    void destinations()
    {
        QFETCH(QString, text);
        auto parsed = SshSettings::fromDestination(text);
        QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().message));
        QTEST(parsed->user, "user");
        QTEST(parsed->host, "host");
        QTEST(parsed->port, "port");
        auto again = SshSettings::fromDestination(parsed->destination());
        QVERIFY(again);
        QCOMPARE(*again, *parsed);
    }

    void badDestinations_data()
    {
        QTest::addColumn<QString>("text");
        for (const char *bad : {"", "user@", "@host", "host:", "host:0", "host:65536", "host:ssh", "2001:db8::1",
                                "[::1", "[::1]x", "[::1]:", "a host", "host/x"})
            QTest::newRow(bad) << QString::fromLatin1(bad);
    }

    void badDestinations()
    {
        QFETCH(QString, text);
        auto parsed = SshSettings::fromDestination(text);
        QVERIFY(!parsed);
        QCOMPARE(parsed.error().kind, ErrorKind::InvalidArgument);
        QVERIFY(parsed.error().message.contains(QStringLiteral("[user@]host[:port]")));
    }

    void environmentOverlays()
    {
        ConnectionProfile profile;
        profile.ssh.privateKeyFile = QStringLiteral("/keys/profile");
        QProcessEnvironment environment;
        environment.insert(QStringLiteral("TIERSYNC_SSH"), QStringLiteral("ops@jump:2022"));
        environment.insert(QStringLiteral("TIERSYNC_SSH_KEY_PASSPHRASE"), QStringLiteral("s3cret"));
        environment.insert(QStringLiteral("TIERSYNC_SSH_KNOWN_HOSTS"), QStringLiteral("/tmp/kh"));
        QVERIFY(profile.applyEnvironment(environment));
        QCOMPARE(profile.ssh.destination(), QStringLiteral("ops@jump:2022"));
        QCOMPARE(profile.ssh.privateKeyFile, QStringLiteral("/keys/profile"));  // kept
        QCOMPARE(profile.ssh.passphrase.reveal(), QStringLiteral("s3cret"));
        QCOMPARE(profile.ssh.knownHostsFile, QStringLiteral("/tmp/kh"));

        // toEnvironment() gives the same back, so a child process gets the same tunnel.
        ConnectionProfile child;
        QProcessEnvironment exported;
        for (const auto &[name, value] : profile.toEnvironment())
            exported.insert(name, value);
        QVERIFY(child.applyEnvironment(exported));
        QCOMPARE(child.ssh, profile.ssh);

        environment.insert(QStringLiteral("TIERSYNC_SSH"), QStringLiteral("ops@"));
        const Status bad = profile.applyEnvironment(environment);
        QVERIFY(!bad);
        QVERIFY(bad.error().message.startsWith(QStringLiteral("TIERSYNC_SSH: ")));

        environment.insert(QStringLiteral("TIERSYNC_SSH"), QString());  // turns the profile's tunnel off
        QVERIFY(profile.applyEnvironment(environment));
        QVERIFY(!profile.ssh.isEnabled());
    }

    void withoutSshTheEnvironmentIsUnchanged()
    {
        ConnectionProfile profile;
        for (const auto &[name, value] : profile.toEnvironment())
            QVERIFY2(!name.startsWith(QStringLiteral("TIERSYNC_SSH")), qPrintable(name));
    }

    void profileStoreKeepsThePassphraseInTheKeychain()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("profiles.ini"));
        ConnectionProfile profile;
        profile.name = QStringLiteral("production");
        profile.ssh = *SshSettings::fromDestination(QStringLiteral("deploy@bastion.example.org:2222"));
        profile.ssh.privateKeyFile = QStringLiteral("/home/ops/.ssh/id_ed25519");
        profile.ssh.knownHostsFile = QStringLiteral("/home/ops/.ssh/known_hosts");
        profile.ssh.passphrase = Secret(QStringLiteral("open sesame"));
        InMemorySecretStore secrets;
        {
            QSettings settings(path, QSettings::IniFormat);
            ProfileStore store(settings);
            store.save(profile);
            bool saved = false;
            ProfileStore::saveSecrets(profile, secrets, [&saved](Status status) { saved = status.ok(); });
            QVERIFY(saved);
        }
        QFile written(path);
        QVERIFY(written.open(QIODevice::ReadOnly));
        const QByteArray ini = written.readAll();
        QVERIFY(ini.contains("bastion.example.org"));
        QVERIFY(!ini.contains("open sesame"));

        QSettings settings(path, QSettings::IniFormat);
        ProfileStore store(settings);
        auto loaded = store.load(QStringLiteral("production"));
        QVERIFY(loaded);
        QVERIFY(loaded->ssh.passphrase.isEmpty());
        std::optional<Result<ConnectionProfile>> resolved;
        ProfileStore::resolveSecrets(*loaded, secrets, [&resolved](Result<ConnectionProfile> r) { resolved = r; });
        QVERIFY(resolved && *resolved);
        QCOMPARE((*resolved)->ssh, profile.ssh);

        // Without SSH nothing of it is written, and a stored passphrase is removed.
        profile.ssh = {};
        store.save(profile);
        bool saved = false;
        ProfileStore::saveSecrets(profile, secrets, [&saved](Status status) { saved = status.ok(); });
        QVERIFY(saved);
        settings.sync();
        QVERIFY(!settings.contains(QStringLiteral("profiles/production/ssh/host")));
        bool removed = false;
        secrets.read(ProfileStore::secretKey(QStringLiteral("production"), QStringLiteral("ssh.key_passphrase")),
                     [&removed](Result<Secret> secret) { removed = !secret && secret.error().kind == ErrorKind::NotFound; });
        QVERIFY(removed);
    }
};

QTEST_GUILESS_MAIN(TestSshSettings)
#include "tst_sshsettings.moc"
