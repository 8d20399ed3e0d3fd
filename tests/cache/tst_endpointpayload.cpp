#include "cache/endpointpayload.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include <algorithm>

using namespace tiersync;

namespace {

QJsonObject record(const QJsonValue &id, const QString &name)
{
    return QJsonObject{{QStringLiteral("id"), id}, {QStringLiteral("Name"), name}};
}

QStringList idsOf(const QJsonValue &data)
{
    QStringList ids;
    for (const QJsonValue &value : data.toArray())
        ids.append(endpointpayload::idOf(value.toObject(), QStringLiteral("id")));
    return ids;
}

}  // namespace

class TestEndpointPayload final : public QObject {
    Q_OBJECT

private slots:
    void idOrder()
    {
        using endpointpayload::idLess;
        // Digit strings: by length, then text (numeric order without a parse).
        QVERIFY(idLess(QStringLiteral("9"), QStringLiteral("10")));
        QVERIFY(!idLess(QStringLiteral("10"), QStringLiteral("9")));
        QVERIFY(idLess(QStringLiteral("3652397000000000002"), QStringLiteral("3652397000000000010")));
        QVERIFY(idLess(QStringLiteral("999"), QStringLiteral("3652397000000000002")));
        // Digits before anything else; others by text; empty last; irreflexive.
        QVERIFY(idLess(QStringLiteral("99999"), QStringLiteral("a1")));
        QVERIFY(!idLess(QStringLiteral("a1"), QStringLiteral("99999")));
        QVERIFY(idLess(QStringLiteral("a1"), QStringLiteral("b")));
        QVERIFY(idLess(QStringLiteral("b"), QString()));
        QVERIFY(!idLess(QString(), QStringLiteral("b")));
        QVERIFY(!idLess(QStringLiteral("12"), QStringLiteral("12")));
        QVERIFY(!idLess(QString(), QString()));
        // Non-ASCII digits are not digits.
        QVERIFY(idLess(QStringLiteral("99"), QString::fromUtf8("\u0661")));

        QCOMPARE(endpointpayload::idOf(record(QStringLiteral("7"), {}), QStringLiteral("id")), QStringLiteral("7"));
        QCOMPARE(endpointpayload::idOf(record(12, {}), QStringLiteral("id")), QStringLiteral("12"));
        QCOMPARE(endpointpayload::idOf(record(1.5, {}), QStringLiteral("id")), QString());
        QCOMPARE(endpointpayload::idOf(record(QJsonValue(), {}), QStringLiteral("id")), QString());
    }

    void arrayIsEveryRecordInIdOrder()
    {
        const QList<QJsonObject> records{record(QStringLiteral("100"), "c"), record(QStringLiteral("20"), "b"),
                                         record(QStringLiteral("x"), "e"), record(QStringLiteral("3"), "a"),
                                         record(QJsonValue(), "f"), record(QStringLiteral("1000"), "d")};
        const QJsonValue data = endpointpayload::shape(EndpointDefinition::Shape::Array, records);
        QVERIFY(data.isArray());
        QCOMPARE(idsOf(data), (QStringList{"3", "20", "100", "1000", "x", ""}));
        QCOMPARE(data.toArray().last().toObject().value(QStringLiteral("Name")).toString(), QStringLiteral("f"));
        // Any input order gives the same bytes and hash.
        QList<QJsonObject> reversed = records;
        std::reverse(reversed.begin(), reversed.end());
        const auto a = endpointpayload::build(EndpointDefinition::Shape::Array, records);
        const auto b = endpointpayload::build(EndpointDefinition::Shape::Array, reversed);
        QCOMPARE(a.dataJson, b.dataJson);
        QCOMPARE(a.contentHash, b.contentHash);
        QCOMPARE(endpointpayload::build(EndpointDefinition::Shape::Array, {}).dataJson, QByteArray("[]"));
    }

    void objectIsTheFirstByIdOrNull()
    {
        const QList<QJsonObject> records{record(QStringLiteral("30"), "late"), record(QStringLiteral("4"), "first")};
        const QJsonValue data = endpointpayload::shape(EndpointDefinition::Shape::Object, records);
        QVERIFY(data.isObject());
        QCOMPARE(data.toObject().value(QStringLiteral("Name")).toString(), QStringLiteral("first"));
        const auto none = endpointpayload::build(EndpointDefinition::Shape::Object, {});
        QCOMPARE(none.dataJson, QByteArray("null"));
        QCOMPARE(none.contentHash,
                 QString::fromLatin1(QCryptographicHash::hash("null", QCryptographicHash::Sha256).toHex()));
    }

    // Canonical bytes: keys sorted at every depth, no whitespace, numbers by value; the
    // hash is SHA-256 of exactly those bytes.
    void canonicalBytesAndHash()
    {
        const QJsonObject spelled = QJsonDocument::fromJson(
            R"({"id":"5","b":{"z":1.0,"a":[1e2, "x/y"]},"a":"caf\u00e9"})").object();
        const auto payload = endpointpayload::build(EndpointDefinition::Shape::Array, {spelled});
        QCOMPARE(payload.dataJson, QByteArray(R"([{"a":"café","b":{"a":[100,"x/y"],"z":1},"id":"5"}])"));
        QCOMPARE(payload.contentHash,
                 QString::fromLatin1(QCryptographicHash::hash(payload.dataJson, QCryptographicHash::Sha256).toHex()));
        QCOMPARE(endpointpayload::contentHash(payload.dataJson), payload.contentHash);
        // The same record after a round trip through text (as a PostgreSQL row is): same bytes.
        const QJsonObject reparsed = QJsonDocument::fromJson(QJsonDocument(spelled).toJson()).object();
        QCOMPARE(endpointpayload::build(EndpointDefinition::Shape::Array, {reparsed}).dataJson, payload.dataJson);
        QCOMPARE(endpointpayload::toJson(QJsonValue()), QByteArray("null"));
        QCOMPARE(endpointpayload::toJson(QJsonValue(3)), QByteArray("null"));
    }
};

QTEST_GUILESS_MAIN(TestEndpointPayload)
#include "tst_endpointpayload.moc"
