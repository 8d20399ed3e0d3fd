#include "zoho/zohoparser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

using namespace tiersync;
using namespace tiersync::zohoparser;

namespace {

const QByteArray kJson = "application/json;charset=UTF-8";

// Single-line raw strings: moc cannot follow one that spans lines.
const QByteArray kBooksPage =
    R"({"code":0,"message":"success","items":[{"item_id":"45667789900","name":"Hard Drive","status":"active",)"
    R"("description":"500GB","rate":120,"unit":"100GB","tax_id":"982000000037049","tax_name":"Sales Tax",)"
    R"("tax_percentage":"70%","sku":"s12345","product_type":"goods",)"
    R"("custom_fields":[{"customfield_id":"46000000012845","value":"Normal"}]},{"item_id":"2","name":"B"}],)"
    R"("page_context":{"page":1,"per_page":200,"has_more_page":true,"report_name":"Items",)"
    R"("applied_filter":"Status.All","sort_column":"name","sort_order":"A"}})";

const QByteArray kCrmPage =
    R"({"data":[{"id":"3652397000009851001","Last_Name":"test8000","Email":null,)"
    R"("Modified_Time":"2022-11-21T15:12:13+05:30"}],)"
    R"("info":{"per_page":200,"count":1,"page":1,"more_records":true,"next_page_token":"tok123"}})";

QJsonObject object(const QByteArray &json)
{
    return QJsonDocument::fromJson(json).object();
}

}  // namespace

class TestZohoParser final : public QObject {
    Q_OBJECT

private slots:
    void booksPage()
    {
        auto json = parseJsonObject(kBooksPage, kJson);
        QVERIFY(json.ok());
        auto page = parseBooksPage(*json, QStringLiteral("items"));
        QVERIFY2(page.ok(), qPrintable(page.ok() ? QString() : page.error().toString()));
        QCOMPARE(page->records.size(), 2);
        QCOMPARE(page->records.at(0).value(QLatin1String("item_id")).toString(), QStringLiteral("45667789900"));
        QCOMPARE(page->page, 1);
        QCOMPARE(page->perPage, 200);
        QVERIFY(page->hasMorePage);
    }

