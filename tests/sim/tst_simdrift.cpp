// zoho-sim's drift fault (README "Drift"): records really inserted and deleted between the
// pages of a listing, sorted the way Zoho sorts (Books by name, CRM by id), so that pages
// shift — a deletion ahead of the cursor skips a record, an insertion ahead repeats one.
// Deterministic from the seed, counted in /_sim/stats. Also the Books list orders the
// catch-up uses (sort_column=last_modified_time&sort_order=D). No sockets.
#include "manualepochclock.h"
#include "simoptions.h"
#include "simservice.h"
#include "simtestrequests.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTest>

#include <httplib.h>

using namespace tiersync::sim;
using tiersync::test::ManualEpochClock;

namespace {

using tiersync::sim::test::json;
using tiersync::sim::test::Params;
using tiersync::sim::test::request;

constexpr qint64 kNowMs = 1767225600000;  // 2026-01-01T00:00:00Z, after every generated time
const std::string kOrg = "60000000001";

QStringList ids(const QJsonArray &records, const QString &field)
{
    QStringList out;
    for (const QJsonValue &record : records)
        out.append(record.toObject().value(field).toString());
    return out;
}

QStringList strings(const QJsonValue &array)
{
    QStringList out;
    for (const QJsonValue &value : array.toArray())
        out.append(value.toString());
    return out;
}

}  // namespace

class TestSimDrift final : public QObject {
    Q_OBJECT

private:
    ManualEpochClock m_time{kNowMs};
    std::unique_ptr<SimService> m_service;
    std::string m_token;

    void start(quint64 seed = 1)
    {
        SimOptions options;
        options.port = 8080;
        options.students = 60;
        options.seed = seed;
        m_time = ManualEpochClock(kNowMs);
        m_service = std::make_unique<SimService>(options, m_time.clock());
        const SimReply reply = m_service->handle(request("POST", "/oauth/v2/token",
                                                         {{"client_id", "1000.TIERSYNCSANDBOX"},
                                                          {"client_secret", "sandbox-client-secret"},
                                                          {"refresh_token", "1000.sandbox-refresh-token"},
                                                          {"grant_type", "refresh_token"}}));
        m_token = json(reply).value(QLatin1String("access_token")).toString().toStdString();
        QVERIFY(!m_token.empty());
    }

    SimReply get(const std::string &path, Params params = {}, const std::string &ifModifiedSince = {})
    {
        if (path.rfind("/books/", 0) == 0)
            params.emplace_back("organization_id", kOrg);
        httplib::Request call = request("GET", path, params, m_token);
        if (!ifModifiedSince.empty())
            call.headers.emplace("If-Modified-Since", ifModifiedSince);
        return m_service->handle(call);
    }

    SimReply control(const std::string &path, const QJsonObject &body)
    {
        return m_service->handle(
            request("POST", path, {}, {}, QJsonDocument(body).toJson(QJsonDocument::Compact).toStdString()));
    }

    QJsonObject drift(const QJsonObject &config)
    {
        const SimReply reply = control("/_sim/faults", {{QStringLiteral("drift"), config}});
        if (reply.status != 200)
            return {};
        return json(reply).value(QLatin1String("drift")).toObject();
    }

    QJsonObject driftStats()
    {
        return json(m_service->handle(request("GET", "/_sim/stats"))).value(QLatin1String("drift")).toObject();
    }

    QStringList booksPage(int page, int perPage = 50, Params extra = {})
    {
        extra.emplace_back("page", std::to_string(page));
        extra.emplace_back("per_page", std::to_string(perPage));
        return ids(json(get("/books/v3/items", extra)).value(QLatin1String("items")).toArray(), QStringLiteral("item_id"));
    }

    QStringList booksAll(int perPage = 200)
    {
        QStringList all;
        for (int page = 1;; ++page) {
            const QJsonObject body = json(get("/books/v3/items", {{"page", std::to_string(page)},
                                                                  {"per_page", std::to_string(perPage)}}));
            all += ids(body.value(QLatin1String("items")).toArray(), QStringLiteral("item_id"));
            if (!body.value(QLatin1String("page_context")).toObject().value(QLatin1String("has_more_page")).toBool())
                return all;
        }
    }

