#include "fakezoho.h"
#include "zohotesthelpers.h"

#include "zoho/awaitresult.h"
#include "zoho/zohoapi.h"
#include "zoho/zohoservice.h"

#include <QSet>
#include <QTest>

#include <string>

using namespace tiersync;
using namespace tiersync::test;

namespace {

using Reply = FakeZoho::Reply;
using Request = FakeZoho::Request;

std::string records(int from, int to, const char *idKey)
{
    std::string out;
    for (int i = from; i < to; ++i) {
        if (!out.empty())
            out += ',';
        out += std::string(R"({")") + idKey + R"(":")" + std::to_string(i) + R"(","name":"n)" + std::to_string(i) + R"("})";
    }
    return out;
}

// Books items: `total` records, 200 per page.
Reply booksItems(const Request &request, int total)
{
    const int page = std::stoi(request.param("page"));
    const int perPage = std::stoi(request.param("per_page"));
    const int from = (page - 1) * perPage;
    const int to = std::min(total, from + perPage);
    const bool more = to < total;
    return FakeZoho::json(200, R"({"code":0,"message":"success","items":[)" + records(from, to, "item_id")
                                   + R"(],"page_context":{"page":)" + std::to_string(page) + R"(,"per_page":)"
                                   + std::to_string(perPage) + R"(,"has_more_page":)" + (more ? "true" : "false")
                                   + "}}");
}

// CRM records: `total` records; page numbers reach 2,000, then "t<offset>" tokens.
Reply crmRecords(const Request &request, int total)
{
    const int perPage = std::stoi(request.param("per_page"));
    int from = 0;
    if (request.hasParam("page_token")) {
        if (request.hasParam("page"))
            return FakeZoho::json(400, R"({"code":"INVALID_DATA","message":"page with page_token","status":"error"})");
        from = std::stoi(request.param("page_token").substr(1));
    } else {
        from = (std::stoi(request.param("page")) - 1) * perPage;
        if (from >= 2000)
            return FakeZoho::json(400, R"({"code":"LIMIT_REACHED","message":"use page_token","status":"error"})");
    }
    const int to = std::min(total, from + perPage);
    const bool more = to < total;
    std::string info = R"("info":{"per_page":)" + std::to_string(perPage) + R"(,"count":)" + std::to_string(to - from)
                       + R"(,"more_records":)" + (more ? "true" : "false");
    if (more)
        info += R"(,"next_page_token":"t)" + std::to_string(to) + R"(")";
    info += "}";
    return FakeZoho::json(200, R"({"data":[)" + records(from, to, "id") + "]," + info + "}");
}

}  // namespace

class TestZohoApi final : public QObject {
    Q_OBJECT

private slots:
    void booksPagingAcrossThreePages()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &request) { return booksItems(request, 450); });
        ZohoService service(zoho.settings(), fastOptions());
        int pages = 0;
        auto all = service.api().booksListAll(QStringLiteral("/books/v3/items"), QStringLiteral("items"), {},
                                              [&pages](const BooksPage &) {
                                                  ++pages;
                                                  return true;
                                              });
        QVERIFY2(all.ok(), qPrintable(all.ok() ? QString() : all.error().toString()));
        QCOMPARE(all->size(), 450);
        QCOMPARE(pages, 3);
        QSet<QString> ids;
        for (const QJsonObject &item : *all)
            ids.insert(item.value(QLatin1String("item_id")).toString());
        QCOMPARE(ids.size(), 450);
        const auto log = zoho.apiLog();
        QCOMPARE(log.size(), size_t(3));
        for (size_t i = 0; i < log.size(); ++i) {
            QCOMPARE(log.at(i).path, std::string("/books/v3/items"));
            QCOMPARE(log.at(i).param("page"), std::to_string(i + 1));
            QCOMPARE(log.at(i).param("per_page"), std::string("200"));
            QCOMPARE(log.at(i).param("organization_id"), std::string("ORG1"));
        }
    }

    void booksPageByPage()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &request) { return booksItems(request, 250); });
        ZohoService service(zoho.settings(), fastOptions());
        const ZohoApi api = service.api();
        auto first = awaitResult(api.booksPage(QStringLiteral("/books/v3/contacts"), QStringLiteral("items"), 1));
        QVERIFY(first.ok());
        QCOMPARE(first->records.size(), 200);
        const auto next = ZohoApi::nextBooksPage(*first, 1);
        QCOMPARE(next, std::optional<int>(2));
        auto second = awaitResult(api.booksPage(QStringLiteral("/books/v3/contacts"), QStringLiteral("items"), *next));
        QVERIFY(second.ok());
        QCOMPARE(second->records.size(), 50);
        QCOMPARE(ZohoApi::nextBooksPage(*second, 2), std::nullopt);
    }

    void booksMalformedPageIsProtocolError()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &) { return FakeZoho::json(200, R"({"code":0,"message":"success","items":[]})"); });
        ZohoService service(zoho.settings(), fastOptions());
        auto all = service.api().booksListAll(QStringLiteral("/books/v3/items"), QStringLiteral("items"));
        QVERIFY(!all.ok());
        QCOMPARE(all.error().kind, ErrorKind::Protocol);
        QVERIFY(all.error().message.contains(QLatin1String("page_context")));
    }

    void booksGetEntity()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &) { return FakeZoho::json(200, R"({"code":0,"message":"success","item":{"item_id":"9"}})"); });
        ZohoService service(zoho.settings(), fastOptions());
        auto item = awaitResult(service.api().booksGet(QStringLiteral("/books/v3/items/9"), QStringLiteral("item")));
        QVERIFY(item.ok());
        QCOMPARE(item->value(QLatin1String("item_id")).toString(), QStringLiteral("9"));
    }

    void crmPageTokenAfterTwoThousand()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &request) { return crmRecords(request, 2500); });
        ZohoService service(zoho.settings(), fastOptions());
        auto all = service.api().crmListAll(QStringLiteral("Students"));
        QVERIFY2(all.ok(), qPrintable(all.ok() ? QString() : all.error().toString()));
        QCOMPARE(all->size(), 2500);
        QSet<QString> ids;
        for (const QJsonObject &record : *all)
            ids.insert(record.value(QLatin1String("id")).toString());
        QCOMPARE(ids.size(), 2500);
        const auto log = zoho.apiLog();
        QCOMPARE(log.size(), size_t(13));
        for (size_t i = 0; i < 10; ++i) {
            QCOMPARE(log.at(i).param("page"), std::to_string(i + 1));
            QVERIFY(!log.at(i).hasParam("page_token"));
            QVERIFY(!log.at(i).hasParam("organization_id"));
        }
        for (size_t i = 10; i < 13; ++i) {
            QVERIFY(!log.at(i).hasParam("page"));
            QCOMPARE(log.at(i).param("page_token"), "t" + std::to_string(i * 200));
        }
    }

    void crmMissingTokenPastLimitIsProtocolError()
    {
        CrmPage page;
        page.moreRecords = true;
        auto next = ZohoApi::nextCrmCursor(CrmCursor{10, {}}, page);
        QVERIFY(!next.ok());
        QCOMPARE(next.error().kind, ErrorKind::Protocol);
        auto early = ZohoApi::nextCrmCursor(CrmCursor{3, {}}, page);
        QVERIFY(early.ok());
        QCOMPARE((*early)->page, 4);
        QVERIFY((*early)->pageToken.isEmpty());
        page.moreRecords = false;
        auto done = ZohoApi::nextCrmCursor(CrmCursor{3, {}}, page);
        QVERIFY(done.ok());
        QVERIFY(!done->has_value());
    }

    void crmSearchNoContentIsEmpty()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &) { return FakeZoho::json(204, ""); });
        ZohoService service(zoho.settings(), fastOptions());
        auto page = awaitResult(service.api().crmSearch(QStringLiteral("Students"), QStringLiteral("(Moodle_User_ID:equals:3)")));
        QVERIFY(page.ok());
        QVERIFY(page->records.isEmpty());
        QVERIFY(!page->moreRecords);
        const Request request = zoho.apiLog().at(0);
        QCOMPARE(request.path, std::string("/crm/v2/Students/search"));
        QCOMPARE(request.param("criteria"), std::string("(Moodle_User_ID:equals:3)"));
    }

    void crmGetRecordAndNotModified()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &request) {
            if (!request.ifModifiedSince.empty())
                return FakeZoho::json(304, "");
            return FakeZoho::json(200, R"({"data":[{"id":"42","Last_Name":"X"}]})");
        });
        ZohoService service(zoho.settings(), fastOptions());
        const ZohoApi api = service.api();
        auto record = awaitResult(api.crmGet(QStringLiteral("Students"), QStringLiteral("42")));
        QVERIFY(record.ok());
        QVERIFY(record->has_value());
        QCOMPARE((*record)->value(QLatin1String("id")).toString(), QStringLiteral("42"));
        auto unchanged = awaitResult(api.crmGetIfModifiedSince(QStringLiteral("Students"), QStringLiteral("42"),
                                                               QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5), Qt::UTC)));
        QVERIFY(unchanged.ok());
        QVERIFY(unchanged->state == ZohoApi::CrmRecordAnswer::State::NotModified);
        QCOMPARE(zoho.apiLog().at(1).ifModifiedSince, std::string("2024-01-02T03:04:05+00:00"));
        QCOMPARE(zoho.apiLog().at(1).path, std::string("/crm/v2/Students/42"));
    }

    void crmListIfModifiedSinceAndNotModified()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &request) {
            if (request.ifModifiedSince == "2024-01-02T03:04:05+00:00")
                return FakeZoho::json(304, "");
            if (!request.ifModifiedSince.empty())
                return FakeZoho::json(200, R"({"data":[{"id":"7"}],"info":{"more_records":false,"count":1}})");
            return FakeZoho::json(204, "");
        });
        ZohoService service(zoho.settings(), fastOptions());
        const ZohoApi api = service.api();
        // 304: nothing changed since then, which is not "no records".
        auto unchanged = awaitResult(api.crmPage(QStringLiteral("Grades"), CrmCursor{}, {},
                                                 QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5, 900), Qt::UTC)));
        QVERIFY2(unchanged.ok(), qPrintable(unchanged.ok() ? QString() : unchanged.error().toString()));
        QVERIFY(unchanged->notModified);
        QVERIFY(unchanged->records.isEmpty());
        QVERIFY(!unchanged->moreRecords);
        // An offset in the given time is kept as the same instant, in UTC.
        auto changed = awaitResult(api.crmPage(QStringLiteral("Grades"), CrmCursor{}, {},
                                               QDateTime(QDate(2024, 1, 2), QTime(8, 34, 5), Qt::OffsetFromUTC, 19800 + 60)));
        QVERIFY(changed.ok());
        QVERIFY(!changed->notModified);
        QCOMPARE(changed->records.size(), 1);
        // Without If-Modified-Since a 204 is an empty last page, not "not modified".
        auto empty = awaitResult(api.crmPage(QStringLiteral("Grades"), CrmCursor{}));
        QVERIFY(empty.ok());
        QVERIFY(!empty->notModified);
        QVERIFY(empty->records.isEmpty());

        const auto log = zoho.apiLog();
        QCOMPARE(log.size(), size_t(3));
        QCOMPARE(log.at(0).path, std::string("/crm/v2/Grades"));
        QCOMPARE(log.at(0).ifModifiedSince, std::string("2024-01-02T03:04:05+00:00"));
        QCOMPARE(log.at(0).param("page"), std::string("1"));
        QCOMPARE(log.at(0).param("per_page"), std::string("200"));
        QCOMPARE(log.at(1).ifModifiedSince, std::string("2024-01-02T03:03:05+00:00"));
        QVERIFY(log.at(2).ifModifiedSince.empty());
    }

    void crmDeletedListPagesAndNone()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &request) {
            if (request.path != "/crm/v2/Grades/deleted" || request.param("type") != "all")
                return FakeZoho::json(400, R"({"code":"INVALID_URL_PATTERN","message":"bad","status":"error"})");
            if (request.ifModifiedSince == "2025-06-01T00:00:00+00:00")
                return FakeZoho::json(304, "");
            if (request.param("page") == "1")
                return FakeZoho::json(200, R"({"data":[{"id":"11","type":"recycle","deleted_time":"2025-06-01T10:00:00+05:30"}],)"
                                           R"("info":{"per_page":200,"count":1,"page":1,"more_records":true}})");
            if (request.param("page") == "2")
                return FakeZoho::json(200, R"({"data":[{"id":"12","type":"permanent","deleted_time":"2025-06-02T10:00:00+05:30"}],)"
                                           R"("info":{"per_page":200,"count":1,"page":2,"more_records":false}})");
            return FakeZoho::json(204, "");
        });
        ZohoService service(zoho.settings(), fastOptions());
        const ZohoApi api = service.api();
        auto first = awaitResult(api.crmDeletedPage(QStringLiteral("Grades"), CrmCursor{}));
        QVERIFY2(first.ok(), qPrintable(first.ok() ? QString() : first.error().toString()));
        QCOMPARE(first->records.size(), 1);
        QCOMPARE(first->records.at(0).id, QStringLiteral("11"));
        QCOMPARE(first->records.at(0).deletedTime, QDateTime(QDate(2025, 6, 1), QTime(4, 30), Qt::UTC));
        auto next = ZohoApi::nextCrmCursor(CrmCursor{}, *first);
        QVERIFY(next.ok());
        QVERIFY(next->has_value());
        QCOMPARE((*next)->page, 2);
        auto second = awaitResult(api.crmDeletedPage(QStringLiteral("Grades"), **next));
        QVERIFY(second.ok());
        QCOMPARE(second->records.at(0).id, QStringLiteral("12"));
        auto end = ZohoApi::nextCrmCursor(**next, *second);
        QVERIFY(end.ok());
        QVERIFY(!end->has_value());
        auto none = awaitResult(api.crmDeletedPage(QStringLiteral("Grades"), CrmCursor{},
                                                   QDateTime(QDate(2025, 6, 1), QTime(0, 0), Qt::UTC)));
        QVERIFY(none.ok());
        QVERIFY(none->records.isEmpty());
        QVERIFY(!none->moreRecords);
        QCOMPARE(zoho.apiLog().at(2).ifModifiedSince, std::string("2025-06-01T00:00:00+00:00"));

        // Past 2,000 deleted records only the token goes on.
        CrmDeletedPage more;
        more.moreRecords = true;
        QVERIFY(!ZohoApi::nextCrmCursor(CrmCursor{10, {}}, more).ok());
        more.nextPageToken = QStringLiteral("tk");
        auto token = ZohoApi::nextCrmCursor(CrmCursor{10, {}}, more);
        QVERIFY(token.ok());
        QCOMPARE((*token)->pageToken, QStringLiteral("tk"));
    }

    void crmDeletedListMalformedIsAnError()
    {
        FakeZoho zoho;
        zoho.onApi([](const Request &) {
            return FakeZoho::json(200, R"({"data":[{"id":"11"}],"info":{"more_records":false}})");
        });
        ZohoService service(zoho.settings(), fastOptions());
        auto page = awaitResult(service.api().crmDeletedPage(QStringLiteral("Grades"), CrmCursor{}));
        QVERIFY(!page.ok());
        QCOMPARE(page.error().kind, ErrorKind::Protocol);
    }
};

QTEST_GUILESS_MAIN(TestZohoApi)
#include "tst_zohoapi.moc"
