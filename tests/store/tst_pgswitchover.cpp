// PostgreSQL with several hosts: a primary and a streaming standby of the test's own
// (PgReplicaPair), reached through `host=127.0.0.1,127.0.0.1 port=P,S
// target_session_attrs=read-write`. The same engine objects keep working across a
// switchover with no restart, and nothing acknowledged as committed is lost.

#include "cachetestsupport.h"
#include "pgreplicapair.h"
#include "privatezohosim.h"
#include "testsandbox.h"

#include "cache/cacheengine.h"
#include "store/advisorylock.h"
#include "store/pgconnection.h"
#include "store/pglistener.h"
#include "store/settingsrepository.h"
#include "store/snapshotrepository.h"
#include "store/syncrunrepository.h"

#include <QSignalSpy>
#include <QTest>

#include <pqxx/pqxx>

#include <memory>

using namespace tiersync;
using namespace tiersync::test;

namespace {

constexpr int kRedisDb = 108;  // this test's own db on the fixture's Redis
constexpr int kReconnectWithinMs = 30000;
const QString kChannel = QStringLiteral("tst_switchover");
const QString kApplicationName = QStringLiteral("tst-switchover");

QString describe(const Status &status)
{
    return status ? QString() : status.error().toString();
}

template<typename T>
QString describe(const Result<T> &result)
{
    return result ? QString() : result.error().toString();
}

Status exec(PgConnection &connection, const std::string &sql)
{
    return connection.transaction(QStringLiteral("test statement"), [&](pqxx::transaction_base &txn) -> Status {
        txn.exec(sql);
        return {};
    });
}

// One acknowledged write: the row exists on whatever server is the primary once this returns ok.
Status writeRow(PgConnection &connection, int id,
                PgConnection::Idempotency idempotency = PgConnection::Idempotency::NotIdempotent)
{
    return connection.transaction(
        QStringLiteral("switchover write"),
        [&](pqxx::transaction_base &txn) -> Status {
            txn.exec_params("INSERT INTO switchover_writes (id) VALUES ($1) ON CONFLICT DO NOTHING", id);
            return {};
        },
        idempotency);
}

Result<QList<int>> rowsOn(const PgSettings &server)
{
    PgConnection connection(server);
    QList<int> ids;
    Status read = connection.transaction(QStringLiteral("read writes"), [&](pqxx::transaction_base &txn) -> Status {
        for (const auto &row : txn.exec("SELECT id FROM switchover_writes ORDER BY id"))
            ids.append(row[0].as<int>());
        return {};
    });
    if (!read)
        return read.error();
    return ids;
}

// Sessions of that application on the server; -1 when it cannot be asked.
int sessionsOf(const PgSettings &server, const QString &applicationName)
{
    PgConnection connection(server);
    int count = -1;
    Status read = connection.nonTransaction(QStringLiteral("count sessions"), [&](pqxx::transaction_base &txn) -> Status {
        count = txn.exec_params1("SELECT count(*)::int FROM pg_stat_activity WHERE application_name = $1",
                                 applicationName.toStdString())[0]
                    .as<int>();
        return {};
    });
    return read ? count : -1;
}

QString portOf(const QString &serverAddress)
{
    return serverAddress.section(QLatin1Char(':'), -1);
}

}  // namespace

class TestPgSwitchover final : public QObject {
    Q_OBJECT

    std::unique_ptr<PgReplicaPair> m_pair;
    ConnectionProfile m_profile;
    std::unique_ptr<PrivateZohoSim> m_sim;

    PgConnection::Options writerOptions() const
    {
        PgConnection::Options options;
        options.applicationName = kApplicationName;
        return options;
    }