    QStringList crmPage(const std::string &module, int page, int perPage)
    {
        const SimReply reply = get("/crm/v2/" + module, {{"page", std::to_string(page)}, {"per_page", std::to_string(perPage)}});
        return ids(json(reply).value(QLatin1String("data")).toArray(), QStringLiteral("id"));
    }

private slots:
    void configIsValidated()
    {
        start();
        const QJsonObject shown = drift({{QStringLiteral("path"), QStringLiteral("/books/v3/items")},
                                         {QStringLiteral("inserts"), 2},
                                         {QStringLiteral("deletes"), 1},
                                         {QStringLiteral("pages"), 3},
                                         {QStringLiteral("seed"), 7}});
        QCOMPARE(shown.value(QLatin1String("inserts")).toInt(), 2);
        QCOMPARE(shown.value(QLatin1String("deletes")).toInt(), 1);
        QCOMPARE(shown.value(QLatin1String("pages")).toInt(), 3);
        QCOMPARE(shown.value(QLatin1String("seed")).toString(), QStringLiteral("7"));
        for (const QJsonObject &bad : {QJsonObject{{QStringLiteral("inserts"), -1}},
                                       QJsonObject{{QStringLiteral("pages"), QStringLiteral("3")}},
                                       QJsonObject{{QStringLiteral("seed"), -2}},
                                       QJsonObject{{QStringLiteral("sideways"), 1}}}) {
            const SimReply refused = control("/_sim/faults", {{QStringLiteral("drift"), bad}});
            QCOMPARE(refused.status, 400);
        }
        QCOMPARE(control("/_sim/faults", {{QStringLiteral("drift"), QStringLiteral("on")}}).status, 400);
        // Refusals change nothing.
        QCOMPARE(json(m_service->handle(request("GET", "/_sim/faults"))).value(QLatin1String("drift")).toObject(), shown);
    }

    // A deletion ahead of the cursor moves every later record up: the next page starts that
    // many records late, and the records at the boundary are never listed — yet still there.
    void booksDeletionAheadSkips()
    {
        start();
        const QStringList before = booksAll();
        drift({{QStringLiteral("path"), QStringLiteral("/books/v3/items")},
               {QStringLiteral("deletes"), 2},
               {QStringLiteral("pages"), 1},
               {QStringLiteral("seed"), 3}});
        const QStringList first = booksPage(1);
        QCOMPARE(first, before.mid(0, 50));
        const QStringList deleted = strings(driftStats().value(QLatin1String("deleted_ids")).toObject().value(QLatin1String("products")));
        QCOMPARE(deleted.size(), 2);
        for (const QString &id : deleted) {
            QVERIFY(first.contains(id));  // ahead of the cursor: on the page already answered
            QCOMPARE(get("/books/v3/items/" + id.toStdString()).status, 404);
        }
        const QStringList second = booksPage(2);
        QCOMPARE(second.first(), before.at(52));
        for (const QString &skipped : {before.at(50), before.at(51)}) {
            QVERIFY(!first.contains(skipped) && !second.contains(skipped));
            QCOMPARE(get("/books/v3/items/" + skipped.toStdString()).status, 200);
        }
        // The budget is spent: page 3 moved nothing more.
        QCOMPARE(booksPage(3).first(), before.at(102));
        QCOMPARE(driftStats().value(QLatin1String("pages")).toInt(), 1);
        QCOMPARE(driftStats().value(QLatin1String("deleted")).toInt(), 2);
        QCOMPARE(booksAll().size(), before.size() - 2);
    }