    void booksPageMissingFields_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("no code") << QByteArray(R"({"items":[],"page_context":{"has_more_page":false}})") << "code";
        QTest::newRow("no items") << QByteArray(R"({"code":0,"page_context":{"has_more_page":false}})") << "items";
        QTest::newRow("items not array") << QByteArray(R"({"code":0,"items":{},"page_context":{"has_more_page":false}})") << "items";
        QTest::newRow("item not object") << QByteArray(R"({"code":0,"items":[1],"page_context":{"has_more_page":false}})") << "items";
        QTest::newRow("no page_context") << QByteArray(R"({"code":0,"items":[]})") << "page_context";
        QTest::newRow("no has_more_page") << QByteArray(R"({"code":0,"items":[],"page_context":{}})") << "has_more_page";
        QTest::newRow("has_more_page string") << QByteArray(R"({"code":0,"items":[],"page_context":{"has_more_page":"yes"}})") << "has_more_page";
    }
    void booksPageMissingFields()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, mentions);
        auto page = parseBooksPage(object(body), QStringLiteral("items"));
        QVERIFY(!page.ok());
        QCOMPARE(page.error().kind, ErrorKind::Protocol);
        QVERIFY2(page.error().message.contains(mentions), qPrintable(page.error().message));
    }

    void booksErrorCodeInBody()
    {
        auto page = parseBooksPage(object(R"({"code":1000,"message":"Internal error"})"), QStringLiteral("items"));
        QVERIFY(!page.ok());
        QCOMPARE(page.error().kind, ErrorKind::Server);
        QCOMPARE(page.error().code, QStringLiteral("1000"));
        QVERIFY(page.error().message.contains(QLatin1String("Internal error")));
    }

    void booksEntity()
    {
        auto item = parseBooksEntity(object(R"({"code":0,"message":"success","item":{"item_id":"7"}})"),
                                     QStringLiteral("item"));
        QVERIFY(item.ok());
        QCOMPARE(item->value(QLatin1String("item_id")).toString(), QStringLiteral("7"));
        auto missing = parseBooksEntity(object(R"({"code":0,"message":"success"})"), QStringLiteral("item"));
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().kind, ErrorKind::Protocol);
    }

    void crmPage()
    {
        auto page = zohoparser::parseCrmPage(object(kCrmPage));
        QVERIFY(page.ok());
        QCOMPARE(page->records.size(), 1);
        QCOMPARE(page->records.at(0).value(QLatin1String("id")).toString(), QStringLiteral("3652397000009851001"));
        QVERIFY(page->moreRecords);
        QCOMPARE(page->nextPageToken, QStringLiteral("tok123"));
        QCOMPARE(page->count, 1);
    }

    void crmEmptyIsLastPage()
    {
        auto page = zohoparser::parseCrmPage(QJsonObject());
        QVERIFY(page.ok());
        QVERIFY(page->records.isEmpty());
        QVERIFY(!page->moreRecords);
        auto records = parseCrmRecords(QJsonObject());
        QVERIFY(records.ok());
        QVERIFY(records->isEmpty());
    }

    void crmListAnswerByStatus()
    {
        auto notModified = parseCrmListAnswer(304, QJsonObject());
        QVERIFY(notModified.ok());
        QVERIFY(notModified->notModified);
        QVERIFY(notModified->records.isEmpty());
        QVERIFY(!notModified->moreRecords);

        auto noContent = parseCrmListAnswer(204, QJsonObject());
        QVERIFY(noContent.ok());
        QVERIFY(!noContent->notModified);
        QVERIFY(noContent->records.isEmpty());

        auto page = parseCrmListAnswer(200, object(kCrmPage));
        QVERIFY(page.ok());
        QVERIFY(!page->notModified);
        QCOMPARE(page->records.size(), 1);
        QVERIFY(page->moreRecords);

        auto emptyOk = parseCrmListAnswer(200, QJsonObject());
        QVERIFY(!emptyOk.ok());
        QCOMPARE(emptyOk.error().kind, ErrorKind::Protocol);
        auto odd = parseCrmListAnswer(302, QJsonObject());
        QVERIFY(!odd.ok());
        QCOMPARE(odd.error().kind, ErrorKind::Protocol);
    }

    void crmDeletedPage()
    {
        const QByteArray body =
            R"({"data":[{"id":"3652397000009851001","display_name":"A","type":"recycle",)"
            R"("deleted_time":"2018-02-13T15:48:13+05:30","deleted_by":{"name":"x","id":"1"},"created_by":{"id":"2"}},)"
            R"({"id":"3652397000009851002","type":"permanent","deleted_time":"2018-02-14T01:00:00Z"}],)"
            R"("info":{"per_page":200,"count":2,"page":1,"more_records":true,"next_page_token":"tok9"}})";
        auto page = parseCrmDeletedPage(200, object(body));
        QVERIFY2(page.ok(), qPrintable(page.ok() ? QString() : page.error().toString()));
        QCOMPARE(page->records.size(), 2);
        QCOMPARE(page->records.at(0).id, QStringLiteral("3652397000009851001"));
        QCOMPARE(page->records.at(0).deletedTime, QDateTime(QDate(2018, 2, 13), QTime(10, 18, 13), Qt::UTC));
        QCOMPARE(page->records.at(0).type, QStringLiteral("recycle"));
        QCOMPARE(page->records.at(1).deletedTime, QDateTime(QDate(2018, 2, 14), QTime(1, 0), Qt::UTC));
        QCOMPARE(page->records.at(1).type, QStringLiteral("permanent"));
        QCOMPARE(page->page, 1);
        QCOMPARE(page->perPage, 200);
        QVERIFY(page->moreRecords);
        QCOMPARE(page->nextPageToken, QStringLiteral("tok9"));

        auto last = parseCrmDeletedPage(200, object(R"({"data":[],"info":{"more_records":false,"next_page_token":null}})"));
        QVERIFY(last.ok());
        QVERIFY(last->records.isEmpty());
        QVERIFY(!last->moreRecords);
    }

    void crmDeletedNoneIsAnEmptyLastPage_data()
    {
        QTest::addColumn<int>("status");
        QTest::newRow("204") << 204;
        QTest::newRow("304") << 304;
    }

    void crmDeletedNoneIsAnEmptyLastPage()
    {
        QFETCH(int, status);
        auto page = parseCrmDeletedPage(status, QJsonObject());
        QVERIFY(page.ok());
        QVERIFY(page->records.isEmpty());
        QVERIFY(!page->moreRecords);
    }

    void crmDeletedMalformed_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("200 without body") << 200 << QByteArray("{}") << "data";
        QTest::newRow("other status") << 206 << QByteArray("{}") << "206";
        QTest::newRow("no data") << 200 << QByteArray(R"({"info":{"more_records":false}})") << "data";
        QTest::newRow("data not array") << 200 << QByteArray(R"({"data":{},"info":{"more_records":false}})") << "data";
        QTest::newRow("record not object") << 200 << QByteArray(R"({"data":["1"],"info":{"more_records":false}})") << "data";
        QTest::newRow("no info") << 200 << QByteArray(R"({"data":[]})") << "info";
        QTest::newRow("no more_records") << 200 << QByteArray(R"({"data":[],"info":{}})") << "more_records";
        QTest::newRow("more_records text") << 200 << QByteArray(R"({"data":[],"info":{"more_records":"false"}})") << "more_records";
        QTest::newRow("token not text") << 200 << QByteArray(R"({"data":[],"info":{"more_records":true,"next_page_token":5}})") << "next_page_token";
        QTest::newRow("no id") << 200 << QByteArray(R"({"data":[{"deleted_time":"2018-02-13T15:48:13+05:30"}],"info":{"more_records":false}})") << "'id'";
        QTest::newRow("id a number") << 200 << QByteArray(R"({"data":[{"id":12,"deleted_time":"2018-02-13T15:48:13+05:30"}],"info":{"more_records":false}})") << "'id'";
        QTest::newRow("id not digits") << 200 << QByteArray(R"({"data":[{"id":"12x","deleted_time":"2018-02-13T15:48:13+05:30"}],"info":{"more_records":false}})") << "'id'";
        QTest::newRow("no deleted_time") << 200 << QByteArray(R"({"data":[{"id":"12"}],"info":{"more_records":false}})") << "deleted_time";
        QTest::newRow("bad deleted_time") << 200 << QByteArray(R"({"data":[{"id":"12","deleted_time":"yesterday"}],"info":{"more_records":false}})") << "deleted_time";
        QTest::newRow("time without offset") << 200 << QByteArray(R"({"data":[{"id":"12","deleted_time":"2018-02-13T15:48:13"}],"info":{"more_records":false}})") << "deleted_time";
        QTest::newRow("type not text") << 200 << QByteArray(R"({"data":[{"id":"12","deleted_time":"2018-02-13T15:48:13Z","type":1}],"info":{"more_records":false}})") << "type";
    }

    void crmDeletedMalformed()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(QString, mentions);
        auto page = parseCrmDeletedPage(status, object(body));
        QVERIFY(!page.ok());
        QCOMPARE(page.error().kind, ErrorKind::Protocol);
        QVERIFY2(page.error().message.contains(mentions), qPrintable(page.error().message));
    }

    void crmPageMissingFields_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("no data") << QByteArray(R"({"info":{"more_records":false}})");
        QTest::newRow("no info") << QByteArray(R"({"data":[]})");
        QTest::newRow("no more_records") << QByteArray(R"({"data":[],"info":{}})");
        QTest::newRow("token number") << QByteArray(R"({"data":[],"info":{"more_records":true,"next_page_token":5}})");
        QTest::newRow("record not object") << QByteArray(R"({"data":["x"],"info":{"more_records":false}})");
    }
    void crmPageMissingFields()
    {
        QFETCH(QByteArray, body);
        auto page = zohoparser::parseCrmPage(object(body));
        QVERIFY(!page.ok());
        QCOMPARE(page.error().kind, ErrorKind::Protocol);
    }

    void crmErrors()
    {
        Error error = httpError(401, R"({"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"})", kJson);
        QCOMPARE(error.kind, ErrorKind::Auth);
        QCOMPARE(error.code, QStringLiteral("INVALID_TOKEN"));
        QVERIFY(error.message.contains(QLatin1String("invalid oauth token")));
        // Write APIs nest the error in data[0].
        error = httpError(400, R"({"data":[{"code":"INVALID_DATA","details":{},"message":"bad field","status":"error"}]})", kJson);
        QCOMPARE(error.kind, ErrorKind::InvalidArgument);
        QCOMPARE(error.code, QStringLiteral("INVALID_DATA"));
    }

    void badBodies_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("html") << QByteArray("<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>x</body></html>")
                              << QByteArray("text/html") << "HTML";
        QTest::newRow("html as json") << QByteArray("<html><body>Maintenance</body></html>") << kJson << "HTML";
        QTest::newRow("truncated") << kBooksPage.left(kBooksPage.size() / 2) << kJson << "malformed";
        QTest::newRow("garbage") << QByteArray("\x01\x02\xff\xfe") << kJson << "malformed";
        QTest::newRow("wrong type") << QByteArray(R"({"code":0})") << QByteArray("application/octet-stream") << "content type";
        QTest::newRow("empty") << QByteArray() << kJson << "empty";
        QTest::newRow("array") << QByteArray("[1,2]") << kJson << "not an object";
    }
    void badBodies()
    {
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, contentType);
        QFETCH(QString, mentions);
        auto json = parseJsonObject(body, contentType);
        QVERIFY(!json.ok());
        QCOMPARE(json.error().kind, ErrorKind::Protocol);
        QVERIFY2(json.error().message.contains(mentions), qPrintable(json.error().message));
    }

    void htmlTitleInErrorMessage()
    {
        auto json = parseJsonObject("<html><head><title>502 Bad Gateway</title></head></html>", "text/html");
        QVERIFY(json.error().message.contains(QLatin1String("502 Bad Gateway")));
    }

    void oversizedBody()
    {
        const QByteArray body(2048, ' ');
        auto json = parseJsonObject(body, kJson, 1024);
        QVERIFY(!json.ok());
        QCOMPARE(json.error().kind, ErrorKind::Protocol);
        QVERIFY(json.error().message.contains(QLatin1String("limit")));
    }

    void hugePageParses()
    {
        QJsonArray items;
        for (int i = 0; i < 20000; ++i)
            items.append(QJsonObject{{QStringLiteral("item_id"), QString::number(i)},
                                     {QStringLiteral("name"), QStringLiteral("n%1").arg(i)}});
        const QJsonObject json{{QStringLiteral("code"), 0},
                               {QStringLiteral("items"), items},
                               {QStringLiteral("page_context"), QJsonObject{{QStringLiteral("has_more_page"), false}}}};
        auto parsed = parseJsonObject(QJsonDocument(json).toJson(QJsonDocument::Compact), kJson);
        QVERIFY(parsed.ok());
        auto page = parseBooksPage(*parsed, QStringLiteral("items"));
        QVERIFY(page.ok());
        QCOMPARE(page->records.size(), 20000);
    }

    // Random truncations and byte flips of valid pages never crash and never pass as a
    // page with a different record count.
    void fuzzTruncations()
    {
        QRandomGenerator rng(12345);
        for (const QByteArray &valid : {kBooksPage, kCrmPage}) {
            for (int i = 0; i < 2000; ++i) {
                QByteArray body = valid.left(rng.bounded(valid.size()));
                if (i % 2 == 1 && !body.isEmpty())
                    body[rng.bounded(body.size())] = char(rng.bounded(256));
                auto json = parseJsonObject(body, kJson);
                if (!json) {
                    QCOMPARE(json.error().kind, ErrorKind::Protocol);
                    QVERIFY(!json.error().message.isEmpty());
                    continue;
                }
                (void)parseBooksPage(*json, QStringLiteral("items"));
                (void)zohoparser::parseCrmPage(*json);
                (void)httpError(500, body, kJson);
            }
        }
    }

    void oauthSuccess()
    {
        auto token = parseOAuthToken(200, "{\"access_token\":\"1000.abc\",\"expires_in\":3600,\"api_domain\":\"https://www.zohoapis.com\","
                                            "\"token_type\":\"Bearer\",\"scope\":\"ZohoBooks.fullaccess.all\"}", kJson);
        QVERIFY(token.ok());
        QCOMPARE(token->accessToken.reveal(), QStringLiteral("1000.abc"));
        QCOMPARE(token->expiresInMs, 3600000);
        QCOMPARE(token->apiDomain, QStringLiteral("https://www.zohoapis.com"));
    }

    void oauthLegacyMilliseconds()
    {
        auto token = parseOAuthToken(200, R"({"access_token":"x","expires_in_sec":3600,"expires_in":3600000,"token_type":"Bearer"})", kJson);
        QVERIFY(token.ok());
        QCOMPARE(token->expiresInMs, 3600000);
        token = parseOAuthToken(200, R"({"access_token":"x","expires_in_sec":2,"expires_in":2000})", kJson);
        QVERIFY(token.ok());
        QCOMPARE(token->expiresInMs, 2000);
    }

    void oauthErrorsWithHttp200_data()
    {
        QTest::addColumn<QString>("code");
        for (const char *code : {"invalid_code", "invalid_client", "invalid_client_secret", "invalid_redirect_uri"})
            QTest::newRow(code) << QString::fromLatin1(code);
    }
    void oauthErrorsWithHttp200()
    {
        QFETCH(QString, code);
        const QByteArray body = QStringLiteral(R"({"error":"%1"})").arg(code).toUtf8();
        auto token = parseOAuthToken(200, body, kJson);
        QVERIFY(!token.ok());
        QCOMPARE(token.error().kind, ErrorKind::Auth);
        QCOMPARE(token.error().code, code);
    }

    void oauthThrottled_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        const QByteArray zoho = R"({"error_description":"You have made too many requests continuously. Please try again after some time.","error":"Access Denied","status":"failure"})";
        QTest::newRow("200, as Zoho sends it") << 200 << zoho;
        QTest::newRow("400, through a proxy") << 400 << zoho;
        QTest::newRow("429") << 429 << zoho;
        QTest::newRow("no description") << 200 << QByteArray(R"({"error":"access denied"})");
    }
    void oauthThrottled()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        auto token = parseOAuthToken(status, body, kJson);
        QVERIFY(!token.ok());
        QCOMPARE(token.error().kind, ErrorKind::RateLimited);
        QCOMPARE(token.error().code, QStringLiteral("Access Denied"));
        QCOMPARE(token.error().httpStatus, status);
        QVERIFY(isOAuthThrottle(token.error()));
    }

    void oauthThrottleBodyFromAFailingServerIsTransient()
    {
        auto token = parseOAuthToken(503, R"({"error":"Access Denied"})", kJson);
        QVERIFY(!token.ok());
        QCOMPARE(token.error().kind, ErrorKind::Server);
        QVERIFY(!isOAuthThrottle(token.error()));
    }

    void oauthServerErrorIsTransient()
    {
        auto token = parseOAuthToken(500, R"({"error":"internal_error"})", kJson);
        QVERIFY(!token.ok());
        QCOMPARE(token.error().kind, ErrorKind::Server);
        QCOMPARE(token.error().httpStatus, 500);
        token = parseOAuthToken(503, "<html><title>Unavailable</title></html>", "text/html");
        QCOMPARE(token.error().kind, ErrorKind::Server);
    }

    void oauthMalformed_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("no token") << QByteArray(R"({"expires_in":3600})");
        QTest::newRow("no expiry") << QByteArray(R"({"access_token":"x"})");
        QTest::newRow("zero expiry") << QByteArray(R"({"access_token":"x","expires_in":0})");
        QTest::newRow("truncated") << QByteArray(R"({"access_token":"x","expires_in":3600})").left(22);
        QTest::newRow("html") << QByteArray("<html>login</html>");
    }
    void oauthMalformed()
    {
        QFETCH(QByteArray, body);
        auto token = parseOAuthToken(200, body, kJson);
        QVERIFY(!token.ok());
        QCOMPARE(token.error().kind, ErrorKind::Protocol);
    }
};

QTEST_GUILESS_MAIN(TestZohoParser)
#include "tst_zohoparser.moc"
