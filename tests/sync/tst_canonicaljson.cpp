#include "sync/canonicaljson.h"
#include "sync/contenthasher.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace tiersync;

namespace {

QJsonValue parse(const QByteArray &json)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        qFatal("test JSON does not parse: %s", json.constData());
    return document.isObject() ? QJsonValue(document.object()) : QJsonValue(document.array());
}

QString reference(const QByteArray &bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

}  // namespace

class TestCanonicalJson final : public QObject {
    Q_OBJECT

private slots:
    // The canonical form is a contract (hashes are stored in PostgreSQL and Redis):
    // these exact strings and hashes must never change.
    void pinnedForms_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("canonical");
        QTest::addColumn<QString>("sha256");

        QTest::newRow("keys sorted at every depth, no whitespace")
            << QByteArray(R"({ "c" : false, "b": 2,
                              "a": {"y": "e\u0301", "x": [1, {"n": true, "m": null}]} })")
            << QByteArray(R"({"a":{"x":[1,{"m":null,"n":true}],"y":"é"},"b":2,"c":false})")
            << QStringLiteral("d747c16de383eea31cee743ac52863fff7d3aa633626ccf821ee4fd7bf2d5f22");
        QTest::newRow("Books item")
            << QByteArray(R"({"rate":120.0,"name":"Hard Drive","item_id":"45667789900",
                              "custom_fields":[{"value":"Normal","customfield_id":"46000000012845"}]})")
            << QByteArray(R"({"custom_fields":[{"customfield_id":"46000000012845","value":"Normal"}],"item_id":"45667789900","name":"Hard Drive","rate":120})")
            << QStringLiteral("a4953a88edaa914d2c3cbadc80a444dbf1875f407f771e9941c6543bec56eb65");
        QTest::newRow("escapes: quote, backslash, controls; '/' and non-ASCII raw")
            // (no raw string here: moc misreads \" inside one)
            << QByteArray("{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001\\/\\u00fc\u20ac\\ud83d\\ude00\"}")
            << QByteArray("{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001/\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80\"}")
            << QStringLiteral("af8f77a824eacae0fbdb543f63687a38b7abc3900e6e9c8f38174ad62142f140");
        QTest::newRow("numbers by value")
            << QByteArray(R"([120, 120.0, 1.2e2, -0, 0.1, -2.50, 1e21, 0.00000015, 9007199254740993])")
            << QByteArray(R"([120,120,120,0,0.1,-2.5,1e+21,1.5e-07,9007199254740993])")
            << QStringLiteral("010806f88e3babfbe12a84a2cd30daafe06197a9cbe93c644d25e5e579331ccd");
    }
    void pinnedForms()
    {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, canonical);
        QFETCH(QString, sha256);
        const QJsonValue value = parse(input);
        QCOMPARE(canonicaljson::serialize(value), canonical);
        QCOMPARE(reference(canonical), sha256);  // the pinned hash is the hash of the pinned text
        ContentHasher hasher;
        QCOMPARE(hasher.sha256Hex(canonical), sha256);
        if (value.isObject()) {
            QCOMPARE(hasher.hash(value.toObject(), {}), sha256);
            QCOMPARE(hasher.lastCanonical(), canonical);
        }
    }

    void volatileFieldsLeaveTheTopLevelOnly()
    {
        const QJsonObject item = parse(R"({"item_id":"1","rate":5,"last_modified_time":"2024-01-01T00:00:00+0530",
                                           "nested":{"last_modified_time":"kept"}})")
                                     .toObject();
        const QStringList volatileFields{QStringLiteral("last_modified_time")};
        QCOMPARE(canonicaljson::serialize(item, volatileFields),
                 QByteArray(R"({"item_id":"1","nested":{"last_modified_time":"kept"},"rate":5})"));

        // A change of a volatile field alone does not change the hash; a content change does.
        ContentHasher hasher;
        QJsonObject touched = item;
        touched.insert(QStringLiteral("last_modified_time"), QStringLiteral("2024-06-01T00:00:00+0530"));
        QCOMPARE(hasher.hash(touched, volatileFields), hasher.hash(item, volatileFields));
        QJsonObject changed = item;
        changed.insert(QStringLiteral("rate"), 5.5);
        QVERIFY(hasher.hash(changed, volatileFields) != hasher.hash(item, volatileFields));
    }

    void sameContentSameHash()
    {
        ContentHasher hasher;
        const QString a = hasher.hash(parse(R"({"b":[1.0,"x"],"a":{"z":1,"y":2}})").toObject(), {});
        const QString b = hasher.hash(parse(R"({"a":{"y":2.0,"z":1e0},"b":[1,"x"]})").toObject(), {});
        QCOMPARE(a, b);
        // NFC: precomposed and decomposed spellings, in keys too.
        const QString c = hasher.hash(parse("{\"caf\\u00e9\":\"na\\u00efve\"}").toObject(), {});
        const QString d = hasher.hash(parse("{\"cafe\\u0301\":\"nai\\u0308ve\"}").toObject(), {});
        QCOMPARE(c, d);
        // Different content: order inside arrays matters, types matter.
        QVERIFY(hasher.hash(parse(R"({"a":[1,2]})").toObject(), {})
                != hasher.hash(parse(R"({"a":[2,1]})").toObject(), {}));
        QVERIFY(hasher.hash(parse(R"({"a":"1"})").toObject(), {}) != hasher.hash(parse(R"({"a":1})").toObject(), {}));
        QCOMPARE(hasher.hash(QJsonObject(), {}), QStringLiteral("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"));
    }

    // Two keys that are one text in NFC ("cafe\u0301" and "caf\u00e9") are written once, so
    // the canonical form reads back as itself; which member stays depends on the content
    // only (fuzz_canonical_json found the key written twice).
    void keysEqualAfterNormalisationAreWrittenOnce()
    {
        const QJsonValue value = parse("{\"cafe\\u0301\":1,\"caf\\u00e9\":2,\"z\":3}");
        QCOMPARE(value.toObject().size(), 3);
        const QByteArray canonical = canonicaljson::serialize(value);
        QCOMPARE(canonical, QByteArray("{\"caf\xc3\xa9\":2,\"z\":3}"));  // "caf\u00e9" sorts after "cafe\u0301"
        QCOMPARE(canonicaljson::serialize(parse(canonical)), canonical);
        // The other order of the same members gives the same bytes.
        QCOMPARE(canonicaljson::serialize(parse("{\"z\":3,\"caf\\u00e9\":2,\"cafe\\u0301\":1}")), canonical);
    }

    void loneSurrogateBecomesReplacementCharacter()
    {
        QJsonObject object;
        object.insert(QStringLiteral("s"), QString(QChar(0xD800)));
        QCOMPARE(canonicaljson::serialize(object, {}), QByteArray("{\"s\":\"\xef\xbf\xbd\"}"));
    }
};

QTEST_GUILESS_MAIN(TestCanonicalJson)
#include "tst_canonicaljson.moc"