    // An insertion ahead of the cursor moves every later record down: the next page repeats
    // the previous page's last records, and the new record — a real one — is never listed
    // by this listing. Sorted by name right after a record already listed.
    void booksInsertionAheadRepeats()
    {
        start();
        const QStringList before = booksAll();
        drift({{QStringLiteral("path"), QStringLiteral("/books/v3/items")},
               {QStringLiteral("inserts"), 2},
               {QStringLiteral("pages"), 1},
               {QStringLiteral("seed"), 5}});
        const QStringList first = booksPage(1);
        const QStringList second = booksPage(2);
        QCOMPARE(second.mid(0, 2), first.mid(48, 2));
        const QStringList inserted =
            strings(driftStats().value(QLatin1String("inserted_ids")).toObject().value(QLatin1String("products")));
        QCOMPARE(inserted.size(), 2);
        const QStringList after = booksAll();
        QCOMPARE(after.size(), before.size() + 2);
        const auto nameOf = [this](const QString &id) {
            return json(get("/books/v3/items/" + id.toStdString())).value(QLatin1String("item")).toObject()
                .value(QLatin1String("name")).toString();
        };
        for (const QString &id : inserted) {
            QVERIFY(!before.contains(id) && !first.contains(id) && !second.contains(id));
            const qsizetype at = after.indexOf(id);
            QVERIFY(at > 0 && at <= 51);  // among the 50 (then 51) records ahead of the cursor
            // Named after the generated record it follows (past any other inserted after it).
            qsizetype anchor = at - 1;
            while (anchor > 0 && inserted.contains(after.at(anchor)))
                --anchor;
            const QString name = nameOf(id);
            QVERIFY2(name.startsWith(nameOf(after.at(anchor)) + QLatin1String(" ~")), qPrintable(name));
        }
        // The newest first: what the catch-up asks for.
        const QStringList newest = booksPage(1, 2, {{"sort_column", "last_modified_time"}, {"sort_order", "D"}});
        QCOMPARE(QSet<QString>(newest.cbegin(), newest.cend()), QSet<QString>(inserted.cbegin(), inserted.cend()));
    }

    void booksSortOrders()
    {
        start();
        const QJsonObject body = json(get("/books/v3/items", {{"sort_column", "last_modified_time"}, {"sort_order", "D"}}));
        const QJsonObject context = body.value(QLatin1String("page_context")).toObject();
        QCOMPARE(context.value(QLatin1String("sort_column")).toString(), QStringLiteral("last_modified_time"));
        QCOMPARE(context.value(QLatin1String("sort_order")).toString(), QStringLiteral("D"));
        QString previous = QStringLiteral("9999");
        for (const QJsonValue &item : body.value(QLatin1String("items")).toArray()) {
            // Same offset everywhere in the sim's data: text order is time order.
            const QString modified = item.toObject().value(QLatin1String("last_modified_time")).toString();
            QVERIFY(modified <= previous);
            previous = modified;
        }
        const QJsonObject byName = json(get("/books/v3/contacts", {{"sort_order", "D"}}));
        QCOMPARE(byName.value(QLatin1String("page_context")).toObject().value(QLatin1String("sort_column")).toString(),
                 QStringLiteral("contact_name"));
        QCOMPARE(get("/books/v3/items", {{"sort_column", "rate"}}).status, 400);
        QCOMPARE(get("/books/v3/items", {{"sort_order", "up"}}).status, 400);
    }

