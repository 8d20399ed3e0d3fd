// SimService without sockets: record create/move/delete for the CRM modules, the
// deleted-records list and the actions/watch API, on a clock the test moves.
#include "manualepochclock.h"
#include "simoptions.h"
#include "simservice.h"
#include "simtestrequests.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <algorithm>

#include <httplib.h>

using namespace tiersync::sim;
using tiersync::test::ManualEpochClock;

namespace {

using tiersync::sim::test::json;
using tiersync::sim::test::Params;
using tiersync::sim::test::request;

std::string text(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact).toStdString();
}

QStringList idsOf(const QJsonArray &records)
{
    QStringList ids;
    for (const QJsonValue &record : records)
        ids.append(record.toObject().value(QLatin1String("id")).toString());
    return ids;
}

SimOptions smallOptions()
{
    SimOptions options;
    options.port = 8080;
    options.students = 60;
    return options;
}

}  // namespace

class TestSimChanges final : public QObject {
    Q_OBJECT

private:
    ManualEpochClock m_time;
    std::unique_ptr<SimService> m_service;
    std::string m_token;

    std::string tokenFor(const std::string &clientId, const std::string &secret, const std::string &refresh)
    {
        const SimReply reply = m_service->handle(request("POST", "/oauth/v2/token",
                                                         {{"client_id", clientId}, {"client_secret", secret},
                                                          {"refresh_token", refresh}, {"grant_type", "refresh_token"}}));
        return json(reply).value(QLatin1String("access_token")).toString().toStdString();
    }

    SimReply call(const std::string &method, const std::string &path, const Params &params = {},
                  const std::string &body = {}, const std::string &since = {})
    {
        httplib::Request built = request(method, path, params, m_token, body);
        if (!since.empty())
            built.headers.emplace("If-Modified-Since", since);
        return m_service->handle(built);
    }

    QJsonObject mutate(const QJsonObject &body, int expectedStatus = 200)
    {
        const SimReply reply = m_service->handle(request("POST", "/_sim/mutate", {}, {}, text(body)));
        if (reply.status != expectedStatus)
            qWarning("mutate answered %d: %s", reply.status, reply.body.c_str());
        return reply.status == expectedStatus ? json(reply) : QJsonObject{{QStringLiteral("failed"), true}};
    }

    QStringList searchMoodle(const std::string &module, int moodleUserId)
    {
        const SimReply reply = call("GET", "/crm/v2/" + module + "/search",
                                    {{"criteria", "(Moodle_User_ID:equals:" + std::to_string(moodleUserId) + ")"}});
        return reply.status == 204 ? QStringList() : idsOf(json(reply).value(QLatin1String("data")).toArray());
    }

    QJsonObject record(const std::string &module, const QString &id, int *status = nullptr)
    {
        const SimReply reply = call("GET", "/crm/v2/" + module + "/" + id.toStdString());
        if (status)
            *status = reply.status;
        return json(reply).value(QLatin1String("data")).toArray().first().toObject();
    }

    static QJsonObject watchItem(const QString &channelId, const QJsonArray &events, const QString &url,
                                 const QJsonValue &expiry = QJsonValue::Undefined, const QString &token = QStringLiteral("t0k"))
    {
        QJsonObject item{{QStringLiteral("channel_id"), channelId},
                         {QStringLiteral("events"), events},
                         {QStringLiteral("notify_url"), url},
                         {QStringLiteral("token"), token}};
        if (!expiry.isUndefined())
            item.insert(QStringLiteral("channel_expiry"), expiry);
        return item;
    }

    SimReply watch(const std::string &method, const QJsonArray &items, const std::string &token = {})
    {
        return m_service->handle(request(method, "/crm/v2/actions/watch", {}, token.empty() ? m_token : token,
                                         text(QJsonObject{{QStringLiteral("watch"), items}})));
    }

private slots:
    void init()
    {
        // 2026-01-01T00:00:00Z: after every generated time (those end mid-2024).
        m_time = ManualEpochClock(1767225600000);
        m_service = std::make_unique<SimService>(smallOptions(), m_time.clock());
        m_service->setApiDomain("http://127.0.0.1:8080");
        m_token = tokenFor("1000.TIERSYNCSANDBOX", "sandbox-client-secret", "1000.sandbox-refresh-token");
        QVERIFY(!m_token.empty());
    }

    void cleanup() { m_service.reset(); }

