// RedisTokenStore against the sandbox's redis-server (its own database, flushed first):
// one refresh lock among many "processes" (stores), compare-and-delete, the throttle
// marker, the refresh log, what a raw GET shows, another client secret, and the
// in-memory fallback when Redis cannot be reached. Script time (now_ms) and token
// expiry come from a ManualEpochClock.
#include "manualepochclock.h"
#include "testsandbox.h"
#include "verifyok.h"

#include "budget/redistokenstore.h"
#include "redis/redisconnection.h"

#include <QDeadlineTimer>
#include <QTest>
#include <QThread>

#include <latch>
#include <thread>
#include <vector>

using namespace tiersync;
using tiersync::test::ManualEpochClock;

namespace {

constexpr int kRedisDb = 34;  // this executable's database on the fixture's Redis
constexpr qint64 kLockMs = 30000;
const QString kAccessToken = QStringLiteral("1000.a1b2c3d4e5f6.access-token-in-clear");
const QString kRefreshToken = QStringLiteral("1000.refresh-token-never-in-redis");

OAuthToken oauth(const QString &accessToken, qint64 expiresInMs = 3540000)
{
    OAuthToken token;
    token.accessToken = Secret(accessToken);
    token.expiresInMs = expiresInMs;
    return token;
}

using Kind = RefreshTicket::Kind;

}  // namespace

class TestRedisTokenStore final : public QObject {
    Q_OBJECT

private:
    RedisSettings m_redis;
    ManualEpochClock m_clock;

    [[nodiscard]] ZohoSettings zoho(const QString &clientId, const QString &secret = QStringLiteral("secret-1")) const
    {
        ZohoSettings settings;
        settings.clientId = clientId;
        settings.clientSecret = Secret(secret);
        settings.refreshToken = Secret(kRefreshToken);
        return settings;
    }

    [[nodiscard]] std::unique_ptr<RedisTokenStore> store(const ZohoSettings &settings, const QString &owner,
                                                         int refreshLimit = 10) const
    {
        RedisTokenStore::Options options;
        options.clock = m_clock.clock();
        options.owner = owner;
        options.refreshLimit = refreshLimit;
        return std::make_unique<RedisTokenStore>(m_redis, settings, options);
    }