    // CRM lists are sorted by id: a deletion ahead skips, an insertion (the largest id so far)
    // joins the end. Deleted records answer 204 and are in the deleted list; inserted ones
    // are found by id and by If-Modified-Since.
    void crmDriftDeletesAheadInsertsAtEnd()
    {
        start();
        const QStringList before = crmPage("Grades", 1, 200) + crmPage("Grades", 2, 200);
        QVERIFY(before.size() > 250);
        drift({{QStringLiteral("path"), QStringLiteral("/crm/v2/Grades")},
               {QStringLiteral("inserts"), 1},
               {QStringLiteral("deletes"), 1},
               {QStringLiteral("pages"), 1},
               {QStringLiteral("seed"), 11}});
        const QStringList first = crmPage("Grades", 1, 100);
        QCOMPARE(first, before.mid(0, 100));
        const QJsonObject stats = driftStats();
        const QStringList deleted = strings(stats.value(QLatin1String("deleted_ids")).toObject().value(QLatin1String("Grades")));
        const QStringList inserted = strings(stats.value(QLatin1String("inserted_ids")).toObject().value(QLatin1String("Grades")));
        QCOMPARE(deleted.size(), 1);
        QCOMPARE(inserted.size(), 1);
        QVERIFY(first.contains(deleted.first()));
        QCOMPARE(crmPage("Grades", 2, 100).first(), before.at(101));  // before.at(100) skipped
        QCOMPARE(get("/crm/v2/Grades/" + deleted.first().toStdString()).status, 204);
        QCOMPARE(get("/crm/v2/Grades/" + before.at(100).toStdString()).status, 200);
        QCOMPARE(get("/crm/v2/Grades/" + inserted.first().toStdString()).status, 200);
        QVERIFY(inserted.first() > before.last());
        const QStringList gone = ids(json(get("/crm/v2/Grades/deleted")).value(QLatin1String("data")).toArray(),
                                     QStringLiteral("id"));
        QCOMPARE(gone, deleted);
        const SimReply changed = get("/crm/v2/Grades", {}, "2025-12-31T23:00:00+00:00");
        QCOMPARE(changed.status, 200);
        QCOMPARE(ids(json(changed).value(QLatin1String("data")).toArray(), QStringLiteral("id")), inserted);
    }

    // Only the default listing drifts, and only on pages that say more follow.
    void filteredListingsDoNotDrift()
    {
        start();
        drift({{QStringLiteral("inserts"), 1}, {QStringLiteral("deletes"), 1}, {QStringLiteral("pages"), 10}});
        QCOMPARE(booksPage(1, 50, {{"sort_column", "last_modified_time"}}).size(), 50);
        QCOMPARE(get("/crm/v2/Grades", {{"per_page", "50"}}, "2020-01-01T00:00:00+00:00").status, 200);
        QCOMPARE(get("/crm/v2/Grades/search", {{"criteria", "(Moodle_User_ID:equals:3)"}}).status, 200);
        QCOMPARE(driftStats().value(QLatin1String("pages")).toInt(), 0);
        const SimReply last = get("/crm/v2/Students", {{"per_page", "200"}});  // 60 students: the only page
        QCOMPARE(json(last).value(QLatin1String("info")).toObject().value(QLatin1String("more_records")).toBool(), false);
        QCOMPARE(driftStats().value(QLatin1String("pages")).toInt(), 0);
        (void)crmPage("Students", 1, 20);  // more follow: drifts
        QCOMPARE(driftStats().value(QLatin1String("pages")).toInt(), 1);
        QCOMPARE(control("/_sim/reset-stats", {}).status, 200);
        QCOMPARE(driftStats().value(QLatin1String("pages")).toInt(), 0);
    }

    // The same seed and requests make the same changes; another seed others.
    void deterministic()
    {
        auto changes = [this](quint64 seed) {
            start();
            drift({{QStringLiteral("inserts"), 2}, {QStringLiteral("deletes"), 2}, {QStringLiteral("pages"), 3},
                   {QStringLiteral("seed"), double(seed)}});
            for (int page = 1; page <= 4; ++page)
                (void)booksPage(page);
            const QJsonObject stats = driftStats();
            return strings(stats.value(QLatin1String("inserted_ids")).toObject().value(QLatin1String("products")))
                   + strings(stats.value(QLatin1String("deleted_ids")).toObject().value(QLatin1String("products")))
                   + booksAll();
        };
        const QStringList once = changes(9);
        QCOMPARE(changes(9), once);
        QVERIFY(changes(10) != once);
    }
};

QTEST_GUILESS_MAIN(TestSimDrift)
#include "tst_simdrift.moc"