    void createNewRecordsForAStudent()
    {
        const QStringList before = searchMoodle("Grades", 7);
        QVERIFY(!before.isEmpty());
        const QJsonObject created = mutate({{QStringLiteral("entity"), QStringLiteral("Grades")},
                                            {QStringLiteral("operation"), QStringLiteral("create")},
                                            {QStringLiteral("moodle_user_id"), 7},
                                            {QStringLiteral("count"), 2}});
        QCOMPARE(created.value(QLatin1String("mutated")).toInt(), 2);
        QCOMPARE(created.value(QLatin1String("operation")).toString(), QStringLiteral("create"));
        const QStringList ids = created.value(QLatin1String("ids")).toVariant().toStringList();
        QCOMPARE(ids.size(), 2);
        const QStringList all = idsOf(json(call("GET", "/crm/v2/Grades", {{"page", "1"}})).value(QLatin1String("data")).toArray());
        for (const QString &id : ids) {
            QCOMPARE(id.size(), 19);
            QVERIFY(!before.contains(id) && !all.contains(id));  // a new id, past every generated one
            int status = 0;
            const QJsonObject grade = record("Grades", id, &status);
            QCOMPARE(status, 200);
            QCOMPARE(grade.value(QLatin1String("Moodle_User_ID")).toString(), QStringLiteral("7"));
            QCOMPARE(grade.value(QLatin1String("Modified_Time")).toString(), created.value(QLatin1String("modified_time")).toString());
        }
        QCOMPARE(searchMoodle("Grades", 7), before + ids);  // id order: the new ones last

        // A new student for a new Moodle user; a second one for the same user is refused.
        const QJsonObject student = mutate({{QStringLiteral("entity"), QStringLiteral("Students")},
                                            {QStringLiteral("operation"), QStringLiteral("create")},
                                            {QStringLiteral("moodle_user_id"), 61}});
        const QString studentId = student.value(QLatin1String("ids")).toArray().first().toString();
        QCOMPARE(searchMoodle("Students", 61), QStringList{studentId});
        QVERIFY(mutate({{QStringLiteral("entity"), QStringLiteral("Students")}, {QStringLiteral("operation"), QStringLiteral("create")},
                        {QStringLiteral("moodle_user_id"), 61}}, 400).contains(QLatin1String("error")));
        QVERIFY(mutate({{QStringLiteral("entity"), QStringLiteral("Students")}, {QStringLiteral("operation"), QStringLiteral("create")},
                        {QStringLiteral("moodle_user_id"), 5}}, 400).contains(QLatin1String("error")));
        // Records of that user name it as their student.
        const QJsonObject payment = mutate({{QStringLiteral("entity"), QStringLiteral("Payments")},
                                            {QStringLiteral("operation"), QStringLiteral("create")},
                                            {QStringLiteral("moodle_user_id"), 61}});
        const QJsonObject paymentRecord = record("Payments", payment.value(QLatin1String("ids")).toArray().first().toString());
        QCOMPARE(paymentRecord.value(QLatin1String("Student")).toObject().value(QLatin1String("id")).toString(), studentId);

        // Ids are never reused: delete the student and create one again.
        mutate({{QStringLiteral("entity"), QStringLiteral("Students")}, {QStringLiteral("operation"), QStringLiteral("delete")},
                {QStringLiteral("ids"), QJsonArray{studentId}}});
        const QJsonObject again = mutate({{QStringLiteral("entity"), QStringLiteral("Students")},
                                          {QStringLiteral("operation"), QStringLiteral("create")},
                                          {QStringLiteral("moodle_user_id"), 61}});
        QVERIFY(again.value(QLatin1String("ids")).toArray().first().toString() != studentId);

        // Bad requests say why.
        QCOMPARE(m_service->handle(request("POST", "/_sim/mutate", {}, {},
                                           text({{QStringLiteral("entity"), QStringLiteral("Grades")},
                                                 {QStringLiteral("operation"), QStringLiteral("create")}}))).status, 400);
        QCOMPARE(m_service->handle(request("POST", "/_sim/mutate", {}, {},
                                           text({{QStringLiteral("entity"), QStringLiteral("products")},
                                                 {QStringLiteral("operation"), QStringLiteral("delete")},
                                                 {QStringLiteral("count"), 1}}))).status, 400);
        QCOMPARE(m_service->handle(request("POST", "/_sim/mutate", {}, {},
                                           text({{QStringLiteral("entity"), QStringLiteral("Grades")},
                                                 {QStringLiteral("operation"), QStringLiteral("explode")}}))).status, 400);
        QCOMPARE(m_service->handle(request("POST", "/_sim/mutate", {}, {},
                                           text({{QStringLiteral("entity"), QStringLiteral("Grades")},
                                                 {QStringLiteral("count"), 1}, {QStringLiteral("colour"), 1}}))).status, 400);
    }

