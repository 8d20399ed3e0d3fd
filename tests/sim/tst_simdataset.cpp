#include "simcriteria.h"
#include "simdataset.h"
#include "simoptions.h"
#include "simtime.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QMap>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

#include <algorithm>
#include <random>

using namespace tiersync;
using namespace tiersync::sim;

class TestSimDataSet final : public QObject {
    Q_OBJECT

private slots:
    void sameSeedSameData()
    {
        const SimDataSet a(7, 300, 200, 60);
        const SimDataSet b(7, 300, 200, 60);
        for (SimEntity entity : allSimEntities) {
            QCOMPARE(a.size(entity), b.size(entity));
            for (int i = 0; i < a.size(entity); ++i)
                QCOMPARE(a.records(entity)[std::size_t(i)].json, b.records(entity)[std::size_t(i)].json);
        }
    }

    void otherSeedOtherData()
    {
        const SimDataSet a(7, 50, 50, 10);
        const SimDataSet b(8, 50, 50, 10);
        int differing = 0;
        for (int i = 0; i < 50; ++i)
            differing += a.records(SimEntity::Products)[std::size_t(i)].json
                                 != b.records(SimEntity::Products)[std::size_t(i)].json
                             ? 1
                             : 0;
        QVERIFY(differing > 40);
    }

    void recordDoesNotDependOnTotal()
    {
        // A record is a function of seed and id, so a bigger data set extends a smaller one.
        const SimDataSet small(3, 20, 20, 5);
        const SimDataSet large(3, 200, 40, 5);
        for (const SimRecord &record : small.records(SimEntity::Products)) {
            const int index = large.indexOfId(SimEntity::Products, record.id);
            QVERIFY(index >= 0);
            QCOMPARE(large.records(SimEntity::Products)[std::size_t(index)].json, record.json);
        }
    }

    void defaultCounts()
    {
        const SimOptions options;
        const SimDataSet data(options.seed, options.products, options.customers, options.students);
        QCOMPARE(data.size(SimEntity::Products), 1312);
        QCOMPARE(data.size(SimEntity::Customers), 2503);
        QCOMPARE(data.size(SimEntity::Students), 500);
        QVERIFY(data.size(SimEntity::Grades) >= 3 * 500);
        QVERIFY(data.size(SimEntity::Grades) <= 8 * 500);
        QVERIFY(data.size(SimEntity::Payments) >= 500);
        QVERIFY(data.size(SimEntity::Classes) >= 2 * 500);
        for (int user = 1; user <= 500; ++user) {
            QCOMPARE(data.indicesOfMoodleUser(SimEntity::Students, user).size(), std::size_t(1));
            const auto grades = data.indicesOfMoodleUser(SimEntity::Grades, user);
            QVERIFY(grades.size() >= 3 && grades.size() <= 8);
        }
    }

    void idsAreUniqueDigitStrings()
    {
        const SimDataSet data(1, 500, 500, 100);
        static const QRegularExpression digits(QStringLiteral("^[0-9]+$"));
        for (SimEntity entity : allSimEntities) {
            QSet<QString> seen;
            const QString idKey = entity == SimEntity::Products    ? QStringLiteral("item_id")
                                  : entity == SimEntity::Customers ? QStringLiteral("contact_id")
                                                                   : QStringLiteral("id");
            for (int i = 0; i < data.size(entity); ++i) {
                const QJsonObject object = data.object(entity, i);
                QVERIFY(object.value(idKey).isString());
                const QString id = object.value(idKey).toString();
                QCOMPARE(id.toStdString(), data.records(entity)[std::size_t(i)].id);
                QVERIFY2(digits.match(id).hasMatch(), qPrintable(id));
                if (isCrmEntity(entity))
                    QCOMPARE(id.size(), 19);
                QVERIFY(!seen.contains(id));
                seen.insert(id);
            }
        }
    }

