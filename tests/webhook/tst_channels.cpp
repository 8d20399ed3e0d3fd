// Notification channels on the real servers: ChannelManager against a private zoho-sim
// (its clock frozen and moved in step with the manager's ManualEpochClock), the fixture's
// PostgreSQL (a scratch database) and Redis (database kRedisDb), and the sim's
// notifications delivered to a WebhookProcessor behind the HTTP server in this process.
#include "fakebackend.h"
#include "fakezoho.h"
#include "manualepochclock.h"
#include "pgtestdatabase.h"
#include "privatezohosim.h"
#include "simcontrol.h"
#include "synctesthelpers.h"
#include "testsandbox.h"

#include "server/httpserver.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "sync/entityregistry.h"
#include "webhook/channelkeeper.h"
#include "webhook/channelmanager.h"
#include "webhook/channelrepository.h"
#include "webhook/webhookprocessor.h"
#include "zoho/zohoservice.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include <memory>

using namespace tiersync;
using namespace tiersync::test;

namespace {

constexpr int kRedisDb = 50;  // this executable's Redis database on the fixture's server
const QString kToken = QStringLiteral("crm-channel-token");
constexpr qint64 kHourMs = 3600LL * 1000;
constexpr qint64 kDayMs = 24 * kHourMs;

}  // namespace