    void moveFollowsTheIndex()
    {
        const QStringList ofSeven = searchMoodle("Classes", 7);
        const QStringList ofNine = searchMoodle("Classes", 9);
        const QString id = ofSeven.first();
        const QJsonObject before = record("Classes", id);
        m_time.advance(5000);
        const QJsonObject moved = mutate({{QStringLiteral("entity"), QStringLiteral("Classes")},
                                          {QStringLiteral("operation"), QStringLiteral("move")},
                                          {QStringLiteral("ids"), QJsonArray{id, QStringLiteral("3652397000000000001")}},
                                          {QStringLiteral("to_moodle_user_id"), 9}});
        QCOMPARE(moved.value(QLatin1String("mutated")).toInt(), 1);
        QCOMPARE(moved.value(QLatin1String("unknown")).toArray(), QJsonArray{QStringLiteral("3652397000000000001")});
        const QJsonObject how = moved.value(QLatin1String("moved")).toArray().first().toObject();
        QCOMPARE(how.value(QLatin1String("from_moodle_user_id")).toInt(), 7);
        QCOMPARE(how.value(QLatin1String("to_moodle_user_id")).toInt(), 9);

        QCOMPARE(searchMoodle("Classes", 7), ofSeven.mid(1));
        QStringList expected = ofNine + QStringList{id};
        std::sort(expected.begin(), expected.end());
        QCOMPARE(searchMoodle("Classes", 9), expected);
        const QJsonObject after = record("Classes", id);
        QCOMPARE(after.value(QLatin1String("Moodle_User_ID")).toString(), QStringLiteral("9"));
        const QJsonObject nine = record("Students", searchMoodle("Students", 9).first());
        QCOMPARE(after.value(QLatin1String("Student")).toObject().value(QLatin1String("id")).toString(),
                 nine.value(QLatin1String("id")).toString());
        QCOMPARE(after.value(QLatin1String("Student")).toObject().value(QLatin1String("name")).toString(),
                 nine.value(QLatin1String("Full_Name")).toString());
        QVERIFY(after.value(QLatin1String("Modified_Time")).toString() > before.value(QLatin1String("Modified_Time")).toString());
        QCOMPARE(after.value(QLatin1String("Room")), before.value(QLatin1String("Room")));  // content stays

        // If-Modified-Since lists see the move.
        const SimReply changed = call("GET", "/crm/v2/Classes", {}, {}, "2025-01-01T00:00:00+05:30");
        QCOMPARE(idsOf(json(changed).value(QLatin1String("data")).toArray()), QStringList{id});

        // A Moodle id beyond the generated students works too (kept outside the dense index).
        mutate({{QStringLiteral("entity"), QStringLiteral("Classes")}, {QStringLiteral("operation"), QStringLiteral("move")},
                {QStringLiteral("ids"), QJsonArray{id}}, {QStringLiteral("to_moodle_user_id"), 2000000000}});
        QCOMPARE(searchMoodle("Classes", 2000000000), QStringList{id});
        QVERIFY(!searchMoodle("Classes", 9).contains(id));

        // A student moves only to a Moodle user without one.
        const QString student7 = searchMoodle("Students", 7).first();
        QCOMPARE(m_service->handle(request("POST", "/_sim/mutate", {}, {},
                                           text({{QStringLiteral("entity"), QStringLiteral("Students")},
                                                 {QStringLiteral("operation"), QStringLiteral("move")},
                                                 {QStringLiteral("ids"), QJsonArray{student7}},
                                                 {QStringLiteral("to_moodle_user_id"), 8}}))).status, 400);
        mutate({{QStringLiteral("entity"), QStringLiteral("Students")}, {QStringLiteral("operation"), QStringLiteral("move")},
                {QStringLiteral("ids"), QJsonArray{student7}}, {QStringLiteral("to_moodle_user_id"), 70}});
        QVERIFY(searchMoodle("Students", 7).isEmpty());
        QCOMPARE(searchMoodle("Students", 70), QStringList{student7});
    }

