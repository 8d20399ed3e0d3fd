// TokenCipher and TokenRecord: what the shared OAuth token looks like sealed, and that
// nothing but the same client secret, client id, key name and header opens it.
#include "verifyok.h"

#include "budget/tokencipher.h"
#include "budget/tokenrecord.h"

#include <QSet>
#include <QTest>

using namespace tiersync;

namespace {

const QString kClientId = QStringLiteral("1000.CLIENTID");
const Secret kSecret(QStringLiteral("client-secret-of-the-test"));
const QByteArray kKey = "tiersync:v1:oauth:1000.CLIENTID";
const QByteArray kToken = "1000.abcdef0123456789.access-token";

TokenRecord sampleRecord()
{
    TokenRecord record;
    record.expiresAtMs = 1718120730000;
    record.refreshedAtMs = 1718117130000;
    record.refreshedBy = QStringLiteral("host-a:4242");
    return record;
}

}  // namespace

class TestTokenCipher final : public QObject {
    Q_OBJECT

private slots:
    void roundTrip()
    {
        const TokenCipher cipher(kSecret, kClientId);
        QVERIFY(cipher.isValid());
        const QByteArray aad = TokenRecord::additionalData(kKey, sampleRecord().header());
        auto sealed = cipher.seal(kToken, aad);
        VERIFY_OK(sealed);
        QCOMPARE(sealed->size(), TokenCipher::kIvBytes + kToken.size() + TokenCipher::kTagBytes);
        QVERIFY(!sealed->contains(kToken));
        // Another cipher from the same secret and client (another process) opens it.
        const TokenCipher other(kSecret, kClientId);
        auto opened = other.open(*sealed, aad);
        VERIFY_OK(opened);
        QCOMPARE(*opened, kToken);
    }

    void recordRoundTrip()
    {
        const TokenCipher cipher(kSecret, kClientId);
        TokenRecord record = sampleRecord();
        auto sealed = cipher.seal(kToken, TokenRecord::additionalData(kKey, record.header()));
        VERIFY_OK(sealed);
        record.sealed = *sealed;
        const QByteArray text = record.encode();
        QVERIFY(text.startsWith("v1.1718120730000.1718117130000."));
        QCOMPARE(text.count('.'), 4);
        QVERIFY(!text.contains(kToken));
        QVERIFY(!text.contains("host-a"));  // base64url, not clear text
        auto parsed = TokenRecord::parse(text);
        VERIFY_OK(parsed);
        QCOMPARE(parsed->expiresAtMs, record.expiresAtMs);
        QCOMPARE(parsed->refreshedAtMs, record.refreshedAtMs);
        QCOMPARE(parsed->refreshedBy, record.refreshedBy);
        QCOMPARE(parsed->sealed, record.sealed);
        auto opened = cipher.open(parsed->sealed, TokenRecord::additionalData(kKey, parsed->header()));
        VERIFY_OK(opened);
        QCOMPARE(*opened, kToken);
    }

    // The console reads the clear header alone (the sealed part stays in Redis).
    void headerAloneParses()
    {
        const TokenRecord record = sampleRecord();
        auto parsed = TokenRecord::parseHeader(record.header());
        VERIFY_OK(parsed);
        QCOMPARE(parsed->expiresAtMs, record.expiresAtMs);
        QCOMPARE(parsed->refreshedAtMs, record.refreshedAtMs);
        QCOMPARE(parsed->refreshedBy, record.refreshedBy);
        QVERIFY(parsed->sealed.isEmpty());
        for (const QByteArray &bad : {QByteArray(), QByteArray("v1.1.2.aG9zdA.AAAA"), QByteArray("v2.1.2.aG9zdA"),
                                      QByteArray("v1.x.2.aG9zdA"), QByteArray("v1.1.2.aG+/")}) {
            auto rejected = TokenRecord::parseHeader(bad);
            QVERIFY2(!rejected.ok(), bad.constData());
            QCOMPARE(rejected.error().kind, ErrorKind::Protocol);
        }
    }

