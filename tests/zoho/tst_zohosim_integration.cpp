// The Zoho client against the sandbox's zoho-sim: every record arrives, with and
// without injected faults.
#include "simcontrol.h"
#include "testsandbox.h"
#include "zohotesthelpers.h"

#include "zoho/awaitresult.h"
#include "zoho/zohoclient.h"
#include "zoho/zohoapi.h"
#include "zoho/zohoservice.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QTest>

using namespace tiersync;
using namespace tiersync::test;

namespace {

ZohoClientOptions simOptions()
{
    ZohoClientOptions options = fastOptions();
    options.retry.baseDelayMs = 10;
    options.retry.maxDelayMs = 100;
    options.requestTimeoutMs = 10000;
    return options;
}

QSet<QString> ids(const QList<QJsonObject> &records, const char *key)
{
    QSet<QString> out;
    for (const QJsonObject &record : records)
        out.insert(record.value(QLatin1String(key)).toString());
    return out;
}

}  // namespace

class TestZohoSimIntegration final : public QObject {
    Q_OBJECT

private slots:
    void init()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        auto reset = simPost(profile.zoho.apiBase, QStringLiteral("/_sim/faults"), noSimFaults());
        QVERIFY2(reset.ok(), qPrintable(reset.ok() ? QString() : reset.error().toString()));
    }

    void cleanup()
    {
        // The sandbox is shared with other integration tests: leave it fault-free.
        auto state = sandboxProfile();
        if (state)
            (void)simPost(state->zoho.apiBase, QStringLiteral("/_sim/faults"), noSimFaults());
    }

    void pagesEveryProductAndStudent()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        auto info = simGet(profile.zoho.apiBase, QStringLiteral("/_sim/info"));
        QVERIFY2(info.ok(), qPrintable(info.ok() ? QString() : info.error().toString()));

        ZohoService service(profile.zoho, simOptions());
        const ZohoApi api = service.api();
        auto products = api.booksListAll(QStringLiteral("/books/v3/items"), QStringLiteral("items"));
        QVERIFY2(products.ok(), qPrintable(products.ok() ? QString() : products.error().toString()));
        QVERIFY(!products->isEmpty());
        QCOMPARE(ids(*products, "item_id").size(), products->size());

        auto students = api.crmListAll(QStringLiteral("Students"));
        QVERIFY2(students.ok(), qPrintable(students.ok() ? QString() : students.error().toString()));
        QVERIFY(!students->isEmpty());
        QCOMPARE(ids(*students, "id").size(), students->size());

        // The simulator's own counts, wherever /_sim/info keeps them.
        const QString infoText = QString::fromUtf8(QJsonDocument(*info).toJson(QJsonDocument::Compact));
        QVERIFY2(infoText.contains(QString::number(products->size())), qPrintable(infoText));
        QVERIFY2(infoText.contains(QString::number(students->size())), qPrintable(infoText));

        // A search that matches and one that cannot (204).
        auto one = awaitResult(api.crmSearch(QStringLiteral("Students"), QStringLiteral("(Moodle_User_ID:equals:1)")));
        QVERIFY(one.ok());
        QCOMPARE(one->records.size(), 1);
        auto none = awaitResult(api.crmSearch(QStringLiteral("Students"), QStringLiteral("(Moodle_User_ID:equals:999999999)")));
        QVERIFY2(none.ok(), qPrintable(none.ok() ? QString() : none.error().toString()));
        QVERIFY(none->records.isEmpty());
    }

    void faultsStillDeliverEveryRecord()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        ZohoService clean(profile.zoho, simOptions());
        // What a fault-free run returns, fetched before the faults are switched on.
        auto expected = clean.api().booksListAll(QStringLiteral("/books/v3/items"), QStringLiteral("items"));
        QVERIFY(expected.ok());
        auto cleanCustomers = clean.api().booksListAll(QStringLiteral("/books/v3/contacts"), QStringLiteral("contacts"));
        QVERIFY(cleanCustomers.ok());
        auto cleanStudents = clean.api().crmListAll(QStringLiteral("Students"));
        QVERIFY(cleanStudents.ok());

        QJsonObject faults = noSimFaults();
        faults.insert(QStringLiteral("error_5xx"), 0.2);
        faults.insert(QStringLiteral("rate_429"), 0.05);
        faults.insert(QStringLiteral("timeout"), 0.05);
        faults.insert(QStringLiteral("timeout_ms"), 1500);
        auto set = simPost(profile.zoho.apiBase, QStringLiteral("/_sim/faults"), faults);
        QVERIFY2(set.ok(), qPrintable(set.ok() ? QString() : set.error().toString()));

        ZohoClientOptions options = simOptions();
        // About 30 % of attempts fail: enough attempts that no page runs out of them,
        // and a breaker that tolerates the streaks this produces.
        options.retry.maxAttempts = 10;
        options.requestTimeoutMs = 400;
        options.circuitFailureThreshold = 1000;
        ZohoService service(profile.zoho, options);
        EventLog log(service.client());
        auto products = service.api().booksListAll(QStringLiteral("/books/v3/items"), QStringLiteral("items"));
        QVERIFY2(products.ok(), qPrintable(products.ok() ? QString() : products.error().toString()));
        QCOMPARE(ids(*products, "item_id"), ids(*expected, "item_id"));

        auto customers = service.api().booksListAll(QStringLiteral("/books/v3/contacts"), QStringLiteral("contacts"));
        QVERIFY2(customers.ok(), qPrintable(customers.ok() ? QString() : customers.error().toString()));
        QCOMPARE(ids(*customers, "contact_id"), ids(*cleanCustomers, "contact_id"));

        auto students = service.api().crmListAll(QStringLiteral("Students"));
        QVERIFY2(students.ok(), qPrintable(students.ok() ? QString() : students.error().toString()));
        QCOMPARE(ids(*students, "id"), ids(*cleanStudents, "id"));

        const auto events = log.events();
        // About 25 requests at a 30 % fault rate: no event at all is a ~0.02 % fluke.
        QVERIFY2(!events.isEmpty(), "injected faults produced no retry event");
        const QSet<QString> transient{QStringLiteral("server"), QStringLiteral("rate_limited"),
                                      QStringLiteral("timeout")};
        for (const RetryEvent &event : events) {
            QVERIFY(event.outcome == QLatin1String("retry"));  // none gave up
            QVERIFY(event.attempt >= 1 && event.attempt < event.maxAttempts);
            QVERIFY(!event.target.contains(QLatin1Char('?')));
            QVERIFY2(transient.contains(event.errorClass), qPrintable(event.errorClass));
        }
        QCOMPARE(service.client()->stats().retries, quint64(events.size()));
    }
};

QTEST_GUILESS_MAIN(TestZohoSimIntegration)
#include "tst_zohosim_integration.moc"