    void deleteGoesToTheDeletedList()
    {
        const QStringList requests = searchMoodle("Payments", 3);
        const int total = m_service->dataSetForTests().size(SimEntity::Payments);
        // Nothing deleted yet: 204 without If-Modified-Since.
        QCOMPARE(call("GET", "/crm/v2/Payments/deleted").status, 204);
        m_time.advance(60000);
        const QJsonObject gone = mutate({{QStringLiteral("entity"), QStringLiteral("Payments")},
                                         {QStringLiteral("operation"), QStringLiteral("delete")},
                                         {QStringLiteral("moodle_user_id"), 3}});
        QCOMPARE(gone.value(QLatin1String("ids")).toVariant().toStringList(), requests);
        QCOMPARE(gone.value(QLatin1String("type")).toString(), QStringLiteral("recycle"));
        const QString deletedTime = gone.value(QLatin1String("deleted_time")).toString();
        QCOMPARE(m_service->dataSetForTests().size(SimEntity::Payments), total - static_cast<int>(requests.size()));
        QVERIFY(searchMoodle("Payments", 3).isEmpty());
        int status = 0;
        (void)record("Payments", requests.first(), &status);
        QCOMPARE(status, 204);
        const QStringList listed = idsOf(json(call("GET", "/crm/v2/Payments")).value(QLatin1String("data")).toArray());
        QVERIFY(!listed.contains(requests.first()));
        // An update of a deleted id reports it unknown.
        QCOMPARE(mutate({{QStringLiteral("entity"), QStringLiteral("Payments")}, {QStringLiteral("ids"), QJsonArray{requests.first()}}})
                     .value(QLatin1String("unknown")).toArray().size(), 1);

        const SimReply list = call("GET", "/crm/v2/Payments/deleted", {{"type", "all"}});
        QCOMPARE(list.status, 200);
        const QJsonObject page = json(list);
        QCOMPARE(idsOf(page.value(QLatin1String("data")).toArray()), requests);
        const QJsonObject first = page.value(QLatin1String("data")).toArray().first().toObject();
        QCOMPARE(first.value(QLatin1String("type")).toString(), QStringLiteral("recycle"));
        QCOMPARE(first.value(QLatin1String("deleted_time")).toString(), deletedTime);
        QVERIFY(first.value(QLatin1String("display_name")).toString().startsWith(QLatin1String("INV-")));
        QVERIFY(first.value(QLatin1String("deleted_by")).toObject().contains(QLatin1String("id")));
        QVERIFY(first.value(QLatin1String("created_by")).toObject().contains(QLatin1String("name")));
        const QJsonObject info = page.value(QLatin1String("info")).toObject();
        QCOMPARE(info.value(QLatin1String("count")).toInt(), requests.size());
        QCOMPARE(info.value(QLatin1String("more_records")).toBool(), false);

        // A permanent delete later; type filters, paging and If-Modified-Since.
        m_time.advance(60000);
        const QString later = searchMoodle("Payments", 4).first();
        mutate({{QStringLiteral("entity"), QStringLiteral("Payments")}, {QStringLiteral("operation"), QStringLiteral("delete")},
                {QStringLiteral("ids"), QJsonArray{later}}, {QStringLiteral("type"), QStringLiteral("permanent")}});
        QCOMPARE(idsOf(json(call("GET", "/crm/v2/Payments/deleted", {{"type", "permanent"}})).value(QLatin1String("data")).toArray()),
                 QStringList{later});
        QCOMPARE(idsOf(json(call("GET", "/crm/v2/Payments/deleted", {{"type", "recycle"}})).value(QLatin1String("data")).toArray()),
                 requests);
        const QJsonObject paged = json(call("GET", "/crm/v2/Payments/deleted", {{"per_page", "1"}, {"page", "1"}}));
        QCOMPARE(paged.value(QLatin1String("data")).toArray().size(), 1);
        QCOMPARE(paged.value(QLatin1String("info")).toObject().value(QLatin1String("more_records")).toBool(), true);
        QCOMPARE(idsOf(json(call("GET", "/crm/v2/Payments/deleted", {}, {}, deletedTime.toStdString())).value(QLatin1String("data")).toArray()),
                 QStringList{later});
        const SimReply none = call("GET", "/crm/v2/Payments/deleted", {}, {}, "2030-01-01T00:00:00+05:30");
        QCOMPARE(none.status, 304);
        QVERIFY(none.body.empty());
        QCOMPARE(call("GET", "/crm/v2/Payments/deleted", {{"type", "some"}}).status, 400);
        QCOMPARE(call("GET", "/crm/v2/Payments/deleted", {{"page", "9"}}).status, 204);
        QCOMPARE(call("GET", "/crm/v2/Grades/deleted").status, 204);
        // Counted like every CRM call; no token → 401.
        const QJsonObject stats = json(m_service->handle(request("GET", "/_sim/stats")));
        QVERIFY(stats.value(QLatin1String("requests")).toObject().value(QLatin1String("GET /crm/v2/Payments/deleted")).toInt() >= 8);
        QCOMPARE(m_service->handle(request("GET", "/crm/v2/Payments/deleted")).status, 401);
    }

    // Get Records by id (`ids`, at most 100): the records Zoho has, in id order, one page.
    void getRecordsByIds()
    {
        const QStringList three = searchMoodle("Payments", 3);
        QVERIFY(!three.isEmpty());
        QStringList asked = searchMoodle("Payments", 4) + three;
        asked.append(QStringLiteral("4999999999999999999"));  // no such record: left out
        const SimReply answer = call("GET", "/crm/v2/Payments", {{"ids", asked.join(QLatin1Char(',')).toStdString()}});
        QCOMPARE(answer.status, 200);
        const QJsonObject page = json(answer);
        QStringList expected = asked.mid(0, asked.size() - 1);
        std::sort(expected.begin(), expected.end());
        QCOMPARE(idsOf(page.value(QLatin1String("data")).toArray()), expected);
        QCOMPARE(page.value(QLatin1String("info")).toObject().value(QLatin1String("more_records")).toBool(), false);
        QCOMPARE(call("GET", "/crm/v2/Payments", {{"ids", "4999999999999999999"}}).status, 204);
        QCOMPARE(call("GET", "/crm/v2/Payments", {{"ids", "12,abc"}}).status, 400);
        QCOMPARE(call("GET", "/crm/v2/Payments", {{"ids", "12,"}}).status, 400);
        QCOMPARE(call("GET", "/crm/v2/Payments", {{"ids", ""}}).status, 400);
        QStringList many;
        for (int i = 0; i < 101; ++i)
            many.append(QString::number(4000000000000000000LL + i));
        const SimReply tooMany = call("GET", "/crm/v2/Payments", {{"ids", many.join(QLatin1Char(',')).toStdString()}});
        QCOMPARE(tooMany.status, 400);
        QCOMPARE(json(tooMany).value(QLatin1String("code")).toString(), QStringLiteral("LIMIT_EXCEEDED"));
        // With If-Modified-Since: only the records modified after it; none → 304.
        QCOMPARE(call("GET", "/crm/v2/Payments", {{"ids", three.join(QLatin1Char(',')).toStdString()}}, {},
                      "2099-01-01T00:00:00+00:00")
                     .status,
                 304);
    }