class TestChannels final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<PrivateZohoSim> m_sim;
    std::unique_ptr<ZohoService> m_service;
    std::unique_ptr<PgTestDatabase> m_database;
    RedisSettings m_redis;
    FakeBackend m_backend;
    std::unique_ptr<WebhookProcessor> m_webhooks;
    std::unique_ptr<HttpServer> m_server;
    std::unique_ptr<ManualEpochClock> m_clock;
    EntityRegistry m_registry;

    ChannelManager::Options options(const QString &publicUrl) const
    {
        ChannelManager::Options out;
        out.publicUrl = publicUrl;
        out.token = Secret(kToken);
        out.clientId = m_sim->settings().clientId;
        out.clock = m_clock->clock();
        return out;
    }
    std::unique_ptr<ChannelManager> manager(const QString &publicUrl = {}) const
    {
        return std::make_unique<ChannelManager>(m_registry, m_database->settings(), m_service->client(),
                                                options(publicUrl.isNull() ? m_server->url() : publicUrl));
    }
    // Both clocks forward by ms: the sim's (frozen, so it moves only here) and the manager's.
    void advance(qint64 ms)
    {
        auto moved = simAdvanceClock(m_sim->apiBase(), ms);
        if (!moved)
            qFatal("%s", qPrintable(moved.error().toString()));
        m_clock->advance(ms);
        if (moved->value(QLatin1String("now_ms")).toInteger() != m_clock->nowMs())
            qFatal("the sim's clock and the manager's are not in step");
    }
    QHash<QString, QJsonObject> simChannelsById()
    {
        auto channels = simChannels(m_sim->apiBase());
        if (!channels)
            qFatal("%s", qPrintable(channels.error().toString()));
        QHash<QString, QJsonObject> out;
        for (const QJsonValue &channel : *channels)
            out.insert(channel.toObject().value(QLatin1String("channel_id")).toVariant().toString(),
                       channel.toObject());
        return out;
    }
    QHash<QString, NotificationChannel> rows()
    {
        PgConnection connection(m_database->settings());
        auto channels = ChannelRepository(connection).list();
        if (!channels)
            qFatal("%s", qPrintable(channels.error().toString()));
        QHash<QString, NotificationChannel> out;
        for (const NotificationChannel &channel : *channels)
            out.insert(channel.channelId, channel);
        return out;
    }
    QStringList fedModules() const
    {
        QStringList modules;
        for (const EntityDefinition &entity : ChannelManager::fedEntities(m_registry))
            modules.append(entity.module);
        return modules;
    }
    QString idOf(const QString &module) const
    {
        return ChannelManager::channelIdFor(m_sim->settings().clientId, module);
    }
    qint64 simTotalWatchCalls()
    {
        auto stats = simGet(m_sim->apiBase(), QStringLiteral("/_sim/stats"));
        if (!stats)
            qFatal("%s", qPrintable(stats.error().toString()));
        qint64 total = 0;
        const QJsonObject requests = stats->value(QLatin1String("requests")).toObject();
        for (auto it = requests.begin(); it != requests.end(); ++it)
            if (it.key().contains(QLatin1String("/actions/watch")))
                total += it.value().toInteger();
        return total;
    }

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        m_redis = profile.redis;
        m_redis.db = kRedisDb;
        auto sim = PrivateZohoSim::start({QStringLiteral("--students"), QStringLiteral("50"), QStringLiteral("--limits"),
                                          QStringLiteral("off")});
        SYNC_VERIFY_OK(sim);
        m_sim = std::move(*sim);
        // Frozen: the sim's clock moves only when advance() moves both.
        auto frozen = simPost(m_sim->apiBase(), QStringLiteral("/_sim/clock"),
                              QJsonObject{{QStringLiteral("freeze"), true}, {QStringLiteral("advance_ms"), 0}});
        SYNC_VERIFY_OK(frozen);
        m_clock = std::make_unique<ManualEpochClock>(frozen->value(QLatin1String("now_ms")).toInteger());
        m_service = std::make_unique<ZohoService>(m_sim->settings(), fastClientOptions());
        auto database = PgTestDatabase::create(profile.pg, QStringLiteral("channels"));
        SYNC_VERIFY_OK(database);
        m_database = std::move(*database);
        PgConnection connection(m_database->settings());
        SYNC_VERIFY_OK(Migrator().migrate(connection));
        SYNC_VERIFY_OK(flushRedisDb(m_redis));
        auto registry = EntityRegistry::builtIn();
        SYNC_VERIFY_OK(registry);
        m_registry = *registry;
        QVERIFY(!fedModules().isEmpty());

        WebhookSettings settings;
        settings.crmToken = Secret(kToken);
        m_webhooks = std::make_unique<WebhookProcessor>(m_registry, m_database->settings(), m_redis,
                                                        m_service->client(), settings,
                                                        WebhookProcessor::CachingEnabled{}, m_clock->clock());
        HttpServer::Options serverOptions;
        serverOptions.threadCount = 2;
        m_server = std::make_unique<HttpServer>(m_backend, serverOptions);
        m_server->setWebhookHandler(m_webhooks.get());
        SYNC_VERIFY_OK(m_server->start());
    }

    void cleanupTestCase()
    {
        if (m_server)
            m_server->stop();
        m_server.reset();
        m_webhooks.reset();
        m_database.reset();
        m_service.reset();
        m_sim.reset();
    }

    void fedModulesComeFromTheRegistry()
    {
        for (const EntityDefinition &entity : ChannelManager::fedEntities(m_registry)) {
            QCOMPARE(entity.source, EntityDefinition::Source::Crm);
            QVERIFY(!entity.moodleUserIdField.isEmpty());
        }
        QVERIFY(fedModules().contains(QStringLiteral("Students")));
        // Stable, numeric, distinct per module and per client id.
        const QString id = idOf(QStringLiteral("Students"));
        QCOMPARE(id, idOf(QStringLiteral("Students")));
        QCOMPARE(id.size(), 16);
        QVERIFY(id.toLongLong() > 0);
        QVERIFY(id != idOf(QStringLiteral("Grades")));
        QVERIFY(id != ChannelManager::channelIdFor(QStringLiteral("another-client"), QStringLiteral("Students")));
    }

    void publicUrlMustBeHttp()
    {
        QCOMPARE(*ChannelManager::notifyUrlFor(QStringLiteral("https://ts.example.org/")),
                 QStringLiteral("https://ts.example.org/webhooks/zoho/crm"));
        QCOMPARE(*ChannelManager::notifyUrlFor(QStringLiteral("http://127.0.0.1:8001/base")),
                 QStringLiteral("http://127.0.0.1:8001/base/webhooks/zoho/crm"));
        for (const QString &bad : {QStringLiteral("ftp://ts.example.org"), QStringLiteral("ts.example.org"),
                                   QStringLiteral("https://"), QStringLiteral("https://h/?a=1"),
                                   QStringLiteral("https://user:pw@h/"), QStringLiteral("javascript:alert(1)")})
            QVERIFY2(!ChannelManager::notifyUrlFor(bad).ok(), qPrintable(bad));
        auto refused = manager(QStringLiteral("ftp://x"))->ensure();
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().kind, ErrorKind::InvalidArgument);
    }

    void withoutPublicUrlNothingIsEnabled()
    {
        const qint64 before = simTotalWatchCalls();
        auto pass = manager(QStringLiteral(""))->ensure();
        SYNC_VERIFY_OK(pass);
        QCOMPARE(pass->outcome, ChannelManager::Pass::Outcome::NoPublicUrl);
        QVERIFY(simChannelsById().isEmpty());
        QVERIFY(rows().isEmpty());
        QCOMPARE(simTotalWatchCalls(), before);
    }

    void badTokenIsRefusedBeforeZoho()
    {
        const qint64 before = simTotalWatchCalls();
        for (const QString &token : {QString(), QString(51, QLatin1Char('t'))}) {
            ChannelManager::Options bad = options(m_server->url());
            bad.token = Secret(token);
            auto pass = ChannelManager(m_registry, m_database->settings(), m_service->client(), bad).ensure();
            QVERIFY(!pass.ok());
            QCOMPARE(pass.error().kind, ErrorKind::InvalidArgument);
            QVERIFY(!pass.error().message.contains(token.isEmpty() ? QStringLiteral("\x01") : token));
        }
        QCOMPARE(simTotalWatchCalls(), before);
    }

    void enablesEveryFedModule()
    {
        auto keeper = manager();
        auto pass = keeper->ensure();
        SYNC_VERIFY_OK(pass);
        QCOMPARE(pass->outcome, ChannelManager::Pass::Outcome::Done);
        QCOMPARE(pass->enabled, fedModules().size());
        QCOMPARE(pass->failed, 0);
        QVERIFY(keeper->holdsLock());

        const QHash<QString, QJsonObject> live = simChannelsById();
        const QHash<QString, NotificationChannel> recorded = rows();
        QCOMPARE(live.size(), fedModules().size());
        const qint64 now = m_clock->nowMs();
        const qint64 lifetime = ChannelManager::Options{}.lifetimeMs;
        for (const QString &module : fedModules()) {
            const QString id = idOf(module);
            QVERIFY2(live.contains(id), qPrintable(module));
            const QJsonObject channel = live.value(id);
            QCOMPARE(channel.value(QLatin1String("events")).toArray(), QJsonArray{module + QStringLiteral(".all")});
            QCOMPARE(channel.value(QLatin1String("notify_url")).toString(),
                     m_server->url() + QStringLiteral("/webhooks/zoho/crm"));
            const qint64 expiry = channel.value(QLatin1String("expiry_ms")).toInteger();
            QVERIFY(expiry <= now + 7 * kDayMs);
            // Second precision on the wire.
            QVERIFY(expiry > now + lifetime - 1000 && expiry <= now + lifetime);

            QVERIFY(recorded.contains(id));
            const NotificationChannel &row = recorded.value(id);
            QCOMPARE(row.status, ChannelStatus::Active);
            QCOMPARE(row.module, module);
            QCOMPARE(row.expiresAt.toMSecsSinceEpoch(), expiry);
            QCOMPARE(row.enabledAt.toMSecsSinceEpoch(), now);
            QVERIFY(!row.renewedAt.isValid());
            QVERIFY(row.lastError.isEmpty());
        }

        // A second pass with plenty of time left changes nothing and costs one list call
        // (10 minutes on: within the access token's hour, so no 401 and retry either).
        const qint64 calls = simTotalWatchCalls();
        advance(10 * 60 * 1000);
        auto again = keeper->ensure();
        SYNC_VERIFY_OK(again);
        QCOMPARE(again->kept, fedModules().size());
        QCOMPARE(again->enabled + again->renewed + again->reenabled, 0);
        QCOMPARE(simTotalWatchCalls(), calls + 1);
    }

    // Two managers never both manage: the second waits until the first goes.
    void oneManagerAtATime()
    {
        auto first = manager();
        SYNC_VERIFY_OK(first->ensure());
        QVERIFY(first->holdsLock());
        const qint64 calls = simTotalWatchCalls();
        auto second = manager();
        auto refused = second->ensure();
        SYNC_VERIFY_OK(refused);
        QCOMPARE(refused->outcome, ChannelManager::Pass::Outcome::ManagedElsewhere);
        QVERIFY(!second->holdsLock());
        QCOMPARE(simTotalWatchCalls(), calls);  // it did not even list
        auto disabling = second->disableAll();
        SYNC_VERIFY_OK(disabling);
        QCOMPARE(disabling->outcome, ChannelManager::Pass::Outcome::ManagedElsewhere);

        first.reset();
        auto taken = second->ensure();
        SYNC_VERIFY_OK(taken);
        QCOMPARE(taken->outcome, ChannelManager::Pass::Outcome::Done);
        QVERIFY(second->holdsLock());
    }

    void renewedWithinTheMargin()
    {
        auto keeper = manager();
        const QHash<QString, NotificationChannel> before = rows();
        const qint64 lifetime = ChannelManager::Options{}.lifetimeMs;
        const qint64 margin = ChannelManager::Options{}.renewMarginMs;
        // Just outside the margin: kept.
        const qint64 left = before.value(idOf(fedModules().first())).expiresAt.toMSecsSinceEpoch() - m_clock->nowMs();
        advance(left - margin - 60 * 1000);
        auto kept = keeper->ensure();
        SYNC_VERIFY_OK(kept);
        QCOMPARE(kept->kept, fedModules().size());
        QCOMPARE(kept->renewed, 0);

        // Inside it: renewed, same channel, new expiry, nothing re-created.
        advance(2 * 60 * 1000);
        auto renewed = keeper->ensure();
        SYNC_VERIFY_OK(renewed);
        QCOMPARE(renewed->renewed, fedModules().size());
        QCOMPARE(renewed->enabled + renewed->reenabled, 0);
        const qint64 now = m_clock->nowMs();
        const QHash<QString, QJsonObject> live = simChannelsById();
        const QHash<QString, NotificationChannel> after = rows();
        QCOMPARE(live.size(), fedModules().size());
        for (const QString &module : fedModules()) {
            const QString id = idOf(module);
            const qint64 expiry = live.value(id).value(QLatin1String("expiry_ms")).toInteger();
            QVERIFY(expiry > now + lifetime - 1000 && expiry <= now + lifetime);
            QCOMPARE(after.value(id).expiresAt.toMSecsSinceEpoch(), expiry);
            QCOMPARE(after.value(id).renewedAt.toMSecsSinceEpoch(), now);
            QCOMPARE(after.value(id).enabledAt, before.value(id).enabledAt);  // not re-created
            QCOMPARE(after.value(id).status, ChannelStatus::Active);
        }
    }

    void droppedChannelIsEnabledAgain()
    {
        auto keeper = manager();
        const QString id = idOf(QStringLiteral("Students"));
        auto dropped = simDropChannel(m_sim->apiBase(), id);
        SYNC_VERIFY_OK(dropped);
        QCOMPARE(dropped->value(QLatin1String("dropped")).toInt(), 1);
        QVERIFY(!simChannelsById().contains(id));

        advance(60 * 1000);
        auto pass = keeper->ensure();
        SYNC_VERIFY_OK(pass);
        QCOMPARE(pass->reenabled, 1);
        QCOMPARE(pass->kept, fedModules().size() - 1);
        QVERIFY(simChannelsById().contains(id));
        const NotificationChannel row = rows().value(id);
        QCOMPARE(row.status, ChannelStatus::Active);
        QCOMPARE(row.enabledAt.toMSecsSinceEpoch(), m_clock->nowMs());
    }

    // Expired at Zoho while nobody ran a pass (everything down for over a week).
    void expiredChannelIsEnabledAgain()
    {
        advance(8 * kDayMs);
        QVERIFY(simChannelsById().isEmpty());
        auto keeper = manager();
        auto pass = keeper->ensure();
        SYNC_VERIFY_OK(pass);
        QCOMPARE(pass->reenabled, fedModules().size());
        QCOMPARE(simChannelsById().size(), fedModules().size());
        for (const NotificationChannel &row : rows())
            QCOMPARE(row.status, ChannelStatus::Active);
    }

    // A renewal Zoho answers "not subscribed" (dropped between its list and our update):
    // enabled again. Zoho's side scripted (the sim cannot drop a channel between two calls).
    void renewalAnsweredNotSubscribedEnablesAgain()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        auto database = PgTestDatabase::create(profile.pg, QStringLiteral("channelsfake"));
        SYNC_VERIFY_OK(database);
        {
            PgConnection connection((*database)->settings());
            SYNC_VERIFY_OK(Migrator().migrate(connection));
        }
        const QString id = idOf(QStringLiteral("Students"));
        const QString soon = QDateTime::fromMSecsSinceEpoch(m_clock->nowMs() + kHourMs, Qt::UTC).toString(Qt::ISODate);
        const QString later = QDateTime::fromMSecsSinceEpoch(m_clock->nowMs() + 6 * kDayMs, Qt::UTC).toString(Qt::ISODate);
        FakeZoho zoho;
        zoho.onApi([&](const FakeZoho::Request &request) {
            QStringList watch;
            for (const QString &module : fedModules())
                watch.append(QStringLiteral(R"({"channel_id":"%1","channel_expiry":"%2","events":["%3.all"],"resource_name":"%3","notify_url":"%4/webhooks/zoho/crm"})")
                                 .arg(idOf(module), soon, module, m_server->url()));
            if (request.method == "GET")
                return FakeZoho::json(200, QStringLiteral(R"({"watch":[%1],"info":{"more_records":false}})")
                                               .arg(watch.join(QLatin1Char(','))).toStdString());
            QStringList results;
            for (const QString &module : fedModules()) {
                if (request.method == "PUT" && module == QLatin1String("Students"))
                    results.append(QStringLiteral(R"({"code":"INVALID_DATA","details":{"api_name":"channel_id"},"message":"the channel is not subscribed","status":"error"})"));
                else if (request.method == "PUT" || module == QLatin1String("Students"))
                    results.append(QStringLiteral(R"({"code":"SUCCESS","details":{"events":[{"channel_id":"%1","channel_expiry":"%2","resource_name":"%3"}]},"message":"ok","status":"success"})")
                                       .arg(idOf(module), later, module));
            }
            const bool allFailed = request.method == "PUT" && fedModules().size() == 1;
            return FakeZoho::json(allFailed ? 400 : (request.method == "PUT" ? 207 : 200),
                                  QStringLiteral(R"({"watch":[%1]})").arg(results.join(QLatin1Char(','))).toStdString());
        });
        ZohoService service(zoho.settings(), fastClientOptions());
        ChannelManager::Options fakeOptions = options(m_server->url());
        fakeOptions.clientId = m_sim->settings().clientId;
        ChannelManager keeper(m_registry, (*database)->settings(), service.client(), fakeOptions);
        auto pass = keeper.ensure();
        SYNC_VERIFY_OK(pass);
        QCOMPARE(pass->renewed, fedModules().size() - 1);
        QCOMPARE(pass->failed, 0);
        QCOMPARE(pass->reenabled + pass->enabled, 1);
        const auto log = zoho.apiLog();
        QCOMPARE(log.size(), size_t(3));
        QCOMPARE(log.at(0).method, std::string("GET"));
        QCOMPARE(log.at(1).method, std::string("PUT"));
        QCOMPARE(log.at(2).method, std::string("POST"));
        QVERIFY(QByteArray::fromStdString(log.at(2).body).contains(id.toLatin1()));
        PgConnection connection((*database)->settings());
        auto row = ChannelRepository(connection).get(id);
        SYNC_VERIFY_OK(row);
        QVERIFY(row->has_value());
        QCOMPARE((*row)->status, ChannelStatus::Active);
        QCOMPARE((*row)->expiresAt, QDateTime::fromString(later, Qt::ISODate));
    }

    void notificationIsRecordedOnItsChannel()
    {
        auto keeper = manager();
        SYNC_VERIFY_OK(keeper->ensure());
        const QString id = idOf(QStringLiteral("Students"));
        const NotificationChannel before = rows().value(id);
        advance(5000);
        auto mutated = simMutateOp(m_sim->apiBase(), QStringLiteral("Students"), QStringLiteral("update"),
                                   QJsonObject{{QStringLiteral("count"), 1}, {QStringLiteral("wait_notifications"), true}});
        SYNC_VERIFY_OK(mutated);
        auto notifications = simNotifications(m_sim->apiBase());
        SYNC_VERIFY_OK(notifications);
        const QJsonArray last = notifications->value(QLatin1String("last")).toArray();
        QVERIFY(!last.isEmpty());
        const QJsonObject delivery = last.last().toObject();
        QCOMPARE(delivery.value(QLatin1String("channel_id")).toVariant().toString(), id);
        QCOMPARE(delivery.value(QLatin1String("status")).toInt(), 200);

        const NotificationChannel after = rows().value(id);
        QCOMPARE(after.notifications, before.notifications + 1);
        QCOMPARE(after.lastNotificationAt.toMSecsSinceEpoch(), m_clock->nowMs());
        // A pass afterwards keeps the counters.
        SYNC_VERIFY_OK(keeper->ensure());
        QCOMPARE(rows().value(id).notifications, after.notifications);

        // Zoho delivers a notification again when it saw no answer: the same delivery counts
        // once, accepted or refused.
        const QJsonArray ids = mutated->value(QLatin1String("ids")).toArray();
        QVERIFY(!ids.isEmpty());
        const auto deliver = [this, &id, &ids](const QString &module) {
            const QJsonObject body{{QStringLiteral("server_time"), 1718117126473LL},
                                   {QStringLiteral("module"), module},
                                   {QStringLiteral("ids"), ids},
                                   {QStringLiteral("operation"), QStringLiteral("update")},
                                   {QStringLiteral("channel_id"), id},
                                   {QStringLiteral("token"), kToken}};
            WebhookHandler::Delivery again;
            again.source = QStringLiteral("crm");
            again.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
            return m_webhooks->handle(again).status;
        };
        QCOMPARE(deliver(QStringLiteral("Students")), 200);
        QCOMPARE(rows().value(id).notifications, after.notifications + 1);
        QCOMPARE(deliver(QStringLiteral("Students")), 200);  // a duplicate
        QCOMPARE(rows().value(id).notifications, after.notifications + 1);
        QCOMPARE(deliver(QStringLiteral("Leads")), 400);     // not a module of ours: refused, counted
        QCOMPARE(rows().value(id).notifications, after.notifications + 2);
        QCOMPARE(deliver(QStringLiteral("Leads")), 400);
        QCOMPARE(rows().value(id).notifications, after.notifications + 2);
    }

    void keeperRunsOnItsThreadAndStops()
    {
        ChannelKeeper::Options keeperOptions;
        keeperOptions.manager = options(m_server->url());
        keeperOptions.intervalMs = 3600 * 1000;
        ChannelKeeper keeper(m_registry, m_database->settings(), m_service->client(), keeperOptions);
        SYNC_VERIFY_OK(simDropChannel(m_sim->apiBase(), idOf(QStringLiteral("Students"))));
        keeper.start();
        QTRY_COMPARE_WITH_TIMEOUT(keeper.passes(), 1, 30000);
        QVERIFY2(keeper.lastPass().has_value(), qPrintable(keeper.lastError()));
        QCOMPARE(keeper.lastPass()->reenabled, 1);
        SYNC_VERIFY_OK(simDropChannel(m_sim->apiBase(), idOf(QStringLiteral("Students"))));
        keeper.wake();
        QTRY_COMPARE_WITH_TIMEOUT(keeper.passes(), 2, 30000);
        QCOMPARE(keeper.lastPass()->reenabled, 1);
        keeper.stop();
        QCOMPARE(keeper.passes(), 2);
    }

    void disableAllRemovesThem()
    {
        auto keeper = manager();
        auto pass = keeper->disableAll();
        SYNC_VERIFY_OK(pass);
        QCOMPARE(pass->disabled, fedModules().size());
        QVERIFY(simChannelsById().isEmpty());
        for (const NotificationChannel &row : rows())
            QCOMPARE(row.status, ChannelStatus::Disabled);
    }

    // A recorded channel whose module is no longer fed is disabled by the next pass.
    void staleChannelIsDisabled()
    {
        auto keeper = manager();
        SYNC_VERIFY_OK(keeper->ensure());
        NotificationChannel stale;
        stale.channelId = ChannelManager::channelIdFor(QStringLiteral("old-client"), QStringLiteral("Students"));
        stale.entityType = QStringLiteral("students");
        stale.module = QStringLiteral("Students");
        stale.events = {QStringLiteral("Students.all")};
        stale.notifyUrl = m_server->url() + QStringLiteral("/webhooks/zoho/crm");
        stale.status = ChannelStatus::Active;
        {
            PgConnection connection(m_database->settings());
            SYNC_VERIFY_OK(ChannelRepository(connection).save(stale));
        }
        auto pass = keeper->ensure();
        SYNC_VERIFY_OK(pass);
        QCOMPARE(pass->disabled, 1);  // Zoho did not have it: INVALID_DATA counts as gone
        QCOMPARE(rows().value(stale.channelId).status, ChannelStatus::Disabled);
        QCOMPARE(simChannelsById().size(), fedModules().size());
    }
};

QTEST_GUILESS_MAIN(TestChannels)
#include "tst_channels.moc"
