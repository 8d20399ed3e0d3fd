#include "sync/entityregistry.h"

#include <QTest>

using namespace tiersync;

class TestEntityRegistry final : public QObject {
    Q_OBJECT

private slots:
    void builtInRegistry()
    {
        auto registry = EntityRegistry::builtIn();
        QVERIFY2(registry.ok(), registry.ok() ? "" : qPrintable(registry.error().toString()));
        QCOMPARE(registry->names(),
                 (QStringList{"products", "customers", "students", "grades", "payments", "classes", "requests"}));

        const EntityDefinition *products = registry->find(QStringLiteral("products"));
        QVERIFY(products);
        QCOMPARE(products->source, EntityDefinition::Source::Books);
        QCOMPARE(products->path, QStringLiteral("/books/v3/items"));
        QCOMPARE(products->listKey, QStringLiteral("items"));
        QCOMPARE(products->entityKey, QStringLiteral("item"));
        QCOMPARE(products->idField, QStringLiteral("item_id"));
        QCOMPARE(products->modifiedField, QStringLiteral("last_modified_time"));
        QVERIFY(products->volatileFields.contains(QStringLiteral("last_modified_time")));
        QVERIFY(products->affects.isEmpty());

        const EntityDefinition *customers = registry->find(QStringLiteral("customers"));
        QVERIFY(customers);
        QCOMPARE(customers->path, QStringLiteral("/books/v3/contacts"));
        QCOMPARE(customers->idField, QStringLiteral("contact_id"));

        const EntityDefinition *students = registry->find(QStringLiteral("students"));
        QVERIFY(students);
        QCOMPARE(students->source, EntityDefinition::Source::Crm);
        QCOMPARE(students->module, QStringLiteral("Students"));
        QCOMPARE(students->idField, QStringLiteral("id"));
        QCOMPARE(students->modifiedField, QStringLiteral("Modified_Time"));
        QCOMPARE(students->moodleUserIdField, QStringLiteral("Moodle_User_ID"));
        QVERIFY(students->volatileFields.contains(QStringLiteral("Modified_Time")));
        QVERIFY(std::is_sorted(students->volatileFields.cbegin(), students->volatileFields.cend()));
        QVERIFY(students->affects.contains(QStringLiteral("profile")));

        QVERIFY(students->roster);
        QCOMPARE(registry->roster(), students);
        QVERIFY(!products->roster);

        // The four dashboard modules: CRM entities keyed by their student, one endpoint each.
        const QList<std::pair<QString, QString>> modules{{"grades", "academics"}, {"payments", "finance"},
                                                         {"classes", "classes"}, {"requests", "requests"}};
        for (const auto &[name, endpoint] : modules) {
            const EntityDefinition *entity = registry->find(name);
            QVERIFY2(entity, qPrintable(name));
            QCOMPARE(entity->source, EntityDefinition::Source::Crm);
            QCOMPARE(entity->module, name.left(1).toUpper() + name.mid(1));
            QCOMPARE(entity->idField, QStringLiteral("id"));
            QCOMPARE(entity->moodleUserIdField, QStringLiteral("Moodle_User_ID"));
            QCOMPARE(entity->volatileFields, students->volatileFields);
            QCOMPARE(entity->affects, QStringList{endpoint});
            QVERIFY(!entity->roster);
        }

        QVERIFY(!registry->find(QStringLiteral("nope")));
        QCOMPARE(registry->affectedEndpoints(),
                 (QStringList{"academics", "classes", "finance", "profile", "requests"}));
    }

    void rejectsBadRegistries_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("mentions");
        const QByteArray good = R"({"name":"products","source":"books","path":"/books/v3/items","list_key":"items",
                                    "entity_key":"item","id_field":"item_id","modified_field":"last_modified_time"})";
        QTest::newRow("not json") << QByteArray("{") << QStringLiteral("not valid JSON");
        QTest::newRow("wrong version") << QByteArray(R"({"version":2,"entities":[]})") << QStringLiteral("version");
        QTest::newRow("no entities") << QByteArray(R"({"version":1,"entities":[]})") << QStringLiteral("entities");
        QTest::newRow("bad name") << QByteArray(R"({"version":1,"entities":[{"name":"Pro ducts*"}]})")
                                  << QStringLiteral("Pro ducts*");
        QTest::newRow("bad source")
            << QByteArray(R"({"version":1,"entities":[{"name":"x","source":"sheets"}]})") << QStringLiteral("sheets");
        QTest::newRow("books without path")
            << QByteArray(R"({"version":1,"entities":[{"name":"x","source":"books","list_key":"items"}]})")
            << QStringLiteral("\"path\"");
        QTest::newRow("crm without module")
            << QByteArray(R"({"version":1,"entities":[{"name":"x","source":"crm","id_field":"id"}]})")
            << QStringLiteral("\"module\"");
        QTest::newRow("no id field")
            << QByteArray(R"({"version":1,"entities":[{"name":"x","source":"crm","module":"Students"}]})")
            << QStringLiteral("id_field");
        QTest::newRow("duplicate")
            << QByteArray("{\"version\":1,\"entities\":[" + good + "," + good + "]}") << QStringLiteral("twice");
        QTest::newRow("bad affects")
            << QByteArray(R"({"version":1,"entities":[{"name":"s","source":"crm","module":"Students","id_field":"id",
                             "modified_field":"Modified_Time","affects":["pro*"]}]})")
            << QStringLiteral("pro*");
        QTest::newRow("roster not a bool")
            << QByteArray(R"({"version":1,"entities":[{"name":"s","source":"crm","module":"Students","id_field":"id",
                             "modified_field":"Modified_Time","moodle_user_id_field":"M","roster":"yes"}]})")
            << QStringLiteral("\"roster\" must be true or false");
        QTest::newRow("roster without student field")
            << QByteArray(R"({"version":1,"entities":[{"name":"s","source":"crm","module":"Students","id_field":"id",
                             "modified_field":"Modified_Time","roster":true}]})")
            << QStringLiteral("moodle_user_id_field");
        QTest::newRow("two rosters")
            << QByteArray(R"({"version":1,"entities":[{"name":"s","source":"crm","module":"Students","id_field":"id",
                             "modified_field":"Modified_Time","moodle_user_id_field":"M","roster":true},
                             {"name":"t","source":"crm","module":"Teachers","id_field":"id",
                             "modified_field":"Modified_Time","moodle_user_id_field":"M","roster":true}]})")
            << QStringLiteral("second roster");
        QTest::newRow("volatile id")
            << QByteArray(R"({"version":1,"entities":[{"name":"s","source":"crm","module":"Students","id_field":"id",
                             "modified_field":"Modified_Time","volatile_fields":["id"]}]})")
            << QStringLiteral("cannot be volatile");
    }
    void rejectsBadRegistries()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, mentions);
        auto registry = EntityRegistry::fromJson(json, QStringLiteral("test.json"));
        QVERIFY(!registry.ok());
        QCOMPARE(registry.error().kind, ErrorKind::InvalidArgument);
        QVERIFY2(registry.error().message.contains(mentions), qPrintable(registry.error().message));
        QVERIFY(registry.error().message.startsWith(QStringLiteral("test.json")));
    }
};

QTEST_GUILESS_MAIN(TestEntityRegistry)
#include "tst_entityregistry.moc"