    void unmutatedRecordsStayDeterministic()
    {
        mutate({{QStringLiteral("entity"), QStringLiteral("Grades")}, {QStringLiteral("operation"), QStringLiteral("delete")},
                {QStringLiteral("moodle_user_id"), 2}});
        mutate({{QStringLiteral("entity"), QStringLiteral("Grades")}, {QStringLiteral("operation"), QStringLiteral("create")},
                {QStringLiteral("moodle_user_id"), 2}, {QStringLiteral("count"), 3}});
        const SimService pristine(smallOptions());
        const SimDataSet &now = m_service->dataSetForTests();
        const SimDataSet &then = pristine.dataSetForTests();
        for (const QString &id : searchMoodle("Grades", 30)) {
            const int a = now.indexOfId(SimEntity::Grades, id.toStdString());
            const int b = then.indexOfId(SimEntity::Grades, id.toStdString());
            QCOMPARE(now.records(SimEntity::Grades)[static_cast<std::size_t>(a)].json,
                     then.records(SimEntity::Grades)[static_cast<std::size_t>(b)].json);
        }
    }

    void watchEnableListUpdateDisable()
    {
        const qint64 nowS = m_time.nowMs() / 1000;
        const QString inTwoDays = QDateTime::fromSecsSinceEpoch(nowS + 2 * 86400, Qt::UTC).toString(Qt::ISODate);
        const QString inTenDays = QDateTime::fromSecsSinceEpoch(nowS + 10 * 86400, Qt::UTC).toString(Qt::ISODate);
        const SimReply enabled = watch("POST", {watchItem(QStringLiteral("1000000068001"),
                                                          {QStringLiteral("Grades.all"), QStringLiteral("Payments.edit"), QStringLiteral("Payments.delete")},
                                                          QStringLiteral("http://127.0.0.1:9/hook"), inTwoDays),
                                                watchItem(QStringLiteral("1000000068002"), {QStringLiteral("Students.create")},
                                                          QStringLiteral("https://example.com/hook"), inTenDays),
                                                watchItem(QStringLiteral("1000000068003"), {QStringLiteral("Requests.all")},
                                                          QStringLiteral("https://example.com/hook"))});
        QCOMPARE(enabled.status, 200);
        const QJsonArray items = json(enabled).value(QLatin1String("watch")).toArray();
        QCOMPARE(items.size(), 3);
        const QJsonObject first = items.at(0).toObject();
        QCOMPARE(first.value(QLatin1String("code")).toString(), QStringLiteral("SUCCESS"));
        QCOMPARE(first.value(QLatin1String("status")).toString(), QStringLiteral("success"));
        QCOMPARE(first.value(QLatin1String("message")).toString(),
                 QStringLiteral("Successfully subscribed for actions-watch of the given module"));
        const QJsonArray events = first.value(QLatin1String("details")).toObject().value(QLatin1String("events")).toArray();
        QCOMPARE(events.size(), 2);  // one per module
        QCOMPARE(events.at(0).toObject().value(QLatin1String("resource_name")).toString(), QStringLiteral("Grades"));
        QCOMPARE(events.at(0).toObject().value(QLatin1String("resource_uri")).toString(),
                 QStringLiteral("http://127.0.0.1:8080/crm/v2/Grades"));
        QCOMPARE(events.at(0).toObject().value(QLatin1String("channel_id")).toString(), QStringLiteral("1000000068001"));
        auto expiryOf = [&items](int i) {
            return QDateTime::fromString(items.at(i).toObject().value(QLatin1String("details")).toObject()
                                             .value(QLatin1String("events")).toArray().first().toObject()
                                             .value(QLatin1String("channel_expiry")).toString(), Qt::ISODate).toSecsSinceEpoch();
        };
        QCOMPARE(expiryOf(0), nowS + 2 * 86400);  // within a week: kept
        QCOMPARE(expiryOf(1), nowS + 3600);       // beyond a week: one hour
        QCOMPARE(expiryOf(2), nowS + 3600);       // none: one hour

        // GET lists this client's channels, one entry per module.
        const SimReply listed = m_service->handle(request("GET", "/crm/v2/actions/watch", {}, m_token));
        QCOMPARE(listed.status, 200);
        const QJsonArray entries = json(listed).value(QLatin1String("watch")).toArray();
        QCOMPARE(entries.size(), 4);
        const QJsonObject payments = entries.at(1).toObject();
        QCOMPARE(payments.value(QLatin1String("resource_name")).toString(), QStringLiteral("Payments"));
        QCOMPARE(payments.value(QLatin1String("events")).toArray(),
                 (QJsonArray{QStringLiteral("Payments.edit"), QStringLiteral("Payments.delete")}));
        QCOMPARE(payments.value(QLatin1String("token")).toString(), QStringLiteral("t0k"));
        QCOMPARE(payments.value(QLatin1String("notify_url")).toString(), QStringLiteral("http://127.0.0.1:9/hook"));
        QCOMPARE(json(listed).value(QLatin1String("info")).toObject().value(QLatin1String("count")).toInt(), 4);
        QCOMPARE(json(m_service->handle(request("GET", "/crm/v2/actions/watch", {{"channel_id", "1000000068002"}}, m_token)))
                     .value(QLatin1String("watch")).toArray().size(), 1);

        // Another tenant sees none of them and can use the same channel id.
        QCOMPARE(m_service->handle(request("POST", "/_sim/tenants", {}, {},
                                           text({{QStringLiteral("org_id"), QStringLiteral("60000000002")},
                                                 {QStringLiteral("client_id"), QStringLiteral("1000.OTHER")},
                                                 {QStringLiteral("client_secret"), QStringLiteral("s2")},
                                                 {QStringLiteral("refresh_token"), QStringLiteral("r2")}}))).status, 200);
        const std::string other = tokenFor("1000.OTHER", "s2", "r2");
        QCOMPARE(m_service->handle(request("GET", "/crm/v2/actions/watch", {}, other)).status, 204);
        QCOMPARE(watch("POST", {watchItem(QStringLiteral("1000000068001"), {QStringLiteral("Grades.edit")},
                                          QStringLiteral("http://127.0.0.1:9/other"))}, other).status, 200);

        // Renew (PATCH: omitted fields kept) and replace (PUT).
        const QString inThreeDays = QDateTime::fromSecsSinceEpoch(nowS + 3 * 86400, Qt::UTC).toString(Qt::ISODate);
        const SimReply renewed = watch("PATCH", {QJsonObject{{QStringLiteral("channel_id"), 1000000068001LL},
                                                             {QStringLiteral("channel_expiry"), inThreeDays}}});
        QCOMPARE(renewed.status, 200);
        QCOMPARE(json(renewed).value(QLatin1String("watch")).toArray().first().toObject().value(QLatin1String("message")).toString(),
                 QStringLiteral("Successfully updated the subscribe details"));
        const QJsonObject afterPatch = json(m_service->handle(request("GET", "/crm/v2/actions/watch", {{"channel_id", "1000000068001"}}, m_token)));
        QCOMPARE(afterPatch.value(QLatin1String("watch")).toArray().size(), 2);  // events kept
        QCOMPARE(QDateTime::fromString(afterPatch.value(QLatin1String("watch")).toArray().first().toObject()
                                           .value(QLatin1String("channel_expiry")).toString(), Qt::ISODate).toSecsSinceEpoch(),
                 nowS + 3 * 86400);
        QCOMPARE(watch("PUT", {watchItem(QStringLiteral("1000000068002"), {QStringLiteral("Students.all")},
                                         QStringLiteral("https://example.com/new"))}).status, 200);
        // Updating a channel that does not exist is an error for that item.
        const SimReply unknown = watch("PATCH", {watchItem(QStringLiteral("42"), {QStringLiteral("Grades.all")}, QStringLiteral("https://x.test/"))});
        QCOMPARE(unknown.status, 400);
        QCOMPARE(json(unknown).value(QLatin1String("watch")).toArray().first().toObject().value(QLatin1String("code")).toString(),
                 QStringLiteral("INVALID_DATA"));
        // Removing some events.
        QCOMPARE(watch("PATCH", {QJsonObject{{QStringLiteral("channel_id"), QStringLiteral("1000000068001")},
                                             {QStringLiteral("events"), QJsonArray{QStringLiteral("Payments.all")}},
                                             {QStringLiteral("_delete_events"), true}}}).status, 200);
        QCOMPARE(json(m_service->handle(request("GET", "/crm/v2/actions/watch", {{"channel_id", "1000000068001"}}, m_token)))
                     .value(QLatin1String("watch")).toArray().size(), 1);

        // Disable: one success item per module; an unknown channel is an error item (207 mixed).
        const SimReply disabled = m_service->handle(request("DELETE", "/crm/v2/actions/watch",
                                                            {{"channel_ids", "1000000068001,1000000068003,77"}}, m_token));
        QCOMPARE(disabled.status, 207);
        const QJsonArray results = json(disabled).value(QLatin1String("watch")).toArray();
        QCOMPARE(results.size(), 3);
        QCOMPARE(results.at(0).toObject().value(QLatin1String("message")).toString(),
                 QStringLiteral("Successfully un-subscribed from actions-watch"));
        QCOMPARE(results.at(2).toObject().value(QLatin1String("status")).toString(), QStringLiteral("error"));
        QCOMPARE(json(m_service->handle(request("GET", "/crm/v2/actions/watch", {}, m_token))).value(QLatin1String("watch")).toArray().size(), 1);
        QCOMPARE(m_service->handle(request("DELETE", "/crm/v2/actions/watch", {}, m_token)).status, 400);
        // The other tenant's channel 1000000068001 is untouched.
        QCOMPARE(m_service->handle(request("GET", "/crm/v2/actions/watch", {}, other)).status, 200);

        // Every watch call is a CRM call: counted, and refused without a token.
        const QJsonObject requests = json(m_service->handle(request("GET", "/_sim/stats"))).value(QLatin1String("requests")).toObject();
        QVERIFY(requests.value(QLatin1String("POST /crm/v2/actions/watch")).toInt() >= 2);
        QVERIFY(requests.value(QLatin1String("GET /crm/v2/actions/watch")).toInt() >= 5);
        QCOMPARE(m_service->handle(request("GET", "/crm/v2/actions/watch")).status, 401);
    }