    void timestampFormats()
    {
        const SimDataSet data(1, 100, 100, 30);
        static const QRegularExpression books(QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d[+-]\\d{4}$"));
        static const QRegularExpression crm(QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d[+-]\\d\\d:\\d\\d$"));
        for (SimEntity entity : {SimEntity::Products, SimEntity::Customers}) {
            for (int i = 0; i < data.size(entity); ++i) {
                const QJsonObject object = data.object(entity, i);
                QVERIFY2(books.match(object.value(QLatin1String("created_time")).toString()).hasMatch(),
                         qPrintable(object.value(QLatin1String("created_time")).toString()));
                QVERIFY(books.match(object.value(QLatin1String("last_modified_time")).toString()).hasMatch());
            }
        }
        for (SimEntity entity : {SimEntity::Students, SimEntity::Grades, SimEntity::Requests}) {
            for (int i = 0; i < data.size(entity); ++i) {
                const QJsonObject object = data.object(entity, i);
                QVERIFY2(crm.match(object.value(QLatin1String("Modified_Time")).toString()).hasMatch(),
                         qPrintable(object.value(QLatin1String("Modified_Time")).toString()));
                QVERIFY(crm.match(object.value(QLatin1String("Created_Time")).toString()).hasMatch());
            }
        }
        QCOMPARE(formatBooksTime(0), std::string("1970-01-01T05:30:00+0530"));
        QCOMPARE(formatCrmTime(1687564079), std::string("2023-06-24T05:17:59+05:30"));
        QCOMPARE(formatDate(1687564079), std::string("2023-06-24"));
        QCOMPARE(parseHttpOrIsoTime(QStringLiteral("2023-06-23T23:47:59-11:00")), std::optional<qint64>(1687603679));
        QCOMPARE(parseHttpOrIsoTime(QStringLiteral("Sun, 06 Nov 1994 08:49:37 GMT")), std::optional<qint64>(784111777));
        QVERIFY(!parseHttpOrIsoTime(QStringLiteral("yesterday")));
    }

    void booksFields()
    {
        const SimDataSet data(1, 10, 10, 3);
        const QJsonObject item = data.object(SimEntity::Products, 0);
        for (const char *key : {"item_id", "name", "status", "description", "rate", "unit", "tax_id", "tax_name",
                                "tax_percentage", "sku", "product_type", "custom_fields", "created_time",
                                "last_modified_time"})
            QVERIFY2(item.contains(QLatin1String(key)), key);
        QVERIFY(item.value(QLatin1String("rate")).isDouble());
        QVERIFY(item.value(QLatin1String("custom_fields")).isArray());
        const QJsonObject contact = data.object(SimEntity::Customers, 0);
        for (const char *key : {"contact_id", "contact_name", "company_name", "contact_type", "status", "email",
                                "phone", "outstanding_receivable_amount", "created_time", "last_modified_time"})
            QVERIFY2(contact.contains(QLatin1String(key)), key);
        const QJsonObject student = data.object(SimEntity::Students, 0);
        QCOMPARE(student.value(QLatin1String("Moodle_User_ID")).toString(), QStringLiteral("1"));
        for (const char *key : {"Full_Name", "Email", "Program", "Year", "Status"})
            QVERIFY2(student.contains(QLatin1String(key)), key);
        // Books lists are sorted by name.
        for (int i = 1; i < data.size(SimEntity::Products); ++i)
            QVERIFY(data.object(SimEntity::Products, i - 1).value(QLatin1String("name")).toString()
                    < data.object(SimEntity::Products, i).value(QLatin1String("name")).toString());
    }

    void mutateChangesContentAndTime()
    {
        SimDataSet data(1, 20, 20, 5);
        const SimDataSet untouched(1, 20, 20, 5);
        const QJsonObject before = data.object(SimEntity::Products, 4);
        const qint64 nowS = nowEpochSeconds();
        data.mutate(SimEntity::Products, 4, nowS);
        const QJsonObject after = data.object(SimEntity::Products, 4);
        QCOMPARE(after.value(QLatin1String("item_id")), before.value(QLatin1String("item_id")));
        QVERIFY(after.value(QLatin1String("description")) != before.value(QLatin1String("description")));
        QVERIFY(after.value(QLatin1String("last_modified_time")).toString()
                != before.value(QLatin1String("last_modified_time")).toString());
        QCOMPARE(data.records(SimEntity::Products)[4].modifiedS, nowS);
        // Mutating again within the same second still moves the time forward.
        data.mutate(SimEntity::Products, 4, nowS);
        QCOMPARE(data.records(SimEntity::Products)[4].modifiedS, nowS + 1);
        for (int i = 0; i < 20; ++i) {
            if (i != 4)
                QCOMPARE(data.records(SimEntity::Products)[std::size_t(i)].json,
                         untouched.records(SimEntity::Products)[std::size_t(i)].json);
        }
        for (SimEntity entity : allSimEntities) {
            const QJsonObject old = data.object(entity, 0);
            data.mutate(entity, 0, nowS);
            QVERIFY2(data.object(entity, 0) != old, qPrintable(simEntityName(entity)));
        }
    }

    void pickIndicesIsDistinctAndSized()
    {
        const SimDataSet data(1, 1312, 10, 3);
        const auto picked = data.pickIndices(SimEntity::Products, 66, 1);
        QCOMPARE(picked.size(), std::size_t(66));
        QCOMPARE(QSet<int>(picked.begin(), picked.end()).size(), 66);
        QCOMPARE(data.pickIndices(SimEntity::Products, 5000, 2).size(), std::size_t(1312));
    }

    // Random creates, moves, deletes and updates over every CRM module: afterwards the
    // records are still in id order, each id maps to its index, and each Moodle user's list
    // holds exactly its records, in order; deleted ids never come back.
    void editsKeepTheIndexes()
    {
        SimDataSet data(3, 0, 0, 80);
        std::mt19937 random(42);
        auto pick = [&random](int low, int high) { return std::uniform_int_distribution<int>(low, high)(random); };
        const std::vector<SimEntity> modules{SimEntity::Students, SimEntity::Grades, SimEntity::Payments,
                                             SimEntity::Classes, SimEntity::Requests};
        QSet<QString> deletedIds;
        qint64 nowS = 1767225600;
        for (int step = 0; step < 600; ++step, nowS += 7) {
            const SimEntity entity = modules[static_cast<std::size_t>(pick(0, 4))];
            const int size = data.size(entity);
            const int moodle = pick(1, 3) == 1 ? pick(1'000'000, 1'000'010) : pick(1, 120);
            switch (pick(0, 3)) {
            case 0:
                if (entity != SimEntity::Students || !data.studentIdOf(moodle))
                    data.create(entity, moodle, nowS);
                break;
            case 1:
                if (size > 0 && (entity != SimEntity::Students || !data.studentIdOf(moodle)))
                    data.move(entity, pick(0, size - 1), moodle, nowS);
                break;
            case 2:
                if (size > 3) {
                    std::vector<int> gone{pick(0, size - 1)};
                    const int second = pick(0, size - 1);
                    if (second != gone.front())
                        gone.push_back(second);
                    for (const int index : gone)
                        deletedIds.insert(QString::fromStdString(data.records(entity)[static_cast<std::size_t>(index)].id));
                    data.remove(entity, gone, nowS, pick(0, 1) == 1);
                }
                break;
            default:
                if (size > 0)
                    data.mutate(entity, pick(0, size - 1), nowS);
                break;
            }
        }
        int deleted = 0;
        for (const SimEntity entity : modules) {
            const auto &records = data.records(entity);
            QMap<int, std::vector<int>> byUser;
            for (int i = 0; i < static_cast<int>(records.size()); ++i) {
                const SimRecord &record = records[static_cast<std::size_t>(i)];
                QCOMPARE(data.indexOfId(entity, record.id), i);
                QVERIFY(!deletedIds.contains(QString::fromStdString(record.id)));
                if (i > 0)
                    QVERIFY(records[static_cast<std::size_t>(i - 1)].id < record.id);
                byUser[record.moodleUserId].push_back(i);
                const QJsonObject object = data.object(entity, i);
                QCOMPARE(object.value(QLatin1String("Moodle_User_ID")).toString(), QString::number(record.moodleUserId));
            }
            for (auto it = byUser.begin(); it != byUser.end(); ++it)
                QCOMPARE(data.indicesOfMoodleUser(entity, it.key()), it.value());
            for (const int moodle : {1, 50, 119, 1'000'003})
                QCOMPARE(data.indicesOfMoodleUser(entity, moodle).size(), byUser.value(moodle).size());
            for (const SimDataSet::Deleted &gone : data.deleted(entity)) {
                QVERIFY(deletedIds.contains(QString::fromStdString(gone.id)));
                QCOMPARE(data.indexOfId(entity, gone.id), -1);
                ++deleted;
            }
        }
        QCOMPARE(deleted, deletedIds.size());
        // Students: at most one per Moodle user.
        for (int moodle = 1; moodle <= 120; ++moodle)
            QVERIFY(data.indicesOfMoodleUser(SimEntity::Students, moodle).size() <= 1);
    }

    void criteria()
    {
        const auto fields = [](const QString &field) -> std::optional<QString> {
            if (field == QLatin1String("Moodle_User_ID"))
                return QStringLiteral("42");
            if (field == QLatin1String("Status"))
                return QStringLiteral("Active");
            if (field == QLatin1String("Note"))
                return QStringLiteral("a (b), c");
            return std::nullopt;
        };
        auto matches = [&](const char *text) {
            auto parsed = SimCriteria::parse(QString::fromLatin1(text));
            if (!parsed)
                qWarning() << parsed.error().message;
            return parsed && parsed->matches(fields);
        };
        QVERIFY(matches("(Moodle_User_ID:equals:42)"));
        QVERIFY(!matches("(Moodle_User_ID:equals:4)"));
        QVERIFY(matches("((Moodle_User_ID:equals:42)and(Status:equals:active))"));
        QVERIFY(!matches("((Moodle_User_ID:equals:42)and(Status:equals:Graduated))"));
        QVERIFY(matches("((Moodle_User_ID:equals:1)or(Status:starts_with:Act))"));
        QVERIFY(matches("(Moodle_User_ID:in:1,42,7)"));
        QVERIFY(matches("(Moodle_User_ID:greater_than:9)"));  // numeric, not text, order
        QVERIFY(matches("(Note:equals:a \\(b\\)\\, c)"));
        QVERIFY(!matches("(Missing:equals:x)"));
        const auto single = SimCriteria::parse(QStringLiteral("(Moodle_User_ID:equals:42)"));
        QVERIFY(single && single->singleEquals());
        QCOMPARE(single->singleEquals()->second, QStringLiteral("42"));
        for (const char *bad : {"", "Moodle_User_ID:equals:1", "(Moodle_User_ID:equals:1", "(A:like:1)",
                                "((A:equals:1)and(B:equals:2)or(C:equals:3))", "(A:equals:1))"})
            QVERIFY2(!SimCriteria::parse(QString::fromLatin1(bad)), bad);
    }

    void options()
    {
        auto defaults = SimOptions::parse({QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")});
        QVERIFY(defaults);
        QCOMPARE(defaults->port, 0);
        QCOMPARE(defaults->products, 1312);
        QCOMPARE(defaults->clientId, QStringLiteral("1000.TIERSYNCSANDBOX"));
        auto full = SimOptions::parse({QStringLiteral("--listen=127.0.0.1:8123"), QStringLiteral("--seed"),
                                       QStringLiteral("9"), QStringLiteral("--latency-ms"), QStringLiteral("5-20"),
                                       QStringLiteral("--students"), QStringLiteral("2500")});
        QVERIFY(full);
        QCOMPARE(full->port, 8123);
        QCOMPARE(full->seed, quint64(9));
        QCOMPARE(full->latencyMinMs, 5);
        QCOMPARE(full->latencyMaxMs, 20);
        QCOMPARE(full->students, 2500);
        const QList<QStringList> bad{
            {},
            {QStringLiteral("--listen"), QStringLiteral("nowhere")},
            {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:70000")},
            {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--products")},
            {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--latency-ms"), QStringLiteral("9-3")},
            {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--frobnicate")},
        };
        for (const QStringList &arguments : bad) {
            auto parsed = SimOptions::parse(arguments);
            QVERIFY2(!parsed, qPrintable(arguments.join(QLatin1Char(' '))));
            QCOMPARE(parsed.error().kind, ErrorKind::InvalidArgument);
        }
    }
};

QTEST_GUILESS_MAIN(TestSimDataSet)
#include "tst_simdataset.moc"
