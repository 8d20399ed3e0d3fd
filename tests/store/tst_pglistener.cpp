#include "pgtestdatabase.h"
#include "testsandbox.h"

#include "store/migrator.h"
#include "store/pgconnection.h"
#include "store/pglistener.h"
#include "store/settingsrepository.h"

#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <pqxx/pqxx>

#include <memory>

using namespace tiersync;
using tiersync::test::PgTestDatabase;

// Lives in the test (main) thread. The listener's signals reach it queued, so the spies
// below are only ever touched by this thread, and the slot records which thread ran it.
class Relay final : public QObject {
    Q_OBJECT

public:
    QThread *deliveredOn = nullptr;

signals:
    void notification(const QString &channel, const QString &payload);
    void listening();
    void lost(const QString &reason);
    void restored();

public slots:
    void onNotification(const QString &channel, const QString &payload)
    {
        deliveredOn = QThread::currentThread();
        emit notification(channel, payload);
    }
};

class TestPgListener final : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        auto database = PgTestDatabase::create(profile.pg, QStringLiteral("pglistener"));
        QVERIFY2(database.ok(), qPrintable(database.ok() ? QString() : database.error().toString()));
        m_database = std::move(*database);
        m_connection = std::make_unique<PgConnection>(m_database->settings());
        auto migrated = Migrator().migrate(*m_connection);
        QVERIFY2(migrated.ok(), qPrintable(migrated.ok() ? QString() : migrated.error().toString()));
    }

    void cleanupTestCase()
    {
        m_connection.reset();
        m_database.reset();
    }

    void settingsChangeReachesListener()
    {
        PgListener listener(m_database->settings(), {QLatin1String(SettingsRepository::kChannel)});
        Relay relay;
        connect(&listener, &PgListener::notification, &relay, &Relay::onNotification);
        connect(&listener, &PgListener::listening, &relay, &Relay::listening);
        QSignalSpy notifications(&relay, &Relay::notification);
        QSignalSpy listening(&relay, &Relay::listening);
        listener.start();
        QTRY_COMPARE(listening.count(), 1);
        QVERIFY(listener.isListening());
        QVERIFY(listener.backendPid() > 0);

        SettingsRepository settings(*m_connection);
        QVERIFY(settings.setCachingEnabled(false, QStringLiteral("test")).ok());
        QTRY_COMPARE(notifications.count(), 1);
        QCOMPARE(notifications.at(0).at(0).toString(), QStringLiteral("tiersync_settings"));
        QCOMPARE(notifications.at(0).at(1).toString(), QStringLiteral("caching_enabled"));
        QCOMPARE(relay.deliveredOn, QThread::currentThread());
        QVERIFY(!*settings.cachingEnabled());

        // A rolled-back change announces nothing; the next committed one does.
        QVERIFY(!m_connection
                     ->transaction(QStringLiteral("rolled back"),
                                   [](pqxx::transaction_base &txn) -> Status {
                                       txn.exec("NOTIFY tiersync_settings, 'rolled_back'");
                                       return makeError(ErrorKind::Cancelled, QStringLiteral("no"));
                                   })
                     .ok());
        QVERIFY(settings.set(QStringLiteral("other"), QStringLiteral("1"), QStringLiteral("t")).ok());
        QTRY_COMPARE(notifications.count(), 2);
        QCOMPARE(notifications.at(1).at(1).toString(), QStringLiteral("other"));

        listener.stop();
        QVERIFY(!listener.isRunning());
        QVERIFY(!listener.isListening());
    }

    void listensToSeveralChannels()
    {
        PgListener listener(m_database->settings(), {QStringLiteral("a"), QStringLiteral("b")});
        Relay relay;
        connect(&listener, &PgListener::notification, &relay, &Relay::onNotification);
        connect(&listener, &PgListener::listening, &relay, &Relay::listening);
        QSignalSpy notifications(&relay, &Relay::notification);
        QSignalSpy listening(&relay, &Relay::listening);
        listener.start();
        QTRY_COMPARE(listening.count(), 1);
        QVERIFY(m_connection
                    ->nonTransaction(QStringLiteral("notify"),
                                     [](pqxx::transaction_base &txn) -> Status {
                                         txn.exec("NOTIFY a, 'one'");
                                         txn.exec("NOTIFY c, 'not for us'");
                                         txn.exec("NOTIFY b, 'two'");
                                         return {};
                                     })
                    .ok());
        QTRY_COMPARE(notifications.count(), 2);
        QCOMPARE(notifications.at(0).at(0).toString(), QStringLiteral("a"));
        QCOMPARE(notifications.at(0).at(1).toString(), QStringLiteral("one"));
        QCOMPARE(notifications.at(1).at(0).toString(), QStringLiteral("b"));
    }

    void reconnectsAndListensAgainAfterTermination()
    {
        PgListener::Options options;
        options.reconnectDelayMs = 50;
        PgListener listener(m_database->settings(), {QLatin1String(SettingsRepository::kChannel)},
                            options);
        Relay relay;
        connect(&listener, &PgListener::notification, &relay, &Relay::onNotification);
        connect(&listener, &PgListener::listening, &relay, &Relay::listening);
        connect(&listener, &PgListener::connectionLost, &relay, &Relay::lost);
        connect(&listener, &PgListener::connectionRestored, &relay, &Relay::restored);
        QSignalSpy notifications(&relay, &Relay::notification);
        QSignalSpy listening(&relay, &Relay::listening);
        QSignalSpy lost(&relay, &Relay::lost);
        QSignalSpy restored(&relay, &Relay::restored);
        listener.start();
        QTRY_COMPARE(listening.count(), 1);
        const int pid = listener.backendPid();

        QVERIFY(m_connection
                    ->nonTransaction(QStringLiteral("kill listener"),
                                     [&](pqxx::transaction_base &txn) -> Status {
                                         txn.exec("SELECT pg_terminate_backend("
                                                  + std::to_string(pid) + ")");
                                         return {};
                                     })
                    .ok());
        QTRY_COMPARE(lost.count(), 1);
        QTRY_COMPARE(restored.count(), 1);
        QCOMPARE(listening.count(), 2);
        QVERIFY(listener.backendPid() != pid);
        QCOMPARE(notifications.count(), 0);

        SettingsRepository settings(*m_connection);
        QVERIFY(settings.setCachingEnabled(true, QStringLiteral("test")).ok());
        QTRY_COMPARE(notifications.count(), 1);
        QCOMPARE(notifications.at(0).at(1).toString(), QStringLiteral("caching_enabled"));
    }

    void unreachableServerReportsLossAndStopsCleanly()
    {
        PgSettings settings = m_database->settings();
        settings.options.insert(QStringLiteral("host"), QStringLiteral("127.0.0.1"));
        settings.options.insert(QStringLiteral("port"), QStringLiteral("1"));
        settings.password = Secret(QStringLiteral("hunter2-do-not-print"));
        PgListener::Options options;
        options.reconnectDelayMs = 20;
        options.maxReconnectDelayMs = 40;
        PgListener listener(settings, {QStringLiteral("x")}, options);
        Relay relay;
        connect(&listener, &PgListener::connectionLost, &relay, &Relay::lost);
        QSignalSpy lost(&relay, &Relay::lost);
        listener.start();
        QTRY_COMPARE(lost.count(), 1);
        QVERIFY(!lost.at(0).at(0).toString().contains(QLatin1String("hunter2")));
        // Retrying does not repeat the signal for every attempt.
        QTest::qWait(200);
        QCOMPARE(lost.count(), 1);
        QVERIFY(!listener.isListening());
        listener.stop();
        QVERIFY(!listener.isRunning());
    }

    void stopBeforeAnythingHappenedIsSafe()
    {
        PgListener listener(m_database->settings(), {QStringLiteral("x")});
        listener.stop();
        listener.start();
        listener.stop();
        listener.start();
        // Destroyed while running: the destructor stops it.
    }

private:
    std::unique_ptr<PgTestDatabase> m_database;
    std::unique_ptr<PgConnection> m_connection;
};

QTEST_GUILESS_MAIN(TestPgListener)
#include "tst_pglistener.moc"