    void watchValidatesLikeZoho_data()
    {
        QTest::addColumn<QJsonObject>("item");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("apiName");
        const QJsonArray events{QStringLiteral("Grades.all")};
        const QString url = QStringLiteral("https://example.com/hook");
        QTest::newRow("channel id not a number") << watchItem(QStringLiteral("12ab"), events, url) << "INVALID_DATA" << "channel_id";
        QTest::newRow("no channel id") << QJsonObject{{QStringLiteral("events"), events}, {QStringLiteral("notify_url"), url}}
                                       << "MANDATORY_NOT_FOUND" << "channel_id";
        QTest::newRow("unknown module") << watchItem(QStringLiteral("5"), {QStringLiteral("Leads.all")}, url) << "INVALID_DATA" << "events";
        QTest::newRow("unknown operation") << watchItem(QStringLiteral("5"), {QStringLiteral("Grades.view")}, url) << "INVALID_DATA" << "events";
        QTest::newRow("no events") << QJsonObject{{QStringLiteral("channel_id"), QStringLiteral("5")}, {QStringLiteral("notify_url"), url}}
                                   << "MANDATORY_NOT_FOUND" << "events";
        QTest::newRow("empty events") << watchItem(QStringLiteral("5"), {}, url) << "INVALID_DATA" << "events";
        QTest::newRow("token of 51") << watchItem(QStringLiteral("5"), events, url, QJsonValue::Undefined, QString(51, QLatin1Char('x')))
                                     << "INVALID_DATA" << "token";
        QTest::newRow("no notify_url") << QJsonObject{{QStringLiteral("channel_id"), QStringLiteral("5")}, {QStringLiteral("events"), events}}
                                       << "MANDATORY_NOT_FOUND" << "notify_url";
        QTest::newRow("bad notify_url") << watchItem(QStringLiteral("5"), events, QStringLiteral("ftp://x")) << "INVALID_DATA" << "notify_url";
        QTest::newRow("expiry in the past") << watchItem(QStringLiteral("5"), events, url, QStringLiteral("2020-01-01T00:00:00+05:30"))
                                            << "INVALID_DATA" << "channel_expiry";
        QTest::newRow("expiry not a time") << watchItem(QStringLiteral("5"), events, url, QStringLiteral("soon")) << "INVALID_DATA"
                                           << "channel_expiry";
    }

