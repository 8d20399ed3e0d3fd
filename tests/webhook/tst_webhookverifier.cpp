#include "webhook/crmnotification.h"
#include "webhook/webhookverifier.h"

#include <QTest>

using namespace tiersync;

class TestWebhookVerifier final : public QObject {
    Q_OBJECT

private slots:
    void tokenMatchesOnlyTheSameToken()
    {
        QVERIFY(WebhookVerifier::tokenMatches("TOKEN_1", "TOKEN_1"));
        QVERIFY(!WebhookVerifier::tokenMatches("TOKEN_1", "TOKEN_2"));
        QVERIFY(!WebhookVerifier::tokenMatches("TOKEN_1", "TOKEN_1 "));
        QVERIFY(!WebhookVerifier::tokenMatches("TOKEN_1", "TOKEN_"));
        QVERIFY(!WebhookVerifier::tokenMatches("TOKEN_1", ""));
        // Nothing configured: nothing matches, not even nothing.
        QVERIFY(!WebhookVerifier::tokenMatches("", ""));
        QVERIFY(!WebhookVerifier::tokenMatches("", "x"));
    }

    void signatureAcceptsHexAndBase64()
    {
        const QByteArray secret = "s3cret";
        const QByteArray body = R"({"item":{"item_id":"1"}})";
        const QByteArray mac = WebhookVerifier::hmacSha256(secret, body);
        QCOMPARE(mac.size(), 32);
        // RFC 4231 test case 2 pins the primitive.
        QCOMPARE(WebhookVerifier::hmacSha256("Jefe", "what do ya want for nothing?").toHex(),
                 QByteArray("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
        QVERIFY(WebhookVerifier::signatureMatches(secret, body, mac.toHex()));
        QVERIFY(WebhookVerifier::signatureMatches(secret, body, mac.toHex().toUpper()));
        QVERIFY(WebhookVerifier::signatureMatches(secret, body, mac.toBase64()));
        QVERIFY(WebhookVerifier::signatureMatches(secret, body, mac.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)));
        QVERIFY(WebhookVerifier::signatureMatches(secret, body, " " + mac.toHex() + "\n"));
    }

    void signatureRejectsEverythingElse()
    {
        const QByteArray secret = "s3cret";
        const QByteArray body = R"({"item":{"item_id":"1"}})";
        const QByteArray mac = WebhookVerifier::hmacSha256(secret, body);
        QVERIFY(!WebhookVerifier::signatureMatches(secret, body + " ", mac.toHex()));
        QVERIFY(!WebhookVerifier::signatureMatches("other", body, mac.toHex()));
        QVERIFY(!WebhookVerifier::signatureMatches(secret, body, ""));
        QVERIFY(!WebhookVerifier::signatureMatches(secret, body, mac.toHex().left(63)));
        QVERIFY(!WebhookVerifier::signatureMatches(secret, body, mac.toHex() + "00"));
        QVERIFY(!WebhookVerifier::signatureMatches(secret, body, "not a signature at all"));
        QByteArray flipped = mac;
        flipped[31] = char(flipped[31] ^ 1);
        QVERIFY(!WebhookVerifier::signatureMatches(secret, body, flipped.toHex()));
        QVERIFY(!WebhookVerifier::signatureMatches("", body, WebhookVerifier::hmacSha256("", body).toHex()));
    }

    void crmNotificationParses()
    {
        const QByteArray body = R"({"server_time":1718117126473,"query_params":{},"module":"Students",)"
                                R"("resource_uri":"https://www.zohoapis.com/crm/v2/Students","ids":["5725767000003000064", 7],)"
                                R"("affected_fields":[],"operation":"update","channel_id":"1000000068001","token":"T"})";
        auto parsed = CrmNotification::parse(body);
        QVERIFY(parsed.ok());
        QCOMPARE(parsed->module, QStringLiteral("Students"));
        QCOMPARE(parsed->serverTime, QStringLiteral("1718117126473"));
        QCOMPARE(parsed->channelId, QStringLiteral("1000000068001"));
        QCOMPARE(parsed->operation, QStringLiteral("update"));
        QCOMPARE(parsed->ids, (QStringList{QStringLiteral("5725767000003000064"), QString()}));  // a number is no id
        QVERIFY(parsed->hasToken);
        QCOMPARE(parsed->token, QByteArray("T"));
    }

    void crmNotificationRejectsBadShapes_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("truncated") << QByteArray(R"({"module":"Students","ids":["1"])");
        QTest::newRow("array") << QByteArray(R"([{"module":"Students"}])");
        QTest::newRow("no module") << QByteArray(R"({"ids":["1"]})");
        QTest::newRow("module not a string") << QByteArray(R"({"module":5,"ids":["1"]})");
        QTest::newRow("ids not an array") << QByteArray(R"({"module":"Students","ids":"1"})");
    }

    void crmNotificationRejectsBadShapes()
    {
        QFETCH(QByteArray, body);
        auto parsed = CrmNotification::parse(body);
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().kind, ErrorKind::InvalidArgument);
    }

    void idempotencyKeyIsStable()
    {
        CrmNotification a;
        a.module = QStringLiteral("Students");
        a.channelId = QStringLiteral("1");
        a.serverTime = QStringLiteral("100");
        a.operation = QStringLiteral("update");
        const QString key = a.idempotencyKey({QStringLiteral("2"), QStringLiteral("1")});
        QVERIFY(key.startsWith(QStringLiteral("crm:")));
        QCOMPARE(a.idempotencyKey({QStringLiteral("1"), QStringLiteral("2")}), key);  // order does not matter
        QVERIFY(a.idempotencyKey({QStringLiteral("1")}) != key);
        CrmNotification later = a;
        later.serverTime = QStringLiteral("101");
        QVERIFY(later.idempotencyKey({QStringLiteral("1"), QStringLiteral("2")}) != key);
    }
};

QTEST_GUILESS_MAIN(TestWebhookVerifier)
#include "tst_webhookverifier.moc"