    void badRecordsAreRejected_data()
    {
        QTest::addColumn<QByteArray>("record");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("four fields") << QByteArray("v1.1.2.aG9zdA");
        QTest::newRow("six fields") << QByteArray("v1.1.2.aG9zdA.AAAA.x");
        QTest::newRow("version") << QByteArray("v2.1.2.aG9zdA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        QTest::newRow("time not a number") << QByteArray("v1.x1.2.aG9zdA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        QTest::newRow("negative time") << QByteArray("v1.-1.2.aG9zdA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        QTest::newRow("not base64url") << QByteArray("v1.1.2.aG9zdA.AA+/AA==");
        QTest::newRow("no token") << QByteArray("v1.1.2.aG9zdA.");
    }
    void badRecordsAreRejected()
    {
        QFETCH(QByteArray, record);
        auto parsed = TokenRecord::parse(record);
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().kind, ErrorKind::Protocol);
    }

    void wrongSecretFails()
    {
        const TokenCipher cipher(kSecret, kClientId);
        const QByteArray aad = TokenRecord::additionalData(kKey, sampleRecord().header());
        auto sealed = cipher.seal(kToken, aad);
        VERIFY_OK(sealed);
        const TokenCipher wrongSecret(Secret(QStringLiteral("another-secret")), kClientId);
        auto opened = wrongSecret.open(*sealed, aad);
        QVERIFY(!opened.ok());
        QCOMPARE(opened.error().kind, ErrorKind::Auth);
        // The client id is part of the key too.
        const TokenCipher otherClient(kSecret, QStringLiteral("1000.OTHER"));
        QVERIFY(!otherClient.open(*sealed, aad).ok());
    }

    void editedHeaderFails()
    {
        const TokenCipher cipher(kSecret, kClientId);
        TokenRecord record = sampleRecord();
        auto sealed = cipher.seal(kToken, TokenRecord::additionalData(kKey, record.header()));
        VERIFY_OK(sealed);
        // A longer life, someone else named, another key: each is noticed.
        TokenRecord longer = record;
        longer.expiresAtMs += 3600000;
        QVERIFY(!cipher.open(*sealed, TokenRecord::additionalData(kKey, longer.header())).ok());
        TokenRecord renamed = record;
        renamed.refreshedBy = QStringLiteral("host-b:1");
        QVERIFY(!cipher.open(*sealed, TokenRecord::additionalData(kKey, renamed.header())).ok());
        QVERIFY(!cipher.open(*sealed, TokenRecord::additionalData(kKey + "x", record.header())).ok());
        VERIFY_OK(cipher.open(*sealed, TokenRecord::additionalData(kKey, record.header())));
    }

    void flippedByteFails()
    {
        const TokenCipher cipher(kSecret, kClientId);
        const QByteArray aad = TokenRecord::additionalData(kKey, sampleRecord().header());
        auto sealed = cipher.seal(kToken, aad);
        VERIFY_OK(sealed);
        // Every byte: IV, ciphertext and tag.
        for (qsizetype i = 0; i < sealed->size(); ++i) {
            QByteArray tampered = *sealed;
            tampered[i] = char(tampered.at(i) ^ 0x01);
            QVERIFY2(!cipher.open(tampered, aad).ok(), qPrintable(QStringLiteral("byte %1").arg(i)));
        }
        QVERIFY(!cipher.open(sealed->left(sealed->size() - 1), aad).ok());
        QVERIFY(!cipher.open(QByteArray(TokenCipher::kIvBytes + TokenCipher::kTagBytes - 1, 'x'), aad).ok());
    }

    void ivsAreUnique()
    {
        const TokenCipher cipher(kSecret, kClientId);
        QSet<QByteArray> ivs;
        QSet<QByteArray> sealedValues;
        constexpr int kSeals = 1000;
        for (int i = 0; i < kSeals; ++i) {
            auto sealed = cipher.seal(kToken, "aad");
            VERIFY_OK(sealed);
            ivs.insert(sealed->left(TokenCipher::kIvBytes));
            sealedValues.insert(*sealed);
        }
        QCOMPARE(ivs.size(), kSeals);
        QCOMPARE(sealedValues.size(), kSeals);
    }

    void noSecretNoKey()
    {
        const TokenCipher cipher(Secret(), kClientId);
        QVERIFY(!cipher.isValid());
        QVERIFY(!cipher.seal(kToken, "aad").ok());
        QVERIFY(!cipher.open(QByteArray(64, 'x'), "aad").ok());
    }
};

QTEST_GUILESS_MAIN(TestTokenCipher)
#include "tst_tokencipher.moc"