    void watchValidatesLikeZoho()
    {
        QFETCH(QJsonObject, item);
        QFETCH(QString, code);
        QFETCH(QString, apiName);
        const SimReply answer = watch("POST", {item});
        QCOMPARE(answer.status, 400);
        const QJsonObject error = json(answer).value(QLatin1String("watch")).toArray().first().toObject();
        QCOMPARE(error.value(QLatin1String("code")).toString(), code);
        QCOMPARE(error.value(QLatin1String("status")).toString(), QStringLiteral("error"));
        QCOMPARE(error.value(QLatin1String("details")).toObject().value(QLatin1String("api_name")).toString(), apiName);
        QCOMPARE(m_service->handle(request("GET", "/crm/v2/actions/watch", {}, m_token)).status, 204);  // nothing made

        // One good and one bad item: 207, the good one made.
        const SimReply mixed = watch("POST", {item, watchItem(QStringLiteral("6"), {QStringLiteral("Grades.all")},
                                                              QStringLiteral("https://example.com/hook"))});
        QCOMPARE(mixed.status, 207);
        QCOMPARE(json(m_service->handle(request("GET", "/crm/v2/actions/watch", {}, m_token))).value(QLatin1String("watch")).toArray().size(), 1);
    }

    void watchRequestShape()
    {
        QCOMPARE(m_service->handle(request("POST", "/crm/v2/actions/watch", {}, m_token, "not json")).status, 400);
        QCOMPARE(m_service->handle(request("POST", "/crm/v2/actions/watch", {}, m_token, "{}")).status, 400);
        QJsonArray many;
        for (int i = 1; i <= SimChannels::maxPerRequest + 1; ++i)
            many.append(watchItem(QString::number(i), {QStringLiteral("Grades.all")}, QStringLiteral("https://e.test/")));
        const SimReply tooMany = watch("POST", many);
        QCOMPARE(tooMany.status, 400);
        QCOMPARE(json(tooMany).value(QLatin1String("code")).toString(), QStringLiteral("LIMIT_EXCEEDED"));
        // Any CRM version.
        QCOMPARE(m_service->handle(request("GET", "/crm/v8/actions/watch", {}, m_token)).status, 204);
    }

