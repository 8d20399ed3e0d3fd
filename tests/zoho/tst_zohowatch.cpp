// actions/watch: the parsers on every answer shape Zoho documents (and malformed ones),
// and ZohoWatchApi's calls against a scripted fake Zoho.
#include "fakezoho.h"
#include "zohotesthelpers.h"

#include "zoho/awaitresult.h"
#include "zoho/zohoservice.h"
#include "zoho/zohowatchapi.h"
#include "zoho/zohowatchparser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace tiersync;
using namespace tiersync::test;

namespace {

using Reply = FakeZoho::Reply;
using Request = FakeZoho::Request;

QJsonObject object(const char *json)
{
    const QJsonDocument document = QJsonDocument::fromJson(QByteArray(json));
    Q_ASSERT(document.isObject());
    return document.object();
}

const char *kEnabled = R"({"watch":[{"code":"SUCCESS","details":{"events":[{"channel_expiry":"2026-12-14T10:00:00+05:30",)"
    R"("resource_uri":"https://x/crm/v2/Grades","resource_id":"3652397000000002171","resource_name":"Grades",)"
    R"("channel_id":1000000068001}]},"message":"Successfully subscribed for actions-watch of the given module",)"
    R"("status":"success"}]})";

const char *kMixed = R"({"watch":[)"
    R"({"code":"SUCCESS","details":{"events":[{"channel_expiry":"2026-12-14T04:30:00Z","resource_name":"Grades",)"
     R"("channel_id":"1000000068001"}]},"message":"Successfully updated the subscribe details","status":"success"},)"
    R"({"code":"INVALID_DATA","details":{"api_name":"channel_id","json_path":"$.watch[1].channel_id"},)"
     R"("message":"the channel is not subscribed","status":"error"}]})";

const char *kNoneSubscribed = R"({"watch":[{"code":"INVALID_DATA","details":{"api_name":"channel_id",)"
    R"("json_path":"$.watch[0].channel_id"},"message":"the channel is not subscribed","status":"error"}]})";

WatchSubscription subscription(const QString &id, const QString &module)
{
    WatchSubscription out;
    out.channelId = id;
    out.events = {module + QStringLiteral(".all")};
    out.expiry = QDateTime(QDate(2026, 12, 14), QTime(4, 30), Qt::UTC);
    out.token = QStringLiteral("tok");
    out.notifyUrl = QStringLiteral("https://tiersync.example.org/webhooks/zoho/crm");
    return out;
}

}  // namespace

class TestZohoWatch final : public QObject {
    Q_OBJECT

private slots:
    void subscribeBodyHasZohosShape()
    {
        const QJsonObject body = zohowatchparser::subscribeBody({subscription(QStringLiteral("1000000068001"),
                                                                              QStringLiteral("Grades"))});
        const QJsonObject item = body.value(QLatin1String("watch")).toArray().at(0).toObject();
        QVERIFY(item.value(QLatin1String("channel_id")).isDouble());
        QCOMPARE(item.value(QLatin1String("channel_id")).toInteger(), 1000000068001LL);
        QCOMPARE(item.value(QLatin1String("events")).toArray(), QJsonArray{QStringLiteral("Grades.all")});
        QCOMPARE(item.value(QLatin1String("channel_expiry")).toString(), QStringLiteral("2026-12-14T04:30:00+00:00"));
        QCOMPARE(item.value(QLatin1String("token")).toString(), QStringLiteral("tok"));
        QCOMPARE(item.value(QLatin1String("notify_url")).toString(),
                 QStringLiteral("https://tiersync.example.org/webhooks/zoho/crm"));
        QVERIFY(!item.contains(QLatin1String("return_affected_field_values")));
        WatchSubscription withValues = subscription(QStringLiteral("1000000068001"), QStringLiteral("Grades"));
        withValues.returnAffectedFieldValues = true;
        QCOMPARE(zohowatchparser::subscribeBody({withValues}).value(QLatin1String("watch")).toArray().at(0).toObject()
                     .value(QLatin1String("return_affected_field_values")),
                 QJsonValue(true));
    }

    void enableAnswer200()
    {
        auto results = zohowatchparser::parseItemResults(200, object(kEnabled), 1);
        QVERIFY2(results.ok(), qPrintable(results.ok() ? QString() : results.error().message));
        QCOMPARE(results->size(), 1);
        const WatchItemResult &item = results->first();
        QVERIFY(item.success);
        QCOMPARE(item.code, QStringLiteral("SUCCESS"));
        QCOMPARE(item.channelId, QStringLiteral("1000000068001"));
        QCOMPARE(item.expiry, QDateTime(QDate(2026, 12, 14), QTime(4, 30), Qt::UTC));  // +05:30 → UTC
        QCOMPARE(item.modules, QStringList{QStringLiteral("Grades")});
        QVERIFY(!item.isNotSubscribed());
    }

