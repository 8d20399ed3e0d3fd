#include "budget/zoholimitsplan.h"
#include "budget/zoholimitsrepository.h"
#include "console/consoleuser.h"
#include "console/enginezoholimitsservice.h"
#include "scratchprofile.h"
#include "store/pgconnection.h"
#include "testsandbox.h"
#include "verifyok.h"

#include <QSignalSpy>
#include <QTest>

#include <pqxx/pqxx>

#include <functional>
#include <memory>

using namespace tiersync;

namespace {

// This test class's own Redis database: tests share the fixture's server.
constexpr int kDb = 36;
constexpr int kTimeoutMs = 60000;

using Row = ZohoLimitsRepository::Row;

// How one save was answered: saved, or failed with this error.
struct SaveAnswer {
    bool saved = false;
    ZohoApiFamily family = ZohoApiFamily::Books;
    std::optional<ServiceError> error;
};

}  // namespace

// EngineZohoLimitsService on a loading thread of its own, called as the Settings page
// calls it, against a scratch database of the fixture's PostgreSQL that the service
// migrates itself.
class TestZohoLimitsService final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::ScratchProfile> m_scratch;
    ConnectionProfile m_profile;
    std::unique_ptr<EngineZohoLimitsService> m_service;

    static QList<Row> load(ZohoLimitsService &service)
    {
        QSignalSpy loaded(&service, &ZohoLimitsService::limitsLoaded);
        QSignalSpy failed(&service, &ZohoLimitsService::failed);
        service.load();
        [&] { QTRY_VERIFY_WITH_TIMEOUT(loaded.size() + failed.size() == 1, kTimeoutMs); }();
        if (!failed.isEmpty())
            qWarning().noquote() << "load failed:" << failed.first().at(2).value<ServiceError>().describe();
        return loaded.isEmpty() ? QList<Row>{} : loaded.first().first().value<QList<Row>>();
    }
    QList<Row> load() { return load(*m_service); }

    static SaveAnswer save(ZohoLimitsService &service, const Row &row)
    {
        QSignalSpy saved(&service, &ZohoLimitsService::saved);
        QSignalSpy failed(&service, &ZohoLimitsService::failed);
        service.save(row);
        [&] { QTRY_VERIFY_WITH_TIMEOUT(saved.size() + failed.size() == 1, kTimeoutMs); }();
        SaveAnswer answer;
        if (!saved.isEmpty()) {
            answer.saved = true;
            answer.family = saved.first().first().value<ZohoApiFamily>();
        } else if (!failed.isEmpty()) {
            [&] { QCOMPARE(failed.first().at(0).value<ZohoLimitsService::Request>(), ZohoLimitsService::Request::Save); }();
            answer.family = failed.first().at(1).value<ZohoApiFamily>();
            answer.error = failed.first().at(2).value<ServiceError>();
        }
        return answer;
    }
    SaveAnswer save(const Row &row) { return save(*m_service, row); }

    void alterLimitsTable(const char *change)
    {
        PgConnection connection(m_profile.pg);
        VERIFY_OK(connection.transaction(
            QStringLiteral("altering tiersync.zoho_limits"),
            [change](pqxx::transaction_base &txn) -> Status {
                txn.exec(std::string("ALTER TABLE tiersync.zoho_limits ") + change);
                return {};
            },
            PgConnection::Idempotency::NotIdempotent));
    }

    // What PostgreSQL holds, read past the service.
    QList<Row> stored()
    {
        PgConnection connection(m_profile.pg);
        auto rows = ZohoLimitsRepository(connection).rows();
        return rows ? *rows : QList<Row>{};
    }

