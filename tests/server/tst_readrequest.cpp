#include "server/httperror.h"
#include "server/listenaddress.h"
#include "server/readrequest.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace tiersync;

using Query = QList<QPair<QString, QString>>;

class TestReadRequest final : public QObject {
    Q_OBJECT

private slots:
    void acceptsCanonicalIds_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("value");
        QTest::newRow("one") << QStringLiteral("1") << qint64(1);
        QTest::newRow("typical") << QStringLiteral("48213") << qint64(48213);
        QTest::newRow("2^53") << QStringLiteral("9007199254740992") << (qint64(1) << 53);
    }
    void acceptsCanonicalIds()
    {
        QFETCH(QString, text);
        QFETCH(qint64, value);
        auto parsed = ReadRequest::parseMoodleUserId(text);
        QVERIFY2(parsed.ok(), qPrintable(parsed ? QString() : parsed.error().message));
        QCOMPARE(*parsed, value);
    }

    void rejectsBadIds_data()
    {
        QTest::addColumn<QString>("text");
        for (const char *bad : {"", "0", "-1", "-0", "+5", " 5", "5 ", "abc", "12abc", "1.5", "1e3", "0x10",
                                "007", "9007199254740993", "99999999999999999", "1*", "*", "?", "[1]", "1]",
                                "١٢", "１２"})
            QTest::newRow(bad[0] ? bad : "empty") << QString::fromUtf8(bad);
    }
    void rejectsBadIds()
    {
        QFETCH(QString, text);
        auto parsed = ReadRequest::parseMoodleUserId(text);
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().kind, ErrorKind::InvalidArgument);
        // The message never echoes the input (it may be hostile).
        if (text.size() > 1)
            QVERIFY(!parsed.error().message.contains(text));
    }

    void globCharactersAreNamed()
    {
        auto parsed = ReadRequest::parseMoodleUserId(QStringLiteral("3*"));
        QVERIFY(!parsed.ok());
        QVERIFY(parsed.error().message.contains(QLatin1String("glob")));
    }

    void parsesAFullRequest()
    {
        auto parsed = ReadRequest::parse(QStringLiteral("profile"),
                                         Query{{QStringLiteral("moodle_user_id"), QStringLiteral("42")},
                                               {QStringLiteral("force_refresh"), QStringLiteral("1")},
                                               {QStringLiteral("utm_source"), QStringLiteral("x")}});
        QVERIFY(parsed.ok());
        QCOMPARE(parsed->endpoint, QStringLiteral("profile"));
        QCOMPARE(parsed->moodleUserId, qint64(42));
        QVERIFY(parsed->forceRefresh);

        auto plain = ReadRequest::parse(QStringLiteral("classes"), Query{{QStringLiteral("moodle_user_id"), QStringLiteral("7")}});
        QVERIFY(plain.ok());
        QVERIFY(!plain->forceRefresh);
    }

    void queriesKeepEveryItem()
    {
        const Query items = ReadRequest::parseQuery("moodle_user_id=1&moodle_user_id=1&&x&force_refresh=%74rue&a+b=c%2Bd");
        const Query expected{{QStringLiteral("moodle_user_id"), QStringLiteral("1")},
                             {QStringLiteral("moodle_user_id"), QStringLiteral("1")},
                             {QStringLiteral("x"), QString()},
                             {QStringLiteral("force_refresh"), QStringLiteral("true")},
                             {QStringLiteral("a b"), QStringLiteral("c+d")}};
        QCOMPARE(items, expected);
        QVERIFY(ReadRequest::parseQuery(QByteArray()).isEmpty());
    }

    void flags_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<bool>("value");
        QTest::newRow("true") << QStringLiteral("true") << true << true;
        QTest::newRow("1") << QStringLiteral("1") << true << true;
        QTest::newRow("false") << QStringLiteral("false") << true << false;
        QTest::newRow("0") << QStringLiteral("0") << true << false;
        QTest::newRow("empty") << QString() << false << false;
        QTest::newRow("TRUE") << QStringLiteral("TRUE") << false << false;
        QTest::newRow("yes") << QStringLiteral("yes") << false << false;
        QTest::newRow("2") << QStringLiteral("2") << false << false;
    }
    void flags()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QFETCH(bool, value);
        auto parsed = ReadRequest::parseFlag(QStringLiteral("force_refresh"), text);
        QCOMPARE(parsed.ok(), valid);
        if (valid)
            QCOMPARE(*parsed, value);
        else
            QCOMPARE(parsed.error().kind, ErrorKind::InvalidArgument);
    }

    void repeatedOrMissingParameters()
    {
        const QString id = QStringLiteral("moodle_user_id");
        const QString force = QStringLiteral("force_refresh");
        QCOMPARE(ReadRequest::parse(QStringLiteral("profile"), {}).error().kind, ErrorKind::InvalidArgument);
        QCOMPARE(ReadRequest::parse(QStringLiteral("profile"), Query{{id, QStringLiteral("1")}, {id, QStringLiteral("1")}})
                     .error().kind,
                 ErrorKind::InvalidArgument);
        QCOMPARE(ReadRequest::parse(QStringLiteral("profile"), Query{{id, QStringLiteral("1")}, {force, QStringLiteral("1")},
                                                                    {force, QStringLiteral("0")}})
                     .error().kind,
                 ErrorKind::InvalidArgument);
    }

    void endpointNamesThatCannotExistAreNotFound_data()
    {
        QTest::addColumn<QString>("endpoint");
        for (const char *bad : {"", "Profile", "profile/extra", "../profile", "pro file", "*", "prof*", "a:b"})
            QTest::newRow(bad[0] ? bad : "empty") << QString::fromUtf8(bad);
        QTest::newRow("too long") << QString(65, u'a');
    }
    void endpointNamesThatCannotExistAreNotFound()
    {
        QFETCH(QString, endpoint);
        auto parsed = ReadRequest::parse(endpoint, Query{{QStringLiteral("moodle_user_id"), QStringLiteral("1")}});
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().kind, ErrorKind::NotFound);
    }

    void backendErrorsMapToSafeAnswers_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("status");
        QTest::addColumn<bool>("retryAfter");
        QTest::newRow("invalid") << int(ErrorKind::InvalidArgument) << 400 << false;
        QTest::newRow("not found") << int(ErrorKind::NotFound) << 404 << false;
        QTest::newRow("unavailable") << int(ErrorKind::Unavailable) << 503 << true;
        QTest::newRow("circuit") << int(ErrorKind::CircuitOpen) << 503 << true;
        QTest::newRow("timeout") << int(ErrorKind::Timeout) << 503 << true;
        QTest::newRow("rate limited") << int(ErrorKind::RateLimited) << 503 << true;
        QTest::newRow("auth") << int(ErrorKind::Auth) << 500 << false;
        QTest::newRow("server") << int(ErrorKind::Server) << 500 << false;
        QTest::newRow("protocol") << int(ErrorKind::Protocol) << 500 << false;
        QTest::newRow("internal") << int(ErrorKind::Internal) << 500 << false;
    }
    void backendErrorsMapToSafeAnswers()
    {
        QFETCH(int, kind);
        QFETCH(int, status);
        QFETCH(bool, retryAfter);
        const HttpError error = HttpError::fromBackend(
            makeError(ErrorKind(kind), QStringLiteral("connect to postgresql://admin:hunter2@db failed")));
        QCOMPARE(error.status, status);
        QCOMPARE(error.retryAfterSeconds > 0, retryAfter);
        const QByteArray json = error.toJson();
        QVERIFY(!json.contains("hunter2"));
        QVERIFY(!json.contains("postgresql"));
        const QJsonObject object = QJsonDocument::fromJson(json).object();
        QVERIFY(!object.value(QStringLiteral("error")).toString().isEmpty());
        QVERIFY(!object.value(QStringLiteral("detail")).toString().isEmpty());
    }

    void listenAddresses_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::newRow("loopback") << QStringLiteral("127.0.0.1:8001") << true << QStringLiteral("127.0.0.1") << 8001;
        QTest::newRow("any port") << QStringLiteral("127.0.0.1:0") << true << QStringLiteral("127.0.0.1") << 0;
        QTest::newRow("ipv6") << QStringLiteral("[::1]:8001") << true << QStringLiteral("::1") << 8001;
        QTest::newRow("name") << QStringLiteral("localhost:80") << true << QStringLiteral("localhost") << 80;
        QTest::newRow("no port") << QStringLiteral("127.0.0.1") << false << QString() << 0;
        QTest::newRow("no host") << QStringLiteral(":8001") << false << QString() << 0;
        QTest::newRow("bare ipv6") << QStringLiteral("::1:8001") << false << QString() << 0;
        QTest::newRow("big port") << QStringLiteral("127.0.0.1:65536") << false << QString() << 0;
        QTest::newRow("negative") << QStringLiteral("127.0.0.1:-1") << false << QString() << 0;
        QTest::newRow("text port") << QStringLiteral("127.0.0.1:http") << false << QString() << 0;
    }
    void listenAddresses()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QFETCH(QString, host);
        QFETCH(int, port);
        auto parsed = ListenAddress::parse(text);
        QCOMPARE(parsed.ok(), valid);
        if (valid) {
            QCOMPARE(parsed->host, host);
            QCOMPARE(parsed->port, port);
        }
    }
};

QTEST_GUILESS_MAIN(TestReadRequest)
#include "tst_readrequest.moc"
