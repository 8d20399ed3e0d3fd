#include "core/profilestore.h"

#include <QFile>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace tiersync;

class TestProfileStore final : public QObject {
    Q_OBJECT

private slots:
    void savesWithoutSecretsAndResolvesThem()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("settings.ini"));
        ConnectionProfile profile;
        profile.name = QStringLiteral("prod");
        profile.redis.host = QStringLiteral("cache.internal");
        profile.redis.port = 6380;
        profile.redis.password = Secret(QStringLiteral("redis-pw-123"));
        auto pg = PgSettings::fromDsn(QStringLiteral("host=db port=5432 dbname=ts user=app password=pg-pw-456"));
        QVERIFY(pg.ok());
        profile.pg = *pg;
        profile.zoho.orgId = QStringLiteral("600000001");
        profile.zoho.clientId = QStringLiteral("1000.ABC");
        profile.zoho.clientSecret = Secret(QStringLiteral("client-secret-789"));
        profile.zoho.refreshToken = Secret(QStringLiteral("refresh-token-000"));

        InMemorySecretStore secrets;
        {
            QSettings settings(path, QSettings::IniFormat);
            ProfileStore store(settings);
            store.save(profile);
            bool saved = false;
            ProfileStore::saveSecrets(profile, secrets, [&](Status s) { saved = s.ok(); });
            QVERIFY(saved);
        }

        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray ini = file.readAll();
        for (const char *secret : {"redis-pw-123", "pg-pw-456", "client-secret-789", "refresh-token-000"})
            QVERIFY2(!ini.contains(secret), secret);

        QSettings settings(path, QSettings::IniFormat);
        ProfileStore store(settings);
        QCOMPARE(store.profileNames(), QStringList{QStringLiteral("prod")});
        auto loaded = store.load(QStringLiteral("prod"));
        QVERIFY(loaded.ok());
        QVERIFY(loaded->zoho.refreshToken.isEmpty());
        QCOMPARE(loaded->redis.host, QStringLiteral("cache.internal"));

        std::optional<Result<ConnectionProfile>> resolved;
        ProfileStore::resolveSecrets(*loaded, secrets, [&](Result<ConnectionProfile> r) { resolved = r; });
        QVERIFY(resolved.has_value() && resolved->ok());
        QCOMPARE(resolved->value(), profile);
    }

    // The ACL user and Sentinel's addresses are settings, not secrets: kept in the file,
    // read back as they were; the password still goes to the keychain only.
    void keepsTheAclUserAndSentinels()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("settings.ini"));
        ConnectionProfile profile;
        profile.name = QStringLiteral("ha");
        auto redis = RedisSettings::fromUrl(QStringLiteral("redis-sentinel://app:redis-pw-123@s1:26379,[::1]:26380/mymaster/2"));
        QVERIFY(redis.ok());
        profile.redis = *redis;
        {
            QSettings settings(path, QSettings::IniFormat);
            ProfileStore(settings).save(profile);
        }
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(!file.readAll().contains("redis-pw-123"));
        QSettings settings(path, QSettings::IniFormat);
        auto loaded = ProfileStore(settings).load(QStringLiteral("ha"));
        QVERIFY(loaded.ok());
        QCOMPARE(loaded->redis.username, QStringLiteral("app"));
        QCOMPARE(loaded->redis.sentinels, profile.redis.sentinels);
        QCOMPARE(loaded->redis.masterName, QStringLiteral("mymaster"));
        QCOMPARE(loaded->redis.db, 2);
        QVERIFY(loaded->redis.password.isEmpty());
        loaded->redis.password = profile.redis.password;
        QCOMPARE(loaded->redis, profile.redis);
    }

    void resolveAppliesEnvironmentOverProfile()
    {
        QTemporaryDir dir;
        QSettings settings(dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
        ProfileStore store(settings);
        ConnectionProfile profile;
        profile.name = QStringLiteral("staging");
        profile.zoho.orgId = QStringLiteral("111");
        profile.zoho.clientSecret = Secret(QStringLiteral("from-keychain"));
        store.save(profile);
        InMemorySecretStore secrets;
        ProfileStore::saveSecrets(profile, secrets, [](Status) {});

        QProcessEnvironment environment;
        environment.insert(QStringLiteral("TIERSYNC_ZOHO_ORG_ID"), QStringLiteral("222"));
        std::optional<Result<ConnectionProfile>> resolved;
        store.resolve(QStringLiteral("staging"), secrets, environment,
                      [&](Result<ConnectionProfile> r) { resolved = r; });
        QVERIFY(resolved && resolved->ok());
        QCOMPARE(resolved->value().zoho.orgId, QStringLiteral("222"));
        QCOMPARE(resolved->value().zoho.clientSecret.reveal(), QStringLiteral("from-keychain"));

        // No profile name: defaults plus environment.
        resolved.reset();
        store.resolve(QString(), secrets, environment, [&](Result<ConnectionProfile> r) { resolved = r; });
        QVERIFY(resolved && resolved->ok());
        QCOMPARE(resolved->value().zoho.orgId, QStringLiteral("222"));
        QVERIFY(resolved->value().zoho.clientSecret.isEmpty());

        resolved.reset();
        store.resolve(QStringLiteral("missing"), secrets, environment,
                      [&](Result<ConnectionProfile> r) { resolved = r; });
        QVERIFY(resolved && !resolved->ok());
    }

    void unknownProfileIsAnError()
    {
        QTemporaryDir dir;
        QSettings settings(dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
        ProfileStore store(settings);
        auto loaded = store.load(QStringLiteral("nope"));
        QVERIFY(!loaded.ok());
        QCOMPARE(loaded.error().kind, ErrorKind::NotFound);
    }
};

QTEST_GUILESS_MAIN(TestProfileStore)
#include "tst_profilestore.moc"
