// The caching switch across running engines: two engines in this process (each with its
// own listener, thread and connections) and `tiersync caching off|on` run as a separate
// process, against the fixture's PostgreSQL (a scratch database: NOTIFY is per
// database) and Redis (a db of this test's own).
#include "cachetestsupport.h"
#include "pgtestdatabase.h"
#include "testsandbox.h"

#include "cache/cachekeys.h"
#include "cache/readstatistics.h"
#include "redis/redisconnection.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "store/settingsrepository.h"

#include <QDir>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

#include <memory>

#include <pqxx/pqxx>

using namespace tiersync;
using namespace tiersync::test;

namespace {

constexpr int kRedisDb = 22;
// The issue asks for "within a second"; the listener hears a NOTIFY in ~50 ms.
constexpr int kApplyWithinMs = 1000;

}  // namespace

class TestCachingSwitch final : public QObject {
    Q_OBJECT

private:
    ConnectionProfile m_profile;
    std::unique_ptr<PgTestDatabase> m_database;

    std::unique_ptr<CacheEngine> makeEngine()
    {
        auto engine = CacheEngine::create(testEngineOptions(m_profile));
        if (!engine)
            qWarning() << engine.error().toString();
        return engine ? std::move(*engine) : nullptr;
    }

    // `tiersync caching <action>` as another process, pointed at the scratch database.
    QString runCli(const QString &action)
    {
        QProcess process;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("TIERSYNC_PG_DSN"), m_profile.pg.toConnectionString(true));
        environment.remove(QStringLiteral("TIERSYNC_CACHE_ENABLED"));
        process.setProcessEnvironment(environment);
        process.start(QDir(qEnvironmentVariable("TIERSYNC_TEST_BINARY_DIR")).filePath(QStringLiteral("bin/tiersync")),
                      {QStringLiteral("caching"), action, QStringLiteral("--json")});
        if (!process.waitForFinished(30000) || process.exitCode() != 0)
            return QStringLiteral("FAILED: %1 %2").arg(QString::fromUtf8(process.readAllStandardError()),
                                                      process.errorString());
        return QString::fromUtf8(process.readAllStandardOutput()).trimmed();
    }

    static ReadSource sourceOf(CacheEngine &engine, qint64 id)
    {
        auto result = engine.read(QStringLiteral("profile"), id, false);
        return result ? result->source : ReadSource::Stale;
    }

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        auto database = PgTestDatabase::create(profile.pg, QStringLiteral("cachingswitch"));
        QVERIFY2(database.ok(), qPrintable(database.ok() ? QString() : database.error().toString()));
        m_database = std::move(*database);
        m_profile = profile;
        m_profile.pg = m_database->settings();
        m_profile.redis.db = kRedisDb;
        PgConnection connection(m_profile.pg);
        QVERIFY(Migrator().migrate(connection).ok());
        QVERIFY(flushRedisDb(m_profile.redis).ok());
    }

    void cleanupTestCase()
    {
        m_database.reset();
    }

    void switchAppliesToEveryEngineWithinASecond()
    {
        auto first = makeEngine();
        auto second = makeEngine();
        QVERIFY(first && second);
        QVERIFY(first->cachingEnabled());
        QVERIFY(second->cachingEnabled());
        QTRY_VERIFY(first->cachingSwitch()->isListening() && second->cachingSwitch()->isListening());

        // On: the second engine is served what the first one cached.
        QCOMPARE(sourceOf(*first, 5), ReadSource::Zoho);
        QCOMPARE(sourceOf(*second, 5), ReadSource::Redis);

        // Off, from this process.
        PgConnection connection(m_profile.pg);
        QVERIFY(SettingsRepository(connection).setCachingEnabled(false, QStringLiteral("tst_cachingswitch")).ok());
        QTRY_VERIFY_WITH_TIMEOUT(!first->cachingEnabled() && !second->cachingEnabled(), kApplyWithinMs);
        QVERIFY(flushRedisDb(m_profile.redis).ok());
        for (qint64 id : {5, 6, 5}) {
            QCOMPARE(sourceOf(*first, id), ReadSource::Zoho);
            QCOMPARE(sourceOf(*second, id), ReadSource::Zoho);
        }
        QCOMPARE(countEndpointKeys(m_profile.redis).valueOr(-1), 0);  // nothing written to Redis

        // On again, from another process.
        const QString on = runCli(QStringLiteral("on"));
        QVERIFY2(on.contains(QStringLiteral("\"caching_enabled\":true")), qPrintable(on));
        QTRY_VERIFY_WITH_TIMEOUT(first->cachingEnabled() && second->cachingEnabled(), kApplyWithinMs);
        QCOMPARE(sourceOf(*first, 7), ReadSource::Zoho);
        QCOMPARE(sourceOf(*second, 7), ReadSource::Redis);

        // Off from another process; status agrees.
        const QString off = runCli(QStringLiteral("off"));
        QVERIFY2(off.contains(QStringLiteral("\"caching_enabled\":false")), qPrintable(off));
        QTRY_VERIFY_WITH_TIMEOUT(!first->cachingEnabled() && !second->cachingEnabled(), kApplyWithinMs);
        QCOMPARE(sourceOf(*second, 7), ReadSource::Zoho);
        const QString status = runCli(QStringLiteral("status"));
        QVERIFY2(status.contains(QStringLiteral("\"caching_enabled\":false")), qPrintable(status));
        QVERIFY2(status.contains(QStringLiteral("\"updated_by\":\"cli:")), qPrintable(status));
        QVERIFY(first->metrics().contains("tiersync_caching_enabled 0\n"));

        QVERIFY(SettingsRepository(connection).setCachingEnabled(true, QStringLiteral("tst_cachingswitch")).ok());
        QTRY_VERIFY_WITH_TIMEOUT(first->cachingEnabled() && second->cachingEnabled(), kApplyWithinMs);
    }

    // A NOTIFY lost while the listener was away is repaired by the periodic re-read.
    void periodicRereadRepairsAMissedNotification()
    {
        CacheEngine::Options options = testEngineOptions(m_profile);
        options.cachingSwitch.listeningRereadMs = 200;
        auto engine = CacheEngine::create(options);
        QVERIFY(engine.ok());
        QVERIFY((*engine)->cachingEnabled());
        // Written without NOTIFY: only the re-read can see it.
        PgConnection connection(m_profile.pg);
        QVERIFY(connection
                    .transaction(QStringLiteral("silent switch"),
                                 [](pqxx::transaction_base &txn) -> Status {
                                     txn.exec("UPDATE tiersync.settings SET value = 'false'"
                                              " WHERE key = 'caching_enabled'");
                                     return {};
                                 })
                    .ok());
        QTRY_VERIFY(!(*engine)->cachingEnabled());
        QVERIFY(SettingsRepository(connection).setCachingEnabled(true, QStringLiteral("tst_cachingswitch")).ok());
        QTRY_VERIFY((*engine)->cachingEnabled());
    }
};

QTEST_GUILESS_MAIN(TestCachingSwitch)
#include "tst_cachingswitch.moc"