private Q_SLOTS:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        // Empty: the service migrates the database, as the console does on a new profile.
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("limitsworker"), kDb,
                                                    test::ScratchProfile::Schema::Empty);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
        m_profile = m_scratch->profile();
        m_service = std::make_unique<EngineZohoLimitsService>(nullptr);
        m_service->setProfile(m_profile);
    }

    void cleanupTestCase()
    {
        m_service.reset();  // joins its thread before the scratch database goes
        m_scratch.reset();
    }

    void loadsZohoDefaultsOfAFreshDatabase()
    {
        const QList<Row> rows = load();
        QCOMPARE(rows.size(), 3);
        QCOMPARE(rows.at(0).family, ZohoApiFamily::Books);
        QCOMPARE(rows.at(1).family, ZohoApiFamily::Inventory);
        QCOMPARE(rows.at(2).family, ZohoApiFamily::Crm);
        for (const Row &row : rows) {
            QCOMPARE(row.plan, QStringLiteral("free"));
            QCOMPARE(row.users, 0);
            QCOMPARE(row.limits, ZohoLimits{}.of(row.family));
            QCOMPARE(row.updatedBy, QStringLiteral("migration"));
            QVERIFY(row.updatedAt.isValid());
        }
        QCOMPARE(rows.at(0).limits.perWindow, 100);
        QCOMPARE(rows.at(0).limits.perDay, qint64(1000));
        QCOMPARE(rows.at(0).limits.concurrency, 5);
        QCOMPARE(rows.at(2).limits.perDay, qint64(5000));
    }

    void savesAFamilyAndReloadsIt()
    {
        const QList<Row> before = load();
        QCOMPARE(before.size(), 3);
        Row crm = before.at(2);
        VERIFY_OK(applyZohoPlan(crm, QStringLiteral("Professional"), 12));
        QCOMPARE(crm.limits.perDay, qint64(50000 + 500 * 12));
        QCOMPARE(crm.limits.concurrency, 15);
        QCOMPARE(crm.limits.perWindow, 1000);  // the plan leaves the minute alone
        crm.limits.perWindow = 80;
        crm.limits.readReservePct = 35;

        const SaveAnswer result = save(crm);
        QVERIFY2(result.saved, qPrintable(result.error ? result.error->describe() : QString()));
        QCOMPARE(result.family, ZohoApiFamily::Crm);
        QVERIFY(!result.error);

        const QList<Row> after = load();
        QCOMPARE(after.size(), 3);
        const Row &reloaded = after.at(2);
        QCOMPARE(reloaded.plan, QStringLiteral("professional"));
        QCOMPARE(reloaded.users, 12);
        QCOMPARE(reloaded.limits.perWindow, 80);
        QCOMPARE(reloaded.limits.perDay, qint64(56000));
        QCOMPARE(reloaded.limits.concurrency, 15);
        QCOMPARE(reloaded.limits.readReservePct, 35);
        QCOMPARE(reloaded.updatedBy, consoleUserName());
        QVERIFY(reloaded.updatedBy.startsWith(QStringLiteral("console:")));
        QVERIFY(reloaded.updatedAt >= before.at(2).updatedAt);
        // The other families are untouched, and PostgreSQL holds what the worker read.
        QCOMPARE(after.at(0).limits, before.at(0).limits);
        QCOMPARE(after.at(0).updatedBy, before.at(0).updatedBy);
        const QList<Row> inDatabase = stored();
        QCOMPARE(inDatabase.size(), 3);
        QCOMPARE(inDatabase.at(2).limits, reloaded.limits);
    }

    void refusesBadValuesAndStoresNothing()
    {
        const QList<Row> before = stored();
        QCOMPARE(before.size(), 3);
        struct Case {
            const char *name;
            std::function<void(Row &)> spoil;
            const char *field;
        };
        const Case cases[] = {
            {"no calls per minute", [](Row &r) { r.limits.perWindow = 0; }, "per_window"},
            {"a negative daily budget", [](Row &r) { r.limits.perDay = -1; }, "per_day"},
            {"nothing at once", [](Row &r) { r.limits.concurrency = 0; }, "concurrency"},
            {"reads keep 95 %", [](Row &r) { r.limits.readReservePct = 95; }, "read_reserve_pct"},
            {"negative licences", [](Row &r) { r.users = -3; }, "users"},
        };
        for (const Case &c : cases) {
            Row books = before.at(0);
            books.limits.perWindow = 60;  // a change that would be stored with the bad one
            c.spoil(books);
            const SaveAnswer result = save(books);
            QVERIFY2(!result.saved, c.name);
            QVERIFY(result.error);
            // Refused: the values' fault, no server's.
            QCOMPARE(result.error->error.kind, ErrorKind::InvalidArgument);
            QVERIFY(!result.error->service);
            QCOMPARE(result.family, ZohoApiFamily::Books);
            QVERIFY2(result.error->error.message.contains(QLatin1String(c.field)), qPrintable(result.error->error.message));
        }
        const QList<Row> after = stored();
        QCOMPARE(after.size(), 3);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(after.at(i).limits, before.at(i).limits);
            QCOMPARE(after.at(i).plan, before.at(i).plan);
            QCOMPARE(after.at(i).updatedAt, before.at(i).updatedAt);
        }
        QCOMPARE(load().at(0).limits.perWindow, before.at(0).limits.perWindow);
    }

    void anUnreachableDatabaseIsAnErrorInWords()
    {
        EngineZohoLimitsService service(nullptr);
        ConnectionProfile unreachable = m_profile;
        unreachable.name = QStringLiteral("unreachable");
        unreachable.pg.options.insert(QStringLiteral("host"), QStringLiteral("127.0.0.1"));
        unreachable.pg.options.insert(QStringLiteral("port"), QStringLiteral("1"));
        service.setProfile(unreachable);
        QSignalSpy failed(&service, &ZohoLimitsService::failed);
        service.load();
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, kTimeoutMs);
        QCOMPARE(failed.first().at(0).value<ZohoLimitsService::Request>(), ZohoLimitsService::Request::Load);
        const auto loadError = failed.first().at(2).value<ServiceError>();
        QCOMPARE(loadError.service, std::optional(ConnectionCheck::Service::Postgres));
        QVERIFY2(loadError.describe().contains(QLatin1String("PostgreSQL")), qPrintable(loadError.describe()));

        const SaveAnswer result = save(service, Row{});
        QVERIFY(!result.saved && result.error);
        // Failed, not refused: the server's doing, said as its error (the page words it:
        // "The limits were not changed. …").
        QVERIFY(result.error->error.kind != ErrorKind::InvalidArgument);
        QCOMPARE(result.error->service, std::optional(ConnectionCheck::Service::Postgres));
        QVERIFY2(result.error->describe().startsWith(QLatin1String("Cannot reach PostgreSQL")),
                 qPrintable(result.error->describe()));
    }

    // A constraint of the table refuses the values: an InvalidArgument named as
    // PostgreSQL names it (the page says "Not saved: …"), nothing stored.
    void aConstraintOfTheTableRefusesTheValues()
    {
        alterLimitsTable("ADD CONSTRAINT tst_cap CHECK (per_window <= 1000)");
        const QList<Row> before = stored();
        Row crm = before.at(2);
        crm.limits.perWindow = 1200;
        const SaveAnswer result = save(crm);
        QVERIFY(!result.saved && result.error);
        QCOMPARE(result.family, ZohoApiFamily::Crm);
        QCOMPARE(result.error->error.kind, ErrorKind::InvalidArgument);
        QVERIFY2(result.error->error.message.contains(QLatin1String("tst_cap")), qPrintable(result.error->error.message));
        const Row after = stored().at(2);
        QCOMPARE(after.limits, before.at(2).limits);
        QCOMPARE(after.updatedBy, before.at(2).updatedBy);
        alterLimitsTable("DROP CONSTRAINT tst_cap");
    }

    void aPlanSetsTheDailyBudgetAndConcurrencyOnly()
    {
        Row books;
        books.limits.perWindow = 70;
        books.limits.readReservePct = 10;
        VERIFY_OK(applyZohoPlan(books, QStringLiteral(" Premium "), 0));
        QCOMPARE(books.plan, QStringLiteral("premium"));
        QCOMPARE(books.limits.perDay, qint64(10000));
        QCOMPARE(books.limits.concurrency, 10);
        QCOMPARE(books.limits.perWindow, 70);
        QCOMPARE(books.limits.readReservePct, 10);

        Row crm;
        crm.family = ZohoApiFamily::Crm;
        crm.limits = ZohoLimits::crmDefaults();
        VERIFY_OK(applyZohoPlan(crm, QStringLiteral("standard"), 400));
        QCOMPARE(crm.limits.perDay, qint64(100000));  // 50,000 + 250 × 400, capped
        QCOMPARE(crm.users, 400);

        const Row untouched = crm;
        const Status unknown = applyZohoPlan(crm, QStringLiteral("gold"), 5);
        QVERIFY(!unknown.ok());
        QCOMPARE(unknown.error().kind, ErrorKind::InvalidArgument);
        QVERIFY(unknown.error().message.contains(QLatin1String("gold")));
        const Status noUsers = applyZohoPlan(crm, QStringLiteral("enterprise"), 0);
        QVERIFY(!noUsers.ok());
        QCOMPARE(crm.plan, untouched.plan);
        QCOMPARE(crm.limits, untouched.limits);
        QCOMPARE(zohoPlanNames(ZohoApiFamily::Inventory).first(), QStringLiteral("free"));
        QCOMPARE(zohoPlanNames(ZohoApiFamily::Crm).last(), QStringLiteral("ultimate"));
    }
};

QTEST_MAIN(TestZohoLimitsService)
#include "tst_zoholimitsservice.moc"