    [[nodiscard]] static QString currentName()
    {
        return QString::fromLatin1(QTest::currentTestFunction());
    }

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        m_redis = profile.redis;
        m_redis.db = kRedisDb;
        VERIFY_OK(RedisConnection::forCurrentThread(m_redis).command({"FLUSHDB"}));
    }

    void cleanupTestCase()
    {
        VERIFY_OK(RedisConnection::forCurrentThread(m_redis).command({"FLUSHDB"}));
        RedisConnection::dropForCurrentThread();
    }

    void sixteenProcessesOneRefresh()
    {
        const ZohoSettings settings = zoho(currentName());
        constexpr int kProcesses = 16;
        std::vector<Kind> kinds(kProcesses, Kind::Present);
        std::vector<QByteArray> locks(kProcesses);
        std::latch start(kProcesses);
        std::vector<std::thread> threads;
        for (int i = 0; i < kProcesses; ++i) {
            threads.emplace_back([&, i] {
                auto mine = store(settings, QStringLiteral("host-%1:%2").arg(i).arg(1000 + i));
                start.arrive_and_wait();
                auto ticket = mine->beginRefresh(kLockMs);
                if (ticket) {
                    kinds[size_t(i)] = ticket->kind;
                    locks[size_t(i)] = ticket->lockValue;
                }
                RedisConnection::dropForCurrentThread();
            });
        }
        for (auto &thread : threads)
            thread.join();
        int granted = 0;
        int winner = -1;
        for (int i = 0; i < kProcesses; ++i) {
            if (kinds[size_t(i)] == Kind::Granted) {
                ++granted;
                winner = i;
            } else {
                QCOMPARE(kinds[size_t(i)], Kind::HeldElsewhere);
            }
        }
        QCOMPARE(granted, 1);

        // The others see who holds it and for how long.
        auto late = store(settings, QStringLiteral("host-late:1"));
        auto held = late->beginRefresh(kLockMs);
        VERIFY_OK(held);
        QCOMPARE(held->kind, Kind::HeldElsewhere);
        QCOMPARE(held->reason.toUtf8(), locks[size_t(winner)]);
        QVERIFY(held->waitMs > 0 && held->waitMs <= kLockMs);

        // The winner stores the token: the lock is gone and everyone finds the token.
        RefreshTicket ticket;
        ticket.kind = Kind::Granted;
        ticket.lockValue = locks[size_t(winner)];
        auto winnerStore = store(settings, QStringLiteral("host-%1:%2").arg(winner).arg(1000 + winner));
        auto stored = winnerStore->finishRefresh(ticket, oauth(kAccessToken));
        VERIFY_OK(stored);
        auto &redis = RedisConnection::forCurrentThread(m_redis);
        auto lock = redis.exists({winnerStore->key() + ":lock"});
        VERIFY_OK(lock);
        QCOMPARE(*lock, 0);
        auto present = late->beginRefresh(kLockMs);
        VERIFY_OK(present);
        QCOMPARE(present->kind, Kind::Present);
        QVERIFY(present->present.has_value());
        QCOMPARE(present->present->accessToken.reveal(), kAccessToken);
        QCOMPARE(present->present->refreshedBy, QStringLiteral("host-%1:%2").arg(winner).arg(1000 + winner));
        QCOMPARE(present->present->expiresAtMs, m_clock.nowMs() + 3540000);
    }

    void redisHoldsNoTokenInClear()
    {
        const ZohoSettings settings = zoho(currentName());
        auto mine = store(settings, QStringLiteral("host-a:1"));
        auto ticket = mine->beginRefresh(kLockMs);
        VERIFY_OK(ticket);
        QCOMPARE(ticket->kind, Kind::Granted);
        VERIFY_OK(mine->finishRefresh(*ticket, oauth(kAccessToken, 600000)));

        auto &redis = RedisConnection::forCurrentThread(m_redis);
        auto raw = redis.get(mine->key());
        VERIFY_OK(raw);
        QVERIFY(raw->has_value());
        const QByteArray record = **raw;
        QVERIFY(record.startsWith("v1." + QByteArray::number(m_clock.nowMs() + 600000) + '.'
                                  + QByteArray::number(m_clock.nowMs()) + '.'));
        QVERIFY(!record.contains(kAccessToken.toUtf8()));
        QVERIFY(!record.contains("access-token"));
        QVERIFY(!record.contains(kRefreshToken.toUtf8()));
        // Its lifetime is the token's.
        auto pttl = redis.command({"PTTL", mine->key()});
        VERIFY_OK(pttl);
        QVERIFY(pttl->integerValue() > 0 && pttl->integerValue() <= 600000);
        // Nothing else under the client's keys holds either token.
        for (const QByteArray &suffix : {QByteArray(":refreshes"), QByteArray(":lock"), QByteArray(":throttled")}) {
            auto dump = redis.command({"DUMP", mine->key() + suffix});
            VERIFY_OK(dump);
            QVERIFY(!dump->bytes().contains(kAccessToken.toUtf8()));
            QVERIFY(!dump->bytes().contains(kRefreshToken.toUtf8()));
        }
        // And the store reads it back.
        auto loaded = store(settings, QStringLiteral("host-b:2"))->load();
        VERIFY_OK(loaded);
        QVERIFY(loaded->has_value());
        QCOMPARE((*loaded)->accessToken.reveal(), kAccessToken);
        QCOMPARE((*loaded)->record, record);
    }

    void compareAndDeleteKeepsANewerToken()
    {
        const ZohoSettings settings = zoho(currentName());
        auto a = store(settings, QStringLiteral("host-a:1"));
        auto b = store(settings, QStringLiteral("host-b:2"));
        auto first = a->beginRefresh(kLockMs);
        VERIFY_OK(first);
        auto t1 = a->finishRefresh(*first, oauth(QStringLiteral("token-1")));
        VERIFY_OK(t1);
        auto seenByB = b->load();
        VERIFY_OK(seenByB);
        QVERIFY(seenByB->has_value());
        QCOMPARE((*seenByB)->record, t1->record);

        // A gets a 401 first: drops token-1 and refreshes.
        a->drop(*t1);
        auto gone = b->load();
        VERIFY_OK(gone);
        QVERIFY(!gone->has_value());
        auto second = a->beginRefresh(kLockMs);
        VERIFY_OK(second);
        QCOMPARE(second->kind, Kind::Granted);
        auto t2 = a->finishRefresh(*second, oauth(QStringLiteral("token-2")));
        VERIFY_OK(t2);

        // B's 401 on token-1 arrives late: token-2 survives.
        b->drop(**seenByB);
        auto still = b->load();
        VERIFY_OK(still);
        QVERIFY(still->has_value());
        QCOMPARE((*still)->accessToken.reveal(), QStringLiteral("token-2"));
        QCOMPARE((*still)->record, t2->record);
    }

    void abandonReleasesTheLock()
    {
        const ZohoSettings settings = zoho(currentName());
        auto a = store(settings, QStringLiteral("host-a:1"));
        auto b = store(settings, QStringLiteral("host-b:2"));
        auto granted = a->beginRefresh(kLockMs);
        VERIFY_OK(granted);
        QCOMPARE(granted->kind, Kind::Granted);
        auto held = b->beginRefresh(kLockMs);
        VERIFY_OK(held);
        QCOMPARE(held->kind, Kind::HeldElsewhere);
        // A stale ticket (not the lock's owner) releases nothing.
        RefreshTicket stale = *granted;
        stale.lockValue = "host-a:1:999";
        a->abandonRefresh(stale, makeError(ErrorKind::Timeout, QStringLiteral("timeout")), 0);
        held = b->beginRefresh(kLockMs);
        VERIFY_OK(held);
        QCOMPARE(held->kind, Kind::HeldElsewhere);
        a->abandonRefresh(*granted, makeError(ErrorKind::Timeout, QStringLiteral("timeout")), 0);
        auto next = b->beginRefresh(kLockMs);
        VERIFY_OK(next);
        QCOMPARE(next->kind, Kind::Granted);
    }

    void throttledMarkerHoldsToItsTtl()
    {
        const ZohoSettings settings = zoho(currentName());
        auto a = store(settings, QStringLiteral("host-a:1"));
        auto b = store(settings, QStringLiteral("host-b:2"));
        auto granted = a->beginRefresh(kLockMs);
        VERIFY_OK(granted);
        Error denied = makeError(ErrorKind::RateLimited, QStringLiteral("Access Denied"));
        const qint64 untilMs = m_clock.nowMs() + 600000;
        a->abandonRefresh(*granted, denied, untilMs);

        auto &redis = RedisConnection::forCurrentThread(m_redis);
        auto marker = redis.get(a->key() + ":throttled");
        VERIFY_OK(marker);
        QVERIFY(marker->has_value());
        QCOMPARE(**marker, QByteArray::number(untilMs) + "|host-a:1");
        auto lock = redis.exists({a->key() + ":lock"});
        VERIFY_OK(lock);
        QCOMPARE(*lock, 0);

        // Every process names the same end, and who noticed.
        for (auto *other : {b.get(), a.get()}) {
            auto ticket = other->beginRefresh(kLockMs);
            VERIFY_OK(ticket);
            QCOMPARE(ticket->kind, Kind::Throttled);
            QCOMPARE(ticket->untilMs, untilMs);
            QCOMPARE(ticket->reason, QStringLiteral("host-a:1"));
            QVERIFY(ticket->waitMs > 0 && ticket->waitMs <= 600000);
        }

        // A short marker: Throttled while it exists, Granted only once Redis expired it.
        // (Each answer is checked against the key's state read after it, so no timing
        // assumption is made.)
        a->abandonRefresh(RefreshTicket{}, denied, m_clock.nowMs() + 300);
        auto pttl = redis.command({"PTTL", a->key() + ":throttled"});
        VERIFY_OK(pttl);
        QVERIFY(pttl->integerValue() > 0 && pttl->integerValue() <= 300);
        QDeadlineTimer deadline(10000);
        bool granted2 = false;
        while (!granted2 && !deadline.hasExpired()) {
            auto ticket = b->beginRefresh(kLockMs);
            VERIFY_OK(ticket);
            auto after = redis.exists({a->key() + ":throttled"});
            VERIFY_OK(after);
            if (ticket->kind == Kind::Granted) {
                QCOMPARE(*after, 0);
                granted2 = true;
            } else {
                QCOMPARE(ticket->kind, Kind::Throttled);
                QThread::msleep(20);
            }
        }
        QVERIFY(granted2);
    }

    void refreshLogAllowsTenPerWindow()
    {
        const ZohoSettings settings = zoho(currentName());
        auto a = store(settings, QStringLiteral("host-a:1"));
        const qint64 firstMs = m_clock.nowMs();
        for (int i = 0; i < 10; ++i) {
            auto ticket = a->beginRefresh(kLockMs);
            VERIFY_OK(ticket);
            QCOMPARE(ticket->kind, Kind::Granted);
            auto stored = a->finishRefresh(*ticket, oauth(QStringLiteral("token-%1").arg(i)));
            VERIFY_OK(stored);
            a->drop(*stored);  // as if Zoho revoked it at once
            m_clock.advance(1000);
        }
        auto full = a->beginRefresh(kLockMs);
        VERIFY_OK(full);
        QCOMPARE(full->kind, Kind::Throttled);
        QVERIFY2(full->reason.contains(QLatin1String("refresh log full")), qPrintable(full->reason));
        QCOMPARE(full->untilMs, firstMs + 600000);
        m_clock.advance(firstMs + 600000 - m_clock.nowMs() - 1);
        full = a->beginRefresh(kLockMs);
        VERIFY_OK(full);
        QCOMPARE(full->kind, Kind::Throttled);
        m_clock.advance(1);
        auto open = a->beginRefresh(kLockMs);
        VERIFY_OK(open);
        QCOMPARE(open->kind, Kind::Granted);
    }

    void anotherSecretSeesNoToken()
    {
        const ZohoSettings settings = zoho(currentName());
        auto a = store(settings, QStringLiteral("host-a:1"));
        auto ticket = a->beginRefresh(kLockMs);
        VERIFY_OK(ticket);
        VERIFY_OK(a->finishRefresh(*ticket, oauth(kAccessToken)));

        auto wrong = store(zoho(currentName(), QStringLiteral("another-secret")), QStringLiteral("host-w:9"));
        auto loaded = wrong->load();
        VERIFY_OK(loaded);
        QVERIFY(!loaded->has_value());
        // It cannot be used by anyone who reads it with that secret, so it is dropped and
        // the next refresh is granted.
        auto next = wrong->beginRefresh(kLockMs);
        VERIFY_OK(next);
        QCOMPARE(next->kind, Kind::Granted);
    }

    void editedRecordIsAbsent()
    {
        const ZohoSettings settings = zoho(currentName());
        auto a = store(settings, QStringLiteral("host-a:1"));
        auto ticket = a->beginRefresh(kLockMs);
        VERIFY_OK(ticket);
        auto stored = a->finishRefresh(*ticket, oauth(kAccessToken));
        VERIFY_OK(stored);
        // Someone lengthens the expiry in the clear header.
        QList<QByteArray> fields = stored->record.split('.');
        fields[1] = QByteArray::number(fields.at(1).toLongLong() + 86400000);
        auto &redis = RedisConnection::forCurrentThread(m_redis);
        VERIFY_OK(redis.set(a->key(), fields.join('.')));
        auto loaded = store(settings, QStringLiteral("host-b:2"))->load();
        VERIFY_OK(loaded);
        QVERIFY(!loaded->has_value());
        auto left = redis.exists({a->key()});
        VERIFY_OK(left);
        QCOMPARE(*left, 0);
    }

    void unreachableRedisFallsBackToMemory()
    {
        RedisSettings nowhere = m_redis;
        nowhere.port = 1;  // nothing listens there: refused at once
        RedisTokenStore::Options options;
        options.clock = m_clock.clock();
        options.owner = QStringLiteral("host-a:1");
        RedisTokenStore alone(nowhere, zoho(currentName()), options);
        auto loaded = alone.load();
        VERIFY_OK(loaded);
        QVERIFY(!loaded->has_value());
        QVERIFY(!alone.usingRedis());
        // Refreshes on its own, keeps the token, and spends at most 10 / 4 = 2 refreshes per window.
        for (int i = 0; i < 2; ++i) {
            auto ticket = alone.beginRefresh(kLockMs);
            VERIFY_OK(ticket);
            QCOMPARE(ticket->kind, Kind::Granted);
            auto stored = alone.finishRefresh(*ticket, oauth(QStringLiteral("local-%1").arg(i)));
            VERIFY_OK(stored);
            auto again = alone.load();
            VERIFY_OK(again);
            QVERIFY(again->has_value());
            QCOMPARE((*again)->accessToken.reveal(), QStringLiteral("local-%1").arg(i));
            alone.drop(*stored);
        }
        auto third = alone.beginRefresh(kLockMs);
        VERIFY_OK(third);
        QCOMPARE(third->kind, Kind::Throttled);
        QVERIFY2(third->reason.contains(QLatin1String("without Redis")), qPrintable(third->reason));
    }
};

QTEST_GUILESS_MAIN(TestRedisTokenStore)
#include "tst_redistokenstore.moc"