    static PgListener::Options listenerOptions()
    {
        PgListener::Options options;
        options.healthCheckIntervalMs = 200;  // notices a primary that turned read-only quickly
        return options;
    }

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        m_profile = profile;
        m_profile.redis.db = kRedisDb;
        auto sim = PrivateZohoSim::start({QStringLiteral("--students"), QStringLiteral("50")});
        QVERIFY2(sim.ok(), qPrintable(describe(sim)));
        m_sim = std::move(*sim);
        m_profile.zoho = m_sim->settings();
    }

    void init()
    {
        auto pair = PgReplicaPair::start();
        QVERIFY2(pair.ok(), qPrintable(describe(pair)));
        m_pair = std::move(*pair);
        m_profile.pg = m_pair->multiHostSettings();
        QVERIFY(flushRedisDb(m_profile.redis).ok());
        PgConnection setup(m_pair->primarySettings());
        QVERIFY(exec(setup, "CREATE TABLE switchover_writes (id int PRIMARY KEY)").ok());
    }

    void cleanup() { m_pair.reset(); }

    void cleanupTestCase() { m_sim.reset(); }

    void multiHostDsnReachesThePrimary()
    {
        PgConnection connection(m_pair->multiHostSettings(), writerOptions());
        QVERIFY2(writeRow(connection, 1).ok(), "write through the multi-host DSN");
        QCOMPARE(portOf(connection.serverAddress()), QString::number(m_pair->primaryPort()));
        const QString described = connection.describe();
        QCOMPARE(described, QStringLiteral("127.0.0.1:%1,127.0.0.1:%2/tiersync")
                                .arg(m_pair->primaryPort())
                                .arg(m_pair->standbyPort()));

        // The standby first in the list: libpq skips it for the read-write host.
        PgSettings standbyFirst = m_pair->multiHostSettings();
        standbyFirst.options.insert(QStringLiteral("port"), QStringLiteral("%1,%2")
                                                               .arg(m_pair->standbyPort())
                                                               .arg(m_pair->primaryPort()));
        PgConnection reordered(standbyFirst, writerOptions());
        QVERIFY(writeRow(reordered, 2).ok());
        QCOMPARE(portOf(reordered.serverAddress()), QString::number(m_pair->primaryPort()));

        // With no target_session_attrs the engine still asks for the read-write host.
        standbyFirst.options.remove(QStringLiteral("target_session_attrs"));
        PgConnection defaulted(standbyFirst, writerOptions());
        QVERIFY(writeRow(defaulted, 3).ok());
        QCOMPARE(portOf(defaulted.serverAddress()), QString::number(m_pair->primaryPort()));
    }

    void followsAStoppedPrimary()
    {
        CacheEngine::Options options = testEngineOptions(m_profile);
        // Only the listener (a NOTIFY, or its re-read once it listens again) may bring the
        // new value below: no periodic re-read to hide a deaf switch.
        options.cachingSwitch.listeningRereadMs = 600000;
        options.cachingSwitch.deafRereadMs = 600000;
        auto engine = CacheEngine::create(options);
        QVERIFY2(engine.ok(), qPrintable(describe(engine)));
        QTRY_VERIFY((*engine)->cachingSwitch()->isListening());

        PgConnection writer(m_pair->multiHostSettings(), writerOptions());
        SyncRunRepository runs(writer);
        AdvisoryLock lock(writer, AdvisoryLock::syncLockName(QStringLiteral("products")));
        PgListener listener(m_pair->multiHostSettings(), {kChannel}, listenerOptions());
        QSignalSpy listening(&listener, &PgListener::listening);
        QSignalSpy restored(&listener, &PgListener::connectionRestored);
        QSignalSpy notified(&listener, &PgListener::notification);
        listener.start();
        QTRY_COMPARE(listening.count(), 1);

        // Before: everything on the primary.
        QList<int> acknowledged;
        for (int id = 1; id <= 20; ++id) {
            QVERIFY2(writeRow(writer, id).ok(), "write before the switchover");
            acknowledged << id;
        }
        auto run = runs.start(QStringLiteral("products"), QStringLiteral("incremental"), QStringLiteral("test"));
        QVERIFY2(run.ok(), qPrintable(describe(run)));
        auto locked = lock.tryLock();
        QVERIFY(locked.ok() && *locked);
        auto before = (*engine)->read(QStringLiteral("profile"), 7, false);
        QVERIFY2(before.ok(), qPrintable(describe(before)));
        QCOMPARE(before->source, ReadSource::Zoho);
        QCOMPARE(portOf(writer.serverAddress()), QString::number(m_pair->primaryPort()));

        // The switchover: fast shutdown of the primary, then the standby is promoted.
        m_pair->stopPrimary();
        // Meanwhile nothing accepts writes: the call fails, it is not acknowledged, and its
        // message names both hosts and never the password.
        const Status meanwhile = writeRow(writer, 1000);
        QVERIFY(!meanwhile.ok());
        QCOMPARE(meanwhile.error().kind, ErrorKind::Unavailable);
        const Status refused = writeRow(writer, 1001);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().kind, ErrorKind::Unavailable);
        QVERIFY2(refused.error().message.contains(QString::number(m_pair->standbyPort())),
                 qPrintable(refused.error().message));
        QVERIFY(!refused.error().toString().contains(m_pair->primarySettings().password.reveal()));
        QVERIFY2(m_pair->promoteStandby().ok(), "pg_ctl promote");

        // After: the same objects write to the new primary, with no restart.
        for (int id = 21; id <= 40; ++id) {
            const Status written = writeRow(writer, id);
            QVERIFY2(written.ok(), qPrintable(describe(written)));
            acknowledged << id;
        }
        QCOMPARE(portOf(writer.serverAddress()), QString::number(m_pair->standbyPort()));
        SyncRunRepository::Counters counters;
        counters.synced = 3;
        QVERIFY2(runs.finish(*run, SyncRunStatus::Succeeded, counters).ok(),
                 "the run started on the old primary finishes on the new one");
        auto stored = runs.get(*run);
        QVERIFY(stored.ok() && stored->has_value());
        QCOMPARE((*stored)->status, SyncRunStatus::Succeeded);
        QCOMPARE((*stored)->counters.synced, 3);

        // The old session's advisory lock died with it; it can be taken on the new primary.
        QVERIFY(!lock.isHeld());
        locked = lock.tryLock();
        QVERIFY(locked.ok() && *locked);

        // The read path commits its snapshot on the new primary, and still has the old one.
        auto after = (*engine)->read(QStringLiteral("profile"), 8, false);
        QVERIFY2(after.ok(), qPrintable(describe(after)));
        QCOMPARE(after->source, ReadSource::Zoho);
        PgConnection standby(m_pair->standbySettings());
        SnapshotRepository snapshots(standby);
        auto seven = snapshots.get(QStringLiteral("profile"), 7);
        auto eight = snapshots.get(QStringLiteral("profile"), 8);
        QVERIFY(seven.ok() && seven->has_value());
        QVERIFY(eight.ok() && eight->has_value());

        // Not one acknowledged write lost, none of the refused ones applied.
        auto rows = rowsOn(m_pair->standbySettings());
        QVERIFY2(rows.ok(), qPrintable(describe(rows)));
        QCOMPARE(*rows, acknowledged);

        // The listener LISTENs again on the new primary and hears a NOTIFY sent there.
        QTRY_VERIFY_WITH_TIMEOUT(listener.isListening(), kReconnectWithinMs);
        QCOMPARE(restored.count(), 1);
        QVERIFY(exec(writer, "NOTIFY " + kChannel.toStdString() + ", 'after switchover'").ok());
        QTRY_COMPARE(notified.count(), 1);
        QCOMPARE(notified.first().at(1).toString(), QStringLiteral("after switchover"));

        // So does the engine's caching switch.
        QTRY_VERIFY_WITH_TIMEOUT((*engine)->cachingSwitch()->isListening(), kReconnectWithinMs);
        QVERIFY((*engine)->cachingEnabled());
        QVERIFY(SettingsRepository(writer).setCachingEnabled(false, QStringLiteral("tst_pgswitchover")).ok());
        QTRY_VERIFY_WITH_TIMEOUT(!(*engine)->cachingEnabled(), kReconnectWithinMs);
    }

    void leavesAPrimaryThatTurnedReadOnly()
    {
        PgConnection writer(m_pair->multiHostSettings(), writerOptions());
        PgConnection replaying(m_pair->multiHostSettings(), writerOptions());
        AdvisoryLock lock(writer, AdvisoryLock::syncLockName(QStringLiteral("customers")));
        PgListener listener(m_pair->multiHostSettings(), {kChannel}, listenerOptions());
        QSignalSpy listening(&listener, &PgListener::listening);
        QSignalSpy lost(&listener, &PgListener::connectionLost);
        QSignalSpy notified(&listener, &PgListener::notification);
        listener.start();
        QTRY_COMPARE(listening.count(), 1);
        QVERIFY(writeRow(writer, 1).ok());
        QVERIFY(writeRow(replaying, 2).ok());
        auto locked = lock.tryLock();
        QVERIFY(locked.ok() && *locked);
        const int oldBackend = writer.backendPid();

        // The old primary stays up but refuses writes; the standby is promoted.
        QVERIFY2(m_pair->fencePrimary().ok(), "fence the primary");
        QVERIFY2(m_pair->waitUntilReplayed().ok(), "standby caught up");
        QVERIFY2(m_pair->promoteStandby().ok(), "pg_ctl promote");

        // A write on the session to the read-only host fails once, was rolled back, and the
        // session is given up rather than kept ...
        const Status refused = writeRow(writer, 3);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().kind, ErrorKind::Unavailable);
        QVERIFY2(refused.error().message.contains(QStringLiteral("read-only")), qPrintable(refused.error().message));
        QVERIFY(!writer.isOpen());
        QVERIFY(!lock.isHeld());
        // ... so the next call reaches the new primary.
        QVERIFY(writeRow(writer, 4).ok());
        QVERIFY(writer.backendPid() != oldBackend);
        QCOMPARE(portOf(writer.serverAddress()), QString::number(m_pair->standbyPort()));
        locked = lock.tryLock();
        QVERIFY(locked.ok() && *locked);

        // Idempotent work is replayed on the new primary and succeeds at once.
        QVERIFY(writeRow(replaying, 5, PgConnection::Idempotency::Idempotent).ok());
        QCOMPARE(portOf(replaying.serverAddress()), QString::number(m_pair->standbyPort()));

        // No session of ours is kept on the read-only host.
        QTRY_COMPARE(sessionsOf(m_pair->primarySettings(QStringLiteral("postgres")), kApplicationName), 0);
        auto rows = rowsOn(m_pair->standbySettings());
        QVERIFY(rows.ok());
        QCOMPARE(*rows, (QList<int>{1, 2, 4, 5}));

        // The listener leaves the read-only host too and hears NOTIFYs on the new primary.
        QTRY_VERIFY_WITH_TIMEOUT(lost.count() >= 1 && listening.count() == 2 && listener.isListening(),
                                 kReconnectWithinMs);
        QVERIFY(exec(writer, "NOTIFY " + kChannel.toStdString() + ", 'on the new primary'").ok());
        QTRY_COMPARE(notified.count(), 1);
        QCOMPARE(notified.first().at(1).toString(), QStringLiteral("on the new primary"));
        QTRY_COMPARE(sessionsOf(m_pair->primarySettings(QStringLiteral("postgres")), QStringLiteral("tiersync-listener")),
                     0);
    }
};

QTEST_GUILESS_MAIN(TestPgSwitchover)
#include "tst_pgswitchover.moc"