    void someFailed207()
    {
        auto results = zohowatchparser::parseItemResults(207, object(kMixed), 2);
        QVERIFY(results.ok());
        QVERIFY(results->at(0).success);
        QCOMPARE(results->at(0).expiry, QDateTime(QDate(2026, 12, 14), QTime(4, 30), Qt::UTC));
        QVERIFY(!results->at(1).success);
        QCOMPARE(results->at(1).code, QStringLiteral("INVALID_DATA"));
        QCOMPARE(results->at(1).field, QStringLiteral("channel_id"));
        QCOMPARE(results->at(1).message, QStringLiteral("the channel is not subscribed"));
        QVERIFY(results->at(1).isNotSubscribed());
    }

    void allFailed400IsAnAnswer()
    {
        auto results = zohowatchparser::parseItemResults(400, object(kNoneSubscribed), 1);
        QVERIFY(results.ok());
        QVERIFY(results->first().isNotSubscribed());
    }

    void callError400()
    {
        auto missing = zohowatchparser::parseItemResults(
            400, object(R"({"code":"REQUIRED_PARAM_MISSING","details":{"param_name":"watch"},"message":"x","status":"error"})"),
            1);
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().kind, ErrorKind::InvalidArgument);
        QCOMPARE(missing.error().code, QStringLiteral("REQUIRED_PARAM_MISSING"));
    }

    void disableAnswer()
    {
        auto results = zohowatchparser::parseItemResults(
            200,
            object(R"({"watch":[{"code":"SUCCESS","details":{"resource_uri":"u","resource_id":"1","channel_id":"1000000068001"},)"
                R"("message":"Successfully un-subscribed from actions-watch","status":"success"}]})"),
            1);
        QVERIFY(results.ok());
        QVERIFY(results->first().success);
        QCOMPARE(results->first().channelId, QStringLiteral("1000000068001"));
    }

    void malformedItemAnswers_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<int>("expected");
        QTest::newRow("no watch array") << 200 << QByteArray(R"({"data":[]})") << 1;
        QTest::newRow("watch not an array") << 200 << QByteArray(R"({"watch":{}})") << 1;
        QTest::newRow("fewer results") << 200 << QByteArray(kEnabled) << 2;
        QTest::newRow("item not an object") << 200 << QByteArray(R"({"watch":[7]})") << 1;
        QTest::newRow("no status") << 200 << QByteArray(R"({"watch":[{"code":"SUCCESS"}]})") << 1;
        QTest::newRow("no code") << 200 << QByteArray(R"({"watch":[{"status":"success"}]})") << 1;
        QTest::newRow("success without details") << 200
            << QByteArray(R"({"watch":[{"code":"SUCCESS","status":"success"}]})") << 1;
        QTest::newRow("empty events") << 200
            << QByteArray(R"({"watch":[{"code":"SUCCESS","status":"success","details":{"events":[]}}]})") << 1;
        QTest::newRow("bad expiry") << 200
            << QByteArray(R"({"watch":[{"code":"SUCCESS","status":"success","details":{"events":[{"channel_id":5,"channel_expiry":"tomorrow"}]}}]})")
            << 1;
        QTest::newRow("expiry without offset") << 200
            << QByteArray(R"({"watch":[{"code":"SUCCESS","status":"success","details":{"events":[{"channel_id":5,"channel_expiry":"2026-12-14T04:30:00"}]}}]})")
            << 1;
        QTest::newRow("negative channel id") << 200
            << QByteArray(R"({"watch":[{"code":"SUCCESS","status":"success","details":{"events":[{"channel_id":-5,"channel_expiry":"2026-12-14T04:30:00Z"}]}}]})")
            << 1;
        QTest::newRow("fractional channel id") << 200
            << QByteArray(R"({"watch":[{"code":"SUCCESS","status":"success","details":{"channel_id":1.5}}]})") << 1;
        QTest::newRow("two channels in one item") << 200
            << QByteArray(R"({"watch":[{"code":"SUCCESS","status":"success","details":{"events":[)"
                R"({"channel_id":5,"channel_expiry":"2026-12-14T04:30:00Z"},{"channel_id":6,"channel_expiry":"2026-12-14T04:30:00Z"}]}}]})")
            << 1;
        QTest::newRow("200 with a failure") << 200 << QByteArray(kNoneSubscribed) << 1;
        QTest::newRow("400 with a success") << 400 << QByteArray(kEnabled) << 1;
        QTest::newRow("unexpected status") << 202 << QByteArray(kEnabled) << 1;
    }

    void malformedItemAnswers()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, json);
        QFETCH(int, expected);
        const QJsonDocument document = QJsonDocument::fromJson(json);
        QVERIFY(document.isObject());
        auto results = zohowatchparser::parseItemResults(status, document.object(), expected);
        QVERIFY(!results.ok());
        QCOMPARE(results.error().kind, ErrorKind::Protocol);
        QVERIFY(results.error().message.startsWith(QStringLiteral("actions/watch: ")));
    }

    void listAnswer()
    {
        auto page = zohowatchparser::parseList(200, object(R"({"watch":[{"notify_on_related_action":false,)"
            R"("channel_expiry":"2026-12-14T04:30:00+00:00","return_affected_field_values":false,"resource_uri":"u",)"
            R"("resource_id":"1","notify_url":"https://h/webhooks/zoho/crm","resource_name":"Students","fields":null,)"
            R"("channel_id":1000000068002,"events":["Students.all"],"token":"tok"}],)"
            R"("info":{"per_page":200,"count":1,"page":1,"more_records":true}})"));
        QVERIFY2(page.ok(), qPrintable(page.ok() ? QString() : page.error().message));
        QCOMPARE(page->channels.size(), 1);
        QCOMPARE(page->channels.first().channelId, QStringLiteral("1000000068002"));
        QCOMPARE(page->channels.first().module, QStringLiteral("Students"));
        QCOMPARE(page->channels.first().events, QStringList{QStringLiteral("Students.all")});
        QCOMPARE(page->channels.first().notifyUrl, QStringLiteral("https://h/webhooks/zoho/crm"));
        QCOMPARE(page->channels.first().expiry, QDateTime(QDate(2026, 12, 14), QTime(4, 30), Qt::UTC));
        QVERIFY(page->channels.first().returnAffectedFieldValues == std::optional<bool>(false));
        QVERIFY(page->moreRecords);
    }

    void emptyList204()
    {
        auto page = zohowatchparser::parseList(204, {});
        QVERIFY(page.ok());
        QVERIFY(page->channels.isEmpty());
        QVERIFY(!page->moreRecords);
    }

    void malformedLists_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::newRow("no watch") << QByteArray(R"({"info":{}})");
        QTest::newRow("entry not an object") << QByteArray(R"({"watch":["x"]})");
        QTest::newRow("no channel id") << QByteArray(R"({"watch":[{"channel_expiry":"2026-12-14T04:30:00Z","events":[]}]})");
        QTest::newRow("no expiry") << QByteArray(R"({"watch":[{"channel_id":5,"events":[]}]})");
        QTest::newRow("events not strings")
            << QByteArray(R"({"watch":[{"channel_id":5,"channel_expiry":"2026-12-14T04:30:00Z","events":[1]}]})");
        QTest::newRow("more_records not a boolean")
            << QByteArray(R"({"watch":[],"info":{"more_records":"yes"}})");
        QTest::newRow("info not an object") << QByteArray(R"({"watch":[],"info":3})");
    }

    void malformedLists()
    {
        QFETCH(QByteArray, json);
        auto page = zohowatchparser::parseList(200, QJsonDocument::fromJson(json).object());
        QVERIFY(!page.ok());
        QCOMPARE(page.error().kind, ErrorKind::Protocol);
    }

    void apiEnableSends()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &) { return FakeZoho::json(200, kEnabled); });
        ZohoService service(zoho.settings(), fastOptions());
        const ZohoWatchApi api(service.client());
        auto results = awaitResult(api.enable({subscription(QStringLiteral("1000000068001"), QStringLiteral("Grades"))}));
        QVERIFY2(results.ok(), qPrintable(results.ok() ? QString() : results.error().toString()));
        QVERIFY(results->first().success);
        const auto log = zoho.apiLog();
        QCOMPARE(log.size(), size_t(1));
        QCOMPARE(log.front().method, std::string("POST"));
        QCOMPARE(log.front().path, std::string("/crm/v2/actions/watch"));
        const QJsonObject body = QJsonDocument::fromJson(QByteArray::fromStdString(log.front().body)).object();
        QCOMPARE(body.value(QLatin1String("watch")).toArray().size(), 1);
    }

    // Every item refused: Zoho's 400 still carries one result per item, not a call error.
    void apiUpdate400GivesResults()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &) { return FakeZoho::json(400, kNoneSubscribed); });
        ZohoService service(zoho.settings(), fastOptions());
        const ZohoWatchApi api(service.client());
        auto results = awaitResult(api.update({subscription(QStringLiteral("1000000068001"), QStringLiteral("Grades"))}));
        QVERIFY2(results.ok(), qPrintable(results.ok() ? QString() : results.error().toString()));
        QVERIFY(results->first().isNotSubscribed());
        QCOMPARE(zoho.apiLog().front().method, std::string("PUT"));
        QCOMPARE(zoho.apiLog().size(), size_t(1));  // a refusal is never retried
    }

    void apiHtml400IsAnError()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &) {
            Reply reply;
            reply.status = 400;
            reply.body = "<html><title>Bad</title></html>";
            reply.contentType = "text/html";
            return reply;
        });
        ZohoService service(zoho.settings(), fastOptions());
        auto results = awaitResult(ZohoWatchApi(service.client())
                                       .enable({subscription(QStringLiteral("5"), QStringLiteral("Grades"))}));
        QVERIFY(!results.ok());
        QCOMPARE(results.error().kind, ErrorKind::Protocol);
    }

    void apiListPagesAnd204()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &request) {
            if (request.param("page") == "1")
                return FakeZoho::json(200, R"({"watch":[{"channel_id":5,"channel_expiry":"2026-12-14T04:30:00Z",)"
                    R"("events":["Grades.all"],"resource_name":"Grades","notify_url":"https://h/x"}],)"
                    R"("info":{"more_records":true}})");
            Reply none;
            none.status = 204;
            return none;
        });
        ZohoService service(zoho.settings(), fastOptions());
        auto all = ZohoWatchApi(service.client()).listAll();
        QVERIFY2(all.ok(), qPrintable(all.ok() ? QString() : all.error().toString()));
        QCOMPARE(all->size(), 1);
        QCOMPARE(zoho.apiLog().size(), size_t(2));
        QCOMPARE(zoho.apiLog().back().param("per_page"), std::string("200"));
    }

    // A list that never ends stops at kMaxListPages with an error.
    void apiListNeverEnding()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &) {
            return FakeZoho::json(200, R"({"watch":[{"channel_id":5,"channel_expiry":"2026-12-14T04:30:00Z",)"
                R"("events":["Grades.all"]}],"info":{"more_records":true}})");
        });
        ZohoService service(zoho.settings(), fastOptions());
        auto all = ZohoWatchApi(service.client()).listAll();
        QVERIFY(!all.ok());
        QCOMPARE(all.error().kind, ErrorKind::Protocol);
        // The same page again ends it at once (PagingGuard); kMaxListPages bounds the rest.
        QVERIFY2(all.error().message.contains(QStringLiteral("page 2: the answer repeats page 1")),
                 qPrintable(all.error().message));
        QCOMPARE(zoho.apiLog().size(), size_t(2));
    }

    void apiDisable()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &) {
            return FakeZoho::json(207, R"({"watch":[)"
                R"({"code":"SUCCESS","details":{"channel_id":"5"},"message":"m","status":"success"},)"
                R"({"code":"INVALID_DATA","details":{"api_name":"channel_id"},"message":"m","status":"error"}]})");
        });
        ZohoService service(zoho.settings(), fastOptions());
        auto results = awaitResult(ZohoWatchApi(service.client()).disable({QStringLiteral("5"), QStringLiteral("6")}));
        QVERIFY(results.ok());
        QVERIFY(results->at(0).success);
        QVERIFY(!results->at(1).success);
        QCOMPARE(zoho.apiLog().front().method, std::string("DELETE"));
        QCOMPARE(zoho.apiLog().front().param("channel_ids"), std::string("5,6"));
    }

    void apiRefusesBadCounts()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &) {
            Reply none;
            none.status = 204;
            return none;
        });
        ZohoService service(zoho.settings(), fastOptions());
        const ZohoWatchApi api(service.client());
        QCOMPARE(awaitResult(api.enable({})).error().kind, ErrorKind::InvalidArgument);
        QStringList many;
        for (int i = 1; i <= ZohoWatchApi::kMaxItemsPerCall + 1; ++i)
            many.append(QString::number(i));
        QCOMPARE(awaitResult(api.disable(many)).error().kind, ErrorKind::InvalidArgument);
        // One valid call, so the fake has served before it stops (stopping an httplib
        // server that has not reached listen() yet hangs), and only that call reached it.
        QVERIFY(api.listAll().ok());
        QCOMPARE(zoho.apiLog().size(), size_t(1));
    }
};

QTEST_GUILESS_MAIN(TestZohoWatch)
#include "tst_zohowatch.moc"
