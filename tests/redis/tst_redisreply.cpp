#include "redis/redisreply.h"

#include <hiredis/hiredis.h>

#include <QTest>

#include <limits>

using namespace tiersync;

namespace {

// Parses RESP bytes with hiredis's own reader, as a live connection would, and takes
// the reply through RedisReply::takeHiredis (which frees it).
RedisReply parse(const QByteArray &resp)
{
    redisReader *reader = redisReaderCreate();
    redisReaderFeed(reader, resp.constData(), size_t(resp.size()));
    void *raw = nullptr;
    const int status = redisReaderGetReply(reader, &raw);
    redisReaderFree(reader);
    if (status != REDIS_OK || raw == nullptr)
        qFatal("test RESP did not parse");
    return RedisReply::takeHiredis(static_cast<redisReply *>(raw));
}

QByteArray bulk(const QByteArray &bytes)
{
    return '$' + QByteArray::number(bytes.size()) + "\r\n" + bytes + "\r\n";
}

QByteArray everyByte()
{
    QByteArray bytes;
    for (int i = 0; i < 256; ++i)
        bytes.append(char(i));
    return bytes;
}

}  // namespace

class TestRedisReply final : public QObject {
    Q_OBJECT

private slots:
    void fieldPairsOfAFlatArray()
    {
        const RedisReply hash = RedisReply::array({RedisReply::string("a"), RedisReply::string("1"),
                                                   RedisReply::string("b"), RedisReply::string(QByteArray("\0x", 2)),
                                                   RedisReply::string("odd")});
        const QHash<QByteArray, QByteArray> fields = hash.fieldPairs();
        QCOMPARE(fields.size(), 2);  // the odd last element is ignored
        QCOMPARE(fields.value("a"), QByteArray("1"));
        QCOMPARE(fields.value("b"), QByteArray("\0x", 2));
        QVERIFY(RedisReply::array({}).fieldPairs().isEmpty());
        QVERIFY(RedisReply::string("a").fieldPairs().isEmpty());
    }

    void nil()
    {
        const RedisReply reply = parse("$-1\r\n");
        QCOMPARE(reply.type(), RedisReply::Type::Nil);
        QVERIFY(reply.isNil());
        QVERIFY(!reply.optionalBytes().has_value());
        QCOMPARE(reply, RedisReply::nil());
        QCOMPARE(RedisReply(), RedisReply::nil());
    }

    void nilArrayIsNil()
    {
        QVERIFY(parse("*-1\r\n").isNil());
    }

    void nullPointerIsNil()
    {
        QVERIFY(RedisReply::fromHiredis(nullptr).isNil());
        QVERIFY(RedisReply::takeHiredis(nullptr).isNil());
    }

    void status()
    {
        const RedisReply reply = parse("+OK\r\n");
        QVERIFY(reply.isStatus());
        QCOMPARE(reply.bytes(), QByteArray("OK"));
        QCOMPARE(reply.optionalBytes(), std::optional<QByteArray>("OK"));
        QVERIFY(reply.errorCode().isEmpty());
        QCOMPARE(reply, RedisReply::status("OK"));
    }

    void error()
    {
        const RedisReply reply = parse("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
        QVERIFY(reply.isError());
        QCOMPARE(reply.bytes(), QByteArray("WRONGTYPE Operation against a key holding the wrong kind of value"));
        QCOMPARE(reply.errorCode(), QByteArray("WRONGTYPE"));
        QVERIFY(!reply.optionalBytes().has_value());
        QCOMPARE(parse("-ERR\r\n").errorCode(), QByteArray("ERR"));
    }

    void integer_data()
    {
        QTest::addColumn<QByteArray>("resp");
        QTest::addColumn<qint64>("value");
        QTest::newRow("zero") << QByteArray(":0\r\n") << qint64(0);
        QTest::newRow("negative") << QByteArray(":-2\r\n") << qint64(-2);
        QTest::newRow("max") << QByteArray(":9223372036854775807\r\n") << std::numeric_limits<qint64>::max();
        QTest::newRow("min") << QByteArray(":-9223372036854775808\r\n") << std::numeric_limits<qint64>::min();
    }
    void integer()
    {
        QFETCH(QByteArray, resp);
        QFETCH(qint64, value);
        const RedisReply reply = parse(resp);
        QVERIFY(reply.isInteger());
        QCOMPARE(reply.integerValue(), value);
        QVERIFY(reply.bytes().isEmpty());
        QCOMPARE(reply, RedisReply::integer(value));
    }

    void binarySafeString_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("empty") << QByteArray("");
        QTest::newRow("text") << QByteArray("hello");
        QTest::newRow("nul") << QByteArray("a\0b\0", 4);
        QTest::newRow("crlf") << QByteArray("line1\r\nline2\r\n$3\r\n");
        QTest::newRow("non-utf8") << QByteArray("\xff\xfe\xc3\x28\x80", 5);
        QTest::newRow("every-byte") << everyByte();
        QTest::newRow("large") << QByteArray(1 << 20, '\0');
    }
    void binarySafeString()
    {
        QFETCH(QByteArray, bytes);
        const RedisReply reply = parse(bulk(bytes));
        QVERIFY(reply.isString());
        QCOMPARE(reply.bytes().size(), bytes.size());
        QCOMPARE(reply.bytes(), bytes);
        QCOMPARE(reply.optionalBytes(), std::optional<QByteArray>(bytes));
    }