    void watchAndDeletedAreLimitedLikeCrmCalls()
    {
        // Spend the day's credits down to none: both new routes are refused like any CRM call.
        QCOMPARE(m_service->handle(request("POST", "/_sim/limits", {}, {},
                                           text({{QStringLiteral("crm"), QJsonObject{{QStringLiteral("credits_per_day"), 2}}}}))).status, 200);
        QCOMPARE(m_service->handle(request("GET", "/crm/v2/actions/watch", {}, m_token)).status, 204);
        QCOMPARE(call("GET", "/crm/v2/Grades/deleted").status, 204);
        const SimReply refused = m_service->handle(request("GET", "/crm/v2/actions/watch", {}, m_token));
        QCOMPARE(refused.status, 429);
        QCOMPARE(json(refused).value(QLatin1String("code")).toString(), QStringLiteral("TOO_MANY_REQUESTS"));
        QCOMPARE(call("GET", "/crm/v2/Grades/deleted").status, 429);
        QCOMPARE(watch("POST", {watchItem(QStringLiteral("1"), {QStringLiteral("Grades.all")}, QStringLiteral("https://e.test/"))}).status, 429);
    }

    void channelsExpireOnTheSimClock()
    {
        QCOMPARE(watch("POST", {watchItem(QStringLiteral("9001"), {QStringLiteral("Grades.all")},
                                          QStringLiteral("http://127.0.0.1:9/hook"))}).status, 200);
        const QJsonObject channels = json(m_service->handle(request("GET", "/_sim/channels")));
        QCOMPARE(channels.value(QLatin1String("channels")).toArray().size(), 1);
        const QJsonObject channel = channels.value(QLatin1String("channels")).toArray().first().toObject();
        QCOMPARE(channel.value(QLatin1String("org_id")).toString(), QStringLiteral("60000000001"));
        QCOMPARE(channel.value(QLatin1String("expiry_ms")).toInteger(), m_time.nowMs() + 3600000);
        m_time.advance(3600000 - 1000);
        m_token = tokenFor("1000.TIERSYNCSANDBOX", "sandbox-client-secret", "1000.sandbox-refresh-token");  // tokens live 1 h too
        QCOMPARE(m_service->handle(request("GET", "/crm/v2/actions/watch", {}, m_token)).status, 200);
        // Renewing before the end keeps it alive.
        const QString inTwoHours = QDateTime::fromMSecsSinceEpoch(m_time.nowMs() + 7200000, Qt::UTC).toString(Qt::ISODate);
        QCOMPARE(watch("PATCH", {QJsonObject{{QStringLiteral("channel_id"), QStringLiteral("9001")},
                                             {QStringLiteral("channel_expiry"), inTwoHours}}}).status, 200);
        m_time.advance(3600000);
        m_token = tokenFor("1000.TIERSYNCSANDBOX", "sandbox-client-secret", "1000.sandbox-refresh-token");
        QCOMPARE(m_service->handle(request("GET", "/crm/v2/actions/watch", {}, m_token)).status, 200);
        // The sim's own clock control counts too.
        QCOMPARE(m_service->handle(request("POST", "/_sim/clock", {}, {}, text({{QStringLiteral("advance_ms"), 3600000}}))).status, 200);
        m_token = tokenFor("1000.TIERSYNCSANDBOX", "sandbox-client-secret", "1000.sandbox-refresh-token");
        QCOMPARE(m_service->handle(request("GET", "/crm/v2/actions/watch", {}, m_token)).status, 204);
        QVERIFY(json(m_service->handle(request("GET", "/_sim/channels"))).value(QLatin1String("channels")).toArray().isEmpty());
        // Renewing an expired channel fails: it must be enabled again.
        QCOMPARE(watch("PATCH", {QJsonObject{{QStringLiteral("channel_id"), QStringLiteral("9001")}}}).status, 400);
    }

    void dropControl()
    {
        QCOMPARE(watch("POST", {watchItem(QStringLiteral("9002"), {QStringLiteral("Grades.all")},
                                          QStringLiteral("http://127.0.0.1:9/hook"))}).status, 200);
        const SimReply dropped = m_service->handle(request("POST", "/_sim/channels", {}, {}, text({{QStringLiteral("drop"), QStringLiteral("9002")}})));
        QCOMPARE(dropped.status, 200);
        QCOMPARE(json(dropped).value(QLatin1String("dropped")).toInt(), 1);
        QCOMPARE(m_service->handle(request("GET", "/crm/v2/actions/watch", {}, m_token)).status, 204);
        QCOMPARE(m_service->handle(request("POST", "/_sim/channels", {}, {}, text({{QStringLiteral("drop"), QStringLiteral("x")}}))).status, 400);
        // No channel watches: a mutation queues nothing.
        const QJsonObject changed = mutate({{QStringLiteral("entity"), QStringLiteral("Grades")}, {QStringLiteral("count"), 2}});
        QCOMPARE(changed.value(QLatin1String("notifications")).toObject().value(QLatin1String("queued")).toBool(), false);
    }
};

QTEST_GUILESS_MAIN(TestSimChanges)
#include "tst_simchanges.moc"
