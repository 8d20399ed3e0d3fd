// The endpoint registry: the built-in file, a sixth endpoint from a file of its own,
// and clear errors for every kind of bad entry.
#include "cache/endpointregistry.h"

#include <QTest>

using namespace tiersync;

namespace {

QString dataFile(const char *name)
{
    return QStringLiteral(TIERSYNC_CACHE_TEST_DATA "/") + QLatin1String(name);
}

QByteArray oneEndpoint(const QByteArray &fields)
{
    return "{\"endpoints\": [{" + fields + "}]}";
}

const QByteArray kGood = "\"name\": \"x\", \"zoho\": {\"module\": \"Students\", "
                         "\"criteria\": \"(Moodle_User_ID:equals:{moodle_user_id})\"}";

}  // namespace

class TestEndpointRegistry final : public QObject {
    Q_OBJECT

private slots:
    void builtInHasTheFiveEndpoints()
    {
        auto registry = EndpointRegistry::builtIn();
        QVERIFY2(registry.ok(), qPrintable(registry.ok() ? QString() : registry.error().toString()));
        QCOMPARE(registry->names(), (QStringList{QStringLiteral("profile"), QStringLiteral("academics"),
                                                 QStringLiteral("finance"), QStringLiteral("classes"),
                                                 QStringLiteral("requests")}));
        const EndpointDefinition *profile = registry->find(QStringLiteral("profile"));
        QVERIFY(profile);
        QCOMPARE(profile->zohoModule, QStringLiteral("Students"));
        QCOMPARE(profile->shape, EndpointDefinition::Shape::Object);
        QCOMPARE(profile->redisTtlSeconds, 300);
        QCOMPARE(profile->pgFreshnessSeconds, 300);
        QCOMPARE(profile->criteriaFor(42), QStringLiteral("(Moodle_User_ID:equals:42)"));
        const QHash<QString, QString> modules{{QStringLiteral("academics"), QStringLiteral("Grades")},
                                              {QStringLiteral("finance"), QStringLiteral("Payments")},
                                              {QStringLiteral("classes"), QStringLiteral("Classes")},
                                              {QStringLiteral("requests"), QStringLiteral("Requests")}};
        for (auto it = modules.begin(); it != modules.end(); ++it) {
            const EndpointDefinition *endpoint = registry->find(it.key());
            QVERIFY(endpoint);
            QCOMPARE(endpoint->zohoModule, it.value());
            QCOMPARE(endpoint->shape, EndpointDefinition::Shape::Array);
        }
        QVERIFY(!registry->contains(QStringLiteral("grades")));
        // Every dashboard endpoint is fed by default: its CRM module as an entity type,
        // with a maximum lag of three feed intervals.
        const QHash<QString, QString> feeds{{QStringLiteral("profile"), QStringLiteral("students")},
                                            {QStringLiteral("academics"), QStringLiteral("grades")},
                                            {QStringLiteral("finance"), QStringLiteral("payments")},
                                            {QStringLiteral("classes"), QStringLiteral("classes")},
                                            {QStringLiteral("requests"), QStringLiteral("requests")}};
        for (auto it = feeds.begin(); it != feeds.end(); ++it) {
            const EndpointDefinition *endpoint = registry->find(it.key());
            QVERIFY(endpoint->isFed());
            QCOMPARE(endpoint->feedEntity, it.value());
            QCOMPARE(endpoint->feedMaxLagSeconds, 900);
            QVERIFY(registry->isFeed(it.value()));
            QCOMPARE(registry->fedBy(it.value()), (QList<const EndpointDefinition *>{endpoint}));
        }
        QVERIFY(!registry->isFeed(QStringLiteral("products")));
        QVERIFY(registry->fedBy(QStringLiteral("products")).isEmpty());
        QVERIFY(!registry->find(QStringLiteral("")));
    }

    void aSixthEndpointIsAnEditToTheFile()
    {
        auto registry = EndpointRegistry::fromFile(dataFile("endpoints_six.json"));
        QVERIFY2(registry.ok(), qPrintable(registry.ok() ? QString() : registry.error().toString()));
        QCOMPARE(registry->endpoints().size(), 6);
        const EndpointDefinition *open = registry->find(QStringLiteral("open-requests"));
        QVERIFY(open);
        QCOMPARE(open->redisTtlSeconds, 30);
        QCOMPARE(open->pgFreshnessSeconds, 60);
        QCOMPARE(open->criteriaFor(7), QStringLiteral("((Moodle_User_ID:equals:7)and(Status:equals:Open))"));
        // The file's defaults apply to the others.
        QCOMPARE(registry->find(QStringLiteral("finance"))->redisTtlSeconds, 120);
        QCOMPARE(registry->find(QStringLiteral("finance"))->pgFreshnessSeconds, 600);
    }

    void aFeedIsOptional()
    {
        auto registry = EndpointRegistry::fromJson(oneEndpoint(kGood));
        QVERIFY(registry.ok());
        QVERIFY(!registry->endpoints().first().isFed());
        QCOMPARE(registry->endpoints().first().feedMaxLagSeconds, 0);
        QVERIFY(!registry->isFeed(QStringLiteral("students")));

        registry = EndpointRegistry::fromJson(
            oneEndpoint(kGood + ", \"feed\": {\"entity\": \"my_students-2\", \"max_lag_seconds\": 60}"));
        QVERIFY2(registry.ok(), qPrintable(registry.ok() ? QString() : registry.error().toString()));
        QCOMPARE(registry->endpoints().first().feedEntity, QStringLiteral("my_students-2"));
        QCOMPARE(registry->endpoints().first().feedMaxLagSeconds, 60);
        QVERIFY(registry->isFeed(QStringLiteral("my_students-2")));
    }