    void emptyStringIsNotNil()
    {
        const RedisReply reply = parse("$0\r\n\r\n");
        QVERIFY(reply.isString());
        QVERIFY(reply.optionalBytes().has_value());
        QVERIFY(reply.optionalBytes()->isEmpty());
    }

    void emptyArray()
    {
        const RedisReply reply = parse("*0\r\n");
        QVERIFY(reply.isArray());
        QVERIFY(reply.elements().isEmpty());
    }

    void arrayOfEveryType()
    {
        const QByteArray binary("k\0\r\n\xff", 5);
        const RedisReply reply =
            parse("*6\r\n$-1\r\n+QUEUED\r\n-ERR nope\r\n:42\r\n" + bulk(binary) + "*1\r\n:7\r\n");
        QVERIFY(reply.isArray());
        const QList<RedisReply> &items = reply.elements();
        QCOMPARE(items.size(), 6);
        QVERIFY(items.at(0).isNil());
        QCOMPARE(items.at(1), RedisReply::status("QUEUED"));
        QCOMPARE(items.at(2), RedisReply::error("ERR nope"));
        QCOMPARE(items.at(3), RedisReply::integer(42));
        QCOMPARE(items.at(4), RedisReply::string(binary));
        QCOMPARE(items.at(5), RedisReply::array({RedisReply::integer(7)}));
    }

    void nestedArrays()
    {
        // SCAN's shape: [cursor, [keys…]], plus one more level to be sure recursion holds.
        const RedisReply reply =
            parse("*2\r\n$4\r\n1234\r\n*3\r\n$1\r\na\r\n*2\r\n$1\r\nb\r\n*1\r\n$-1\r\n$0\r\n\r\n");
        const RedisReply expected = RedisReply::array(
            {RedisReply::string("1234"),
             RedisReply::array({RedisReply::string("a"),
                                RedisReply::array({RedisReply::string("b"), RedisReply::array({RedisReply::nil()})}),
                                RedisReply::string("")})});
        QCOMPARE(reply, expected);
        QCOMPARE(reply.elements().at(1).elements().at(1).elements().at(1).elements().at(0).type(),
                 RedisReply::Type::Nil);
    }

    void largeArray()
    {
        QByteArray resp = "*10000\r\n";
        for (int i = 0; i < 10000; ++i)
            resp += bulk(QByteArray::number(i));
        const RedisReply reply = parse(resp);
        QCOMPARE(reply.elements().size(), 10000);
        QCOMPARE(reply.elements().at(9999).bytes(), QByteArray("9999"));
    }

    void describeNeverShowsContent()
    {
        const RedisReply secret = RedisReply::string("hunter2-payload");
        QVERIFY(!secret.describe().contains(QLatin1String("hunter2")));
        QCOMPARE(secret.describe(), QStringLiteral("string(15 bytes)"));
        QCOMPARE(RedisReply::array({RedisReply::nil(), RedisReply::nil()}).describe(),
                 QStringLiteral("array(2 elements)"));
        QCOMPARE(RedisReply::error("WRONGPASS invalid username-password pair").describe(),
                 QStringLiteral("error(WRONGPASS)"));
        QCOMPARE(RedisReply::nil().describe(), QStringLiteral("nil"));
        QCOMPARE(RedisReply::integer(3).describe(), QStringLiteral("integer"));
    }

    void valueSemantics()
    {
        RedisReply original = RedisReply::array({RedisReply::string("x")});
        const RedisReply copy = original;
        original = RedisReply::integer(1);
        QCOMPARE(copy.elements().first().bytes(), QByteArray("x"));
        QVERIFY(copy != original);
    }
};

QTEST_GUILESS_MAIN(TestRedisReply)
#include "tst_redisreply.moc"
