#include "host/engineservices.h"
#include "store/databaseopener.h"
#include "zoho/zohoclient.h"
#include "zoho/zohoservice.h"

#include <QTest>

#include <memory>
#include <thread>

using namespace tiersync;

namespace {

// Nothing here is contacted: the services start their Zoho thread, they never call.
ConnectionProfile unreachableProfile(const QString &name)
{
    ConnectionProfile profile;
    profile.name = name;
    profile.pg = PgSettings::fromDsn(QStringLiteral("host=127.0.0.1 port=1 dbname=none")).value();
    profile.zoho.apiBase = QStringLiteral("http://127.0.0.1:1");
    profile.zoho.accountsUrl = QStringLiteral("http://127.0.0.1:1");
    return profile;
}

}  // namespace

// EngineServices (one per process and profile) and the console's pool of them.
class TestEngineServices final : public QObject {
    Q_OBJECT

private slots:
    void zohoStartsOnFirstUseAndIsShared()
    {
        auto services = EngineServices::create(unreachableProfile(QStringLiteral("a")));
        // A command that never calls Zoho (`tiersync runs`) starts no Zoho thread.
        QVERIFY(!services->zohoStarted());
        QVERIFY(services->database() != nullptr);
        QCOMPARE(services->database()->settings(), services->profile().pg);

        const std::shared_ptr<ZohoService> first = services->zoho();
        QVERIFY(first != nullptr);
        QVERIFY(services->zohoStarted());
        QCOMPARE(services->zoho().get(), first.get());
        QCOMPARE(services->zoho()->client(), first->client());
        QVERIFY(services->retries() != nullptr);
    }

    void concurrentFirstUseMakesOneService()
    {
        auto services = EngineServices::create(unreachableProfile(QStringLiteral("a")));
        constexpr int kThreads = 8;
        std::vector<ZohoService *> seen(kThreads, nullptr);
        std::vector<std::thread> threads;
        for (int i = 0; i < kThreads; ++i)
            threads.emplace_back([&, i] { seen[size_t(i)] = services->zoho().get(); });
        for (std::thread &thread : threads)
            thread.join();
        for (ZohoService *service : seen)
            QCOMPARE(service, services->zoho().get());
    }

    void theLastHolderMayDropItOnAnyThread()
    {
        // Made and used here, released on a worker thread: the Zoho thread is joined there.
        auto services = EngineServices::create(unreachableProfile(QStringLiteral("a")));
        std::weak_ptr<ZohoService> zoho = services->zoho();
        std::thread([held = std::move(services)]() mutable { held.reset(); }).join();
        QVERIFY(zoho.expired());

        // Made on a worker thread, released here.
        std::shared_ptr<EngineServices> made;
        std::thread([&made] {
            made = EngineServices::create(unreachableProfile(QStringLiteral("b")));
            (void)made->zoho();
        }).join();
        zoho = made->zoho();
        made.reset();
        QVERIFY(zoho.expired());
    }

    void poolSharesServicesPerProfile()
    {
        EngineServicesPool pool;
        const ConnectionProfile a = unreachableProfile(QStringLiteral("a"));
        ConnectionProfile b = a;
        b.zoho.orgId = QStringLiteral("another-org");

        std::shared_ptr<EngineServices> first = pool.servicesFor(a);
        std::shared_ptr<EngineServices> second = pool.servicesFor(a);
        QCOMPARE(first.get(), second.get());
        std::shared_ptr<EngineServices> other = pool.servicesFor(b);
        QVERIFY(other.get() != first.get());
        QCOMPARE(pool.liveCount(), 2);

        // Released when nobody holds them; asking again makes new ones.
        std::weak_ptr<EngineServices> released = first;
        first.reset();
        second.reset();
        QVERIFY(released.expired());
        QCOMPARE(pool.liveCount(), 1);
        QVERIFY(pool.servicesFor(a) != nullptr);
    }
};

QTEST_GUILESS_MAIN(TestEngineServices)
#include "tst_engineservices.moc"