    void badEntriesAreNamed_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expected");
        QTest::newRow("not json") << QByteArray("{") << QStringLiteral("not valid JSON");
        QTest::newRow("not an object") << QByteArray("[]") << QStringLiteral("top level");
        QTest::newRow("no endpoints") << QByteArray("{}") << QStringLiteral("\"endpoints\"");
        QTest::newRow("bad name") << oneEndpoint("\"name\": \"Bad Name\"") << QStringLiteral("\"name\"");
        QTest::newRow("duplicate") << QByteArray("{\"endpoints\": [{" + kGood + "}, {" + kGood + "}]}")
                                   << QStringLiteral("endpoint \"x\" is defined twice");
        QTest::newRow("unknown key") << oneEndpoint(kGood + ", \"ttl\": 5") << QStringLiteral("unknown key \"ttl\"");
        QTest::newRow("no module") << oneEndpoint("\"name\": \"x\", \"zoho\": {\"criteria\": \"(a:equals:{moodle_user_id})\"}")
                                   << QStringLiteral("zoho.module");
        QTest::newRow("no placeholder")
            << oneEndpoint("\"name\": \"x\", \"zoho\": {\"module\": \"Students\", \"criteria\": \"(a:equals:1)\"}")
            << QStringLiteral("{moodle_user_id}");
        QTest::newRow("bad shape") << oneEndpoint(kGood + ", \"shape\": \"list\"") << QStringLiteral("\"shape\"");
        QTest::newRow("zero ttl") << oneEndpoint(kGood + ", \"redis_ttl_seconds\": 0")
                                  << QStringLiteral("redis_ttl_seconds");
        QTest::newRow("fractional freshness") << oneEndpoint(kGood + ", \"pg_freshness_seconds\": 1.5")
                                              << QStringLiteral("pg_freshness_seconds");
        QTest::newRow("feed not an object") << oneEndpoint(kGood + ", \"feed\": \"students\"")
                                            << QStringLiteral("\"feed\" must be an object");
        QTest::newRow("feed without entity") << oneEndpoint(kGood + ", \"feed\": {\"max_lag_seconds\": 900}")
                                             << QStringLiteral("feed.entity");
        QTest::newRow("feed entity syntax")
            << oneEndpoint(kGood + ", \"feed\": {\"entity\": \"Students!\", \"max_lag_seconds\": 900}")
            << QStringLiteral("feed.entity");
        QTest::newRow("feed entity not text")
            << oneEndpoint(kGood + ", \"feed\": {\"entity\": 7, \"max_lag_seconds\": 900}")
            << QStringLiteral("feed.entity");
        QTest::newRow("feed without lag") << oneEndpoint(kGood + ", \"feed\": {\"entity\": \"students\"}")
                                          << QStringLiteral("feed.max_lag_seconds");
        QTest::newRow("feed zero lag")
            << oneEndpoint(kGood + ", \"feed\": {\"entity\": \"students\", \"max_lag_seconds\": 0}")
            << QStringLiteral("max_lag_seconds");
        QTest::newRow("feed negative lag")
            << oneEndpoint(kGood + ", \"feed\": {\"entity\": \"students\", \"max_lag_seconds\": -5}")
            << QStringLiteral("max_lag_seconds");
        QTest::newRow("feed lag as text")
            << oneEndpoint(kGood + ", \"feed\": {\"entity\": \"students\", \"max_lag_seconds\": \"900\"}")
            << QStringLiteral("max_lag_seconds");
        QTest::newRow("feed unknown key")
            << oneEndpoint(kGood + ", \"feed\": {\"entity\": \"students\", \"max_lag_seconds\": 9, \"lag\": 1}")
            << QStringLiteral("feed: unknown key \"lag\"");
        QTest::newRow("bad default") << QByteArray("{\"defaults\": {\"redis_ttl_seconds\": \"300\"}, "
                                                   "\"endpoints\": [{" + kGood + "}]}")
                                     << QStringLiteral("defaults");
    }

    void badEntriesAreNamed()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, expected);
        auto registry = EndpointRegistry::fromJson(json, QStringLiteral("test.json"));
        QVERIFY(!registry.ok());
        QCOMPARE(registry.error().kind, ErrorKind::InvalidArgument);
        QVERIFY2(registry.error().message.startsWith(QStringLiteral("test.json: ")), qPrintable(registry.error().message));
        QVERIFY2(registry.error().message.contains(expected), qPrintable(registry.error().message));
    }

    void missingFileIsAnError()
    {
        auto registry = EndpointRegistry::fromFile(dataFile("does-not-exist.json"));
        QVERIFY(!registry.ok());
        QCOMPARE(registry.error().kind, ErrorKind::NotFound);
        QVERIFY(registry.error().message.contains(QStringLiteral("does-not-exist.json")));
    }
};

QTEST_GUILESS_MAIN(TestEndpointRegistry)
#include "tst_endpointregistry.moc"
