#include "core/connectionprofile.h"

#include <QDebug>
#include <QTest>

using namespace tiersync;

class TestSettings final : public QObject {
    Q_OBJECT

private slots:
    void redisUrlParses()
    {
        auto s = RedisSettings::fromUrl(QStringLiteral("redis://:p%40ss@10.1.2.3:6380/4"));
        QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().toString()));
        QCOMPARE(s->host, QStringLiteral("10.1.2.3"));
        QCOMPARE(s->port, 6380);
        QCOMPARE(s->db, 4);
        QCOMPARE(s->password.reveal(), QStringLiteral("p@ss"));
    }

    void redisUrlDefaults()
    {
        auto s = RedisSettings::fromUrl(QStringLiteral("redis://localhost"));
        QVERIFY(s.ok());
        QCOMPARE(s->port, 6379);
        QCOMPARE(s->db, 0);
        QVERIFY(s->password.isEmpty());
    }

    void redisUrlRejectsGarbage_data()
    {
        QTest::addColumn<QString>("url");
        QTest::newRow("scheme") << QStringLiteral("http://localhost:6379");
        QTest::newRow("db") << QStringLiteral("redis://localhost:6379/abc");
        QTest::newRow("empty") << QString();
        QTest::newRow("nohost") << QStringLiteral("redis://:6379/0");
        QTest::newRow("zone-not-unreserved") << QString::fromUtf8("redis://[fe80::1%25e\xc3\xa9]:6379/0");
        QTest::newRow("sentinel-no-master") << QStringLiteral("redis-sentinel://h1:26379");
        QTest::newRow("sentinel-empty-master") << QStringLiteral("redis-sentinel://h1:26379/");
        QTest::newRow("sentinel-space-in-master") << QStringLiteral("redis-sentinel://h1:26379/my%20master");
        QTest::newRow("sentinel-empty-host") << QStringLiteral("redis-sentinel://h1:26379,/mymaster");
        QTest::newRow("sentinel-bad-port") << QStringLiteral("redis-sentinel://h1:99999/mymaster");
        QTest::newRow("sentinel-db") << QStringLiteral("redis-sentinel://h1/mymaster/x");
        QTest::newRow("sentinel-deep-path") << QStringLiteral("redis-sentinel://h1/mymaster/1/2");
        QTest::newRow("sentinel-query-in-host") << QStringLiteral("redis-sentinel://h1?x=1/mymaster");
        QTest::newRow("sentinel-too-many") << QStringLiteral("redis-sentinel://") + QStringLiteral("h:1,").repeated(16)
                                                  + QStringLiteral("h:1/m");
    }
    void redisUrlRejectsGarbage()
    {
        QFETCH(QString, url);
        auto s = RedisSettings::fromUrl(url);
        QVERIFY(!s.ok());
        QCOMPARE(s.error().kind, ErrorKind::InvalidArgument);
    }

    void redisUrlRoundTripsAndMasks()
    {
        auto s = RedisSettings::fromUrl(QStringLiteral("redis://:hunter2@127.0.0.1:7000/2"));
        QVERIFY(s.ok());
        QVERIFY(!s->toUrl().contains(QStringLiteral("hunter2")));
        auto again = RedisSettings::fromUrl(s->toUrl(true));
        QVERIFY(again.ok());
        QCOMPARE(*again, *s);
    }

    // Every URL the parser takes is written back to one that reads as the same settings:
    // reserved characters in the password, IPv6 hosts and their zone ids (the '%' is written
    // "%25"; fuzz_connection_urls found the zone written raw).
    void redisUrlWritesBackWhatItRead_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("host");
        QTest::addColumn<QString>("written");
        QTest::newRow("plain") << QStringLiteral("redis://localhost:6379/0") << QStringLiteral("localhost")
                               << QStringLiteral("redis://localhost:6379/0");
        QTest::newRow("ipv6") << QStringLiteral("redis://[::1]:6390/2") << QStringLiteral("::1")
                              << QStringLiteral("redis://[::1]:6390/2");
        QTest::newRow("zone") << QStringLiteral("redis://[fe80::1%25eth0]:6379/1") << QStringLiteral("fe80::1%eth0")
                              << QStringLiteral("redis://[fe80::1%25eth0]:6379/1");
        QTest::newRow("password") << QStringLiteral("redis://:p%2Fw%20d%40%3A@h:1/3") << QStringLiteral("h")
                                  << QStringLiteral("redis://:p%2Fw%20d%40:@h:1/3");  // ':' may stay in a password
    }
    void redisUrlWritesBackWhatItRead()
    {
        QFETCH(QString, url);
        QFETCH(QString, host);
        QFETCH(QString, written);
        auto s = RedisSettings::fromUrl(url);
        QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().message));
        QCOMPARE(s->host, host);
        QCOMPARE(s->toUrl(true), written);
        auto again = RedisSettings::fromUrl(s->toUrl(true));
        QVERIFY(again.ok());
        QCOMPARE(*again, *s);
    }

    // Redis 6+ ACL users: the user name before the colon is the ACL user (it was ignored
    // before), kept in the URL written back; the password is masked as ever.
    void redisUrlCarriesTheAclUser()
    {
        auto s = RedisSettings::fromUrl(QStringLiteral("redis://app%40eu:s3cret@10.0.0.5:6380/3"));
        QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().message));
        QCOMPARE(s->username, QStringLiteral("app@eu"));
        QCOMPARE(s->password.reveal(), QStringLiteral("s3cret"));
        QVERIFY(!s->usesSentinel());
        QCOMPARE(s->toUrl(true), QStringLiteral("redis://app%40eu:s3cret@10.0.0.5:6380/3"));
        QVERIFY(!s->toUrl().contains(QStringLiteral("s3cret")));
        QVERIFY(s->toUrl().startsWith(QStringLiteral("redis://app%40eu:")));
        auto userOnly = RedisSettings::fromUrl(QStringLiteral("redis://reader@h/0"));
        QVERIFY(userOnly.ok());
        QCOMPARE(userOnly->username, QStringLiteral("reader"));
        QVERIFY(userOnly->password.isEmpty());
        QCOMPARE(*RedisSettings::fromUrl(userOnly->toUrl(true)), *userOnly);
        auto noUser = RedisSettings::fromUrl(QStringLiteral("redis://:pw@h/0"));
        QVERIFY(noUser.ok() && noUser->username.isEmpty());
    }

    void redisSentinelUrl()
    {
        auto s = RedisSettings::fromUrl(
            QStringLiteral("redis-sentinel://app:pw@10.0.0.1:26379,[::1]:26380,sentinel-c/my%2Bmaster/5"));
        QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().message));
        QVERIFY(s->usesSentinel());
        QCOMPARE(s->sentinels.size(), 3);
        QCOMPARE(s->sentinels.at(0), (RedisSettings::Endpoint{QStringLiteral("10.0.0.1"), 26379}));
        QCOMPARE(s->sentinels.at(1), (RedisSettings::Endpoint{QStringLiteral("::1"), 26380}));
        QCOMPARE(s->sentinels.at(2), (RedisSettings::Endpoint{QStringLiteral("sentinel-c"), 26379}));
        QCOMPARE(s->masterName, QStringLiteral("my+master"));
        QCOMPARE(s->db, 5);
        QCOMPARE(s->username, QStringLiteral("app"));
        QCOMPARE(s->password.reveal(), QStringLiteral("pw"));
        QCOMPARE(s->toUrl(true),
                 QStringLiteral("redis-sentinel://app:pw@10.0.0.1:26379,[::1]:26380,sentinel-c:26379/my%2Bmaster/5"));
        QVERIFY(!s->toUrl().contains(QStringLiteral(":pw@")));
        QCOMPARE(*RedisSettings::fromUrl(s->toUrl(true)), *s);
        QCOMPARE(s->describe(), QStringLiteral("master 'my+master' via 10.0.0.1:26379,::1:26380,sentinel-c:26379/5"));
        QCOMPARE(s->sentinelsText(), QStringLiteral("10.0.0.1:26379,[::1]:26380,sentinel-c:26379"));
        auto alias = RedisSettings::fromUrl(QStringLiteral("redis+sentinel://h/m"));
        QVERIFY(alias.ok());
        QCOMPARE(alias->masterName, QStringLiteral("m"));
        QCOMPARE(alias->db, 0);
        auto parsed = RedisSettings::parseSentinels(QStringLiteral(" a:1 , [fe80::1%25eth0]:2"));
        QVERIFY(parsed.ok());
        QCOMPARE(parsed->size(), 2);
        QCOMPARE(parsed->at(1).host, QStringLiteral("fe80::1%eth0"));
        QVERIFY(!RedisSettings::parseSentinels(QString()).ok());
    }

    void pgDsnBothForms_data()
    {
        QTest::addColumn<QString>("dsn");
        QTest::newRow("uri") << QStringLiteral("postgresql://app:s3cret@127.0.0.1:5433/tiersync");
        QTest::newRow("kv") << QStringLiteral("host=127.0.0.1 port=5433 dbname=tiersync user=app password=s3cret");
    }
    void pgDsnBothForms()
    {
        QFETCH(QString, dsn);
        auto s = PgSettings::fromDsn(dsn);
        QVERIFY(s.ok());
        QCOMPARE(s->options.value(QStringLiteral("host")), QStringLiteral("127.0.0.1"));
        QCOMPARE(s->options.value(QStringLiteral("port")), QStringLiteral("5433"));
        QCOMPARE(s->options.value(QStringLiteral("dbname")), QStringLiteral("tiersync"));
        QCOMPARE(s->password.reveal(), QStringLiteral("s3cret"));
        QVERIFY(!s->toConnectionString(false).contains(QStringLiteral("s3cret")));
        QVERIFY(s->toConnectionString(true).contains(QStringLiteral("s3cret")));
        QVERIFY(!s->describe().contains(QStringLiteral("s3cret")));
        auto again = PgSettings::fromDsn(s->toConnectionString(true));
        QVERIFY(again.ok());
        QCOMPARE(*again, *s);
    }

    void pgDsnRejectsGarbage()
    {
        auto s = PgSettings::fromDsn(QStringLiteral("host=x port"));
        QVERIFY(!s.ok());
        QCOMPARE(s.error().kind, ErrorKind::InvalidArgument);
    }

    void environmentWinsOverProfile()
    {
        ConnectionProfile profile;
        profile.zoho.orgId = QStringLiteral("from-profile");
        profile.redis.commandTimeoutMs = 1234;
        QProcessEnvironment environment;
        environment.insert(QStringLiteral("TIERSYNC_REDIS_URL"), QStringLiteral("redis://127.0.0.1:7001/3"));
        environment.insert(QStringLiteral("TIERSYNC_ZOHO_ORG_ID"), QStringLiteral("from-env"));
        environment.insert(QStringLiteral("TIERSYNC_ZOHO_REFRESH_TOKEN"), QStringLiteral("1000.rt"));
        QVERIFY(profile.applyEnvironment(environment).ok());
        QCOMPARE(profile.redis.port, 7001);
        QCOMPARE(profile.redis.db, 3);
        QCOMPARE(profile.redis.commandTimeoutMs, 1234);
        QCOMPARE(profile.zoho.orgId, QStringLiteral("from-env"));
        QCOMPARE(profile.zoho.refreshToken.reveal(), QStringLiteral("1000.rt"));

        // toEnvironment() then applyEnvironment() reproduces the profile.
        QProcessEnvironment exported;
        for (const auto &[name, value] : profile.toEnvironment())
            exported.insert(name, value);
        ConnectionProfile copy;
        copy.redis.commandTimeoutMs = 1234;
        QVERIFY(copy.applyEnvironment(exported).ok());
        copy.name = profile.name;
        QCOMPARE(copy.redis, profile.redis);
        QCOMPARE(copy.zoho, profile.zoho);
    }

    void malformedEnvironmentNamesTheVariable()
    {
        ConnectionProfile profile;
        QProcessEnvironment environment;
        environment.insert(QStringLiteral("TIERSYNC_REDIS_URL"), QStringLiteral("not a url"));
        const Status status = profile.applyEnvironment(environment);
        QVERIFY(!status.ok());
        QVERIFY(status.error().message.contains(QStringLiteral("TIERSYNC_REDIS_URL")));
    }

    void secretsNeverPrint()
    {
        const Secret secret(QStringLiteral("top-secret-value"));
        QString out;
        QDebug(&out) << secret;
        QVERIFY(!out.contains(QStringLiteral("top-secret-value")));
    }

    void dataCentres()
    {
        auto eu = zohoDataCentre(QStringLiteral("eu"));
        QVERIFY(eu.ok());
        QCOMPARE(eu->accountsUrl, QStringLiteral("https://accounts.zoho.eu"));
        auto ca = zohoDataCentre(QStringLiteral("ca"));
        QVERIFY(ca.ok());
        QCOMPARE(ca->accountsUrl, QStringLiteral("https://accounts.zohocloud.ca"));
        QCOMPARE(ca->apiBase, QStringLiteral("https://www.zohoapis.ca"));
        QVERIFY(!zohoDataCentre(QStringLiteral("mars")).ok());
    }

    void pgDsnSeveralHosts_data()
    {
        QTest::addColumn<QString>("dsn");
        QTest::newRow("kv") << QStringLiteral("host=h1,h2 port=5432,5433 dbname=tiersync user=app "
                                              "password=s3cret target_session_attrs=read-write");
        QTest::newRow("uri") << QStringLiteral("postgresql://app:s3cret@h1:5432,h2:5433/tiersync"
                                               "?target_session_attrs=read-write");
    }
    void pgDsnSeveralHosts()
    {
        QFETCH(QString, dsn);
        auto s = PgSettings::fromDsn(dsn);
        QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().message));
        QCOMPARE(s->options.value(QStringLiteral("host")), QStringLiteral("h1,h2"));
        QCOMPARE(s->options.value(QStringLiteral("port")), QStringLiteral("5432,5433"));
        QCOMPARE(s->options.value(QStringLiteral("target_session_attrs")), QStringLiteral("read-write"));
        QCOMPARE(s->password.reveal(), QStringLiteral("s3cret"));
        const QList<PgSettings::Endpoint> expected = {{QStringLiteral("h1"), QStringLiteral("5432")},
                                                      {QStringLiteral("h2"), QStringLiteral("5433")}};
        QCOMPARE(s->endpoints(), expected);
        QVERIFY(s->hasSeveralHosts());
        QVERIFY(s->requiresReadWrite());
        QCOMPARE(s->describe(), QStringLiteral("h1:5432,h2:5433/tiersync"));

        // Both hosts survive the round trip, and nothing printable holds the password.
        auto again = PgSettings::fromDsn(s->toConnectionString(true));
        QVERIFY(again.ok());
        QCOMPARE(*again, *s);
        auto withoutPassword = PgSettings::fromDsn(s->toConnectionString(false));
        QVERIFY(withoutPassword.ok());
        QCOMPARE(withoutPassword->endpoints(), expected);
        QVERIFY(withoutPassword->password.isEmpty());
        QVERIFY(!s->toConnectionString(false).contains(QStringLiteral("s3cret")));
        QVERIFY(!s->describe().contains(QStringLiteral("s3cret")));
    }

    void pgDsnSeveralHostsEndpoints_data()
    {
        QTest::addColumn<QString>("dsn");
        QTest::addColumn<QString>("described");
        QTest::newRow("one port for all") << QStringLiteral("host=a,b,c port=6000 dbname=d")
                                          << QStringLiteral("a:6000,b:6000,c:6000/d");
        QTest::newRow("no port") << QStringLiteral("host=a,b dbname=d") << QStringLiteral("a:5432,b:5432/d");
        QTest::newRow("uri, second port default") << QStringLiteral("postgresql://a:6000,b/d")
                                                  << QStringLiteral("a:6000,b:5432/d");
        QTest::newRow("uri, ipv6") << QStringLiteral("postgresql://[::1]:6000,[fe80::2]:6001/d")
                                   << QStringLiteral("[::1]:6000,[fe80::2]:6001/d");
        QTest::newRow("hostaddr only") << QStringLiteral("hostaddr=10.0.0.1,10.0.0.2 port=1,2 dbname=d")
                                       << QStringLiteral("10.0.0.1:1,10.0.0.2:2/d");
        QTest::newRow("single host unchanged") << QStringLiteral("host=db port=5433 dbname=d")
                                               << QStringLiteral("db:5433/d");
        QTest::newRow("nothing") << QString() << QStringLiteral("localhost:5432/");
    }
    void pgDsnSeveralHostsEndpoints()
    {
        QFETCH(QString, dsn);
        QFETCH(QString, described);
        auto s = PgSettings::fromDsn(dsn);
        QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().message));
        QCOMPARE(s->describe(), described);
        auto again = PgSettings::fromDsn(s->toConnectionString(true));
        QVERIFY(again.ok());
        QCOMPARE(again->describe(), described);
    }

    void pgDsnSeveralHostsDefaultToTheWritableOne()
    {
        // The engine writes: several hosts with no target_session_attrs connect to the
        // read-write one; an explicit choice is kept, and one host is left alone.
        auto several = PgSettings::fromDsn(QStringLiteral("host=a,b dbname=d"));
        QVERIFY(several.ok());
        QVERIFY(!several->options.contains(QStringLiteral("target_session_attrs")));
        QCOMPARE(several->effectiveTargetSessionAttrs(), QStringLiteral("read-write"));
        QVERIFY(several->requiresReadWrite());
        QCOMPARE(several->withSessionDefaults().options.value(QStringLiteral("target_session_attrs")),
                 QStringLiteral("read-write"));
        QVERIFY(several->withSessionDefaults().toConnectionString(false).contains(
            QStringLiteral("target_session_attrs='read-write'")));

        auto explicitAny = PgSettings::fromDsn(QStringLiteral("host=a,b target_session_attrs=any"));
        QVERIFY(explicitAny.ok());
        QVERIFY(!explicitAny->requiresReadWrite());
        QCOMPARE(explicitAny->withSessionDefaults(), *explicitAny);

        auto primary = PgSettings::fromDsn(QStringLiteral("host=a,b target_session_attrs=primary"));
        QVERIFY(primary.ok());
        QVERIFY(primary->requiresReadWrite());

        auto single = PgSettings::fromDsn(QStringLiteral("host=a dbname=d"));
        QVERIFY(single.ok());
        QVERIFY(!single->hasSeveralHosts());
        QVERIFY(!single->requiresReadWrite());
        QCOMPARE(single->withSessionDefaults(), *single);
    }

    void pgDsnSeveralHostsRejectsMismatches_data()
    {
        QTest::addColumn<QString>("dsn");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("ports vs hosts") << QStringLiteral("host=a,b,c port=1,2") << QStringLiteral("2 ports for 3 hosts");
        QTest::newRow("uri ports vs hosts") << QStringLiteral("postgresql://a,b/d?port=1,2,3")
                                            << QStringLiteral("3 ports for 2 hosts");
        QTest::newRow("hostaddr vs host") << QStringLiteral("host=a,b hostaddr=10.0.0.1")
                                          << QStringLiteral("2 hosts but 1 host addresses");
        QTest::newRow("port not a number") << QStringLiteral("host=a,b port=5432,x") << QStringLiteral("\"x\"");
        QTest::newRow("port out of range") << QStringLiteral("host=a port=70000") << QStringLiteral("\"70000\"");
        QTest::newRow("unknown session attrs") << QStringLiteral("host=a,b target_session_attrs=writable")
                                               << QStringLiteral("target_session_attrs \"writable\"");
    }
    void pgDsnSeveralHostsRejectsMismatches()
    {
        QFETCH(QString, dsn);
        QFETCH(QString, mentions);
        auto s = PgSettings::fromDsn(dsn + QStringLiteral(" password=s3cret"));
        if (dsn.startsWith(QLatin1String("postgresql://")))
            s = PgSettings::fromDsn(dsn + QStringLiteral("&password=s3cret"));
        QVERIFY(!s.ok());
        QCOMPARE(s.error().kind, ErrorKind::InvalidArgument);
        QVERIFY2(s.error().message.contains(mentions), qPrintable(s.error().message));
        QVERIFY(!s.error().message.contains(QStringLiteral("s3cret")));
    }
};

QTEST_GUILESS_MAIN(TestSettings)
#include "tst_settings.moc"
