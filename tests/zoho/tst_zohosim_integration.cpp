// The Zoho client against the sandbox's zoho-sim: every record arrives, with and
// without injected faults.
#include "pgtestdatabase.h"
#include "privatezohosim.h"
#include "simcontrol.h"
#include "testsandbox.h"
#include "zohotesthelpers.h"

#include "store/migrator.h"
#include "store/pgconnection.h"
#include "store/retryeventrecorder.h"
#include "store/retryeventrepository.h"
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
    options.readRetry = options.retry;
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

    // Faults go to a private simulator: the fixture's is shared with tests running in
    // parallel. Every retry is also stored in retry_events by the RetryEventRecorder.
    void faultsStillDeliverEveryRecordAndEveryRetryIsStored()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        auto sim = PrivateZohoSim::start();
        QVERIFY2(sim.ok(), qPrintable(sim.ok() ? QString() : sim.error().toString()));
        const ZohoSettings zoho = (*sim)->settings();
        auto database = PgTestDatabase::create(profile.pg, QStringLiteral("retries"));
        QVERIFY2(database.ok(), qPrintable(database.ok() ? QString() : database.error().toString()));
        {
            PgConnection connection((*database)->settings());
            QVERIFY(Migrator().migrate(connection).ok());
        }

        ZohoService clean(zoho, simOptions());
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
        auto set = simPost(zoho.apiBase, QStringLiteral("/_sim/faults"), faults);
        QVERIFY2(set.ok(), qPrintable(set.ok() ? QString() : set.error().toString()));

        ZohoClientOptions options = simOptions();
        // About 30 % of attempts fail: enough attempts that no page runs out of them,
        // and a breaker that tolerates the streaks this produces.
        options.retry.maxAttempts = 10;
        options.readRetry = options.retry;
        options.requestTimeoutMs = 400;
        options.circuitFailureThreshold = 1000;
        ZohoService service(zoho, options);
        EventLog log(service.client());
        RetryEventRecorder recorder((*database)->settings());
        connect(service.client(), &ZohoClient::retryEvent, &recorder, &RetryEventRecorder::record);
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

        // Every event reaches retry_events, with its fields.
        PgConnection connection((*database)->settings());
        RetryEventRepository repository(connection);
        RetryEventRepository::Filter all;
        all.limit = 100000;
        QTRY_COMPARE_WITH_TIMEOUT(repository.recent(all).valueOr({}).size(), events.size(), 10000);
        const auto stored = repository.recent(all).valueOr({});
        QMultiHash<QString, int> storedKeys;
        for (const RetryEvent &event : stored)
            storedKeys.insert(event.target + QLatin1Char('|') + event.errorClass + QLatin1Char('|') + event.outcome,
                              event.attempt);
        for (const RetryEvent &event : events) {
            const QString key = event.target + QLatin1Char('|') + event.errorClass + QLatin1Char('|') + event.outcome;
            QVERIFY2(storedKeys.contains(key, event.attempt), qPrintable(key));
        }
    }
};

QTEST_GUILESS_MAIN(TestZohoSimIntegration)
#include "tst_zohosim_integration.moc"
