// 304 means unchanged, everywhere (issue 11 point 5): a private zoho-sim answers 304 Not
// Modified where nothing asked with If-Modified-Since (fault fail_status 304, as a caching
// proxy may), and no read path takes it for "no record": per-record gets (CRM, Books), the
// CRM list, and the per-student search of the read path fail instead of answering
// nothing or null. Asked with If-Modified-Since, a CRM get tells unchanged from gone.
#include "privatezohosim.h"
#include "simcontrol.h"
#include "synctesthelpers.h"

#include "cache/endpointregistry.h"
#include "cache/zohoendpointfetcher.h"
#include "zoho/awaitresult.h"
#include "zoho/zohoapi.h"
#include "zoho/zohoservice.h"

#include <QTest>

#include <memory>

using namespace tiersync;
using namespace tiersync::test;

class TestNotModified final : public QObject {
    Q_OBJECT

private:
    // The next data request is answered 304 with an empty body.
    void answerNext304()
    {
        SYNC_VERIFY_OK(simPost(m_sim->apiBase(), QStringLiteral("/_sim/faults"),
                               QJsonObject{{QStringLiteral("fail_next"), 1}, {QStringLiteral("fail_status"), 304}}));
    }

    static void verifyRefused304(const Error &error)
    {
        QCOMPARE(error.kind, ErrorKind::Protocol);
        QCOMPARE(error.httpStatus, 304);
        QVERIFY2(error.message.contains(QStringLiteral("nothing is replaced")), qPrintable(error.message));
    }

    std::unique_ptr<PrivateZohoSim> m_sim;
    std::unique_ptr<ZohoService> m_service;
    QString m_studentId;

private slots:
    void initTestCase()
    {
        auto sim = PrivateZohoSim::start({QStringLiteral("--students"), QStringLiteral("20"),
                                          QStringLiteral("--limits"), QStringLiteral("off")});
        SYNC_VERIFY_OK(sim);
        m_sim = std::move(*sim);
        m_service = std::make_unique<ZohoService>(m_sim->settings(), fastClientOptions());
        auto page = awaitResult(m_service->api().crmPage(QStringLiteral("Students"), CrmCursor{}));
        SYNC_VERIFY_OK(page);
        QVERIFY(!page->records.isEmpty());
        m_studentId = page->records.first().value(QLatin1String("id")).toString();
    }

    void cleanup()
    {
        SYNC_VERIFY_OK(simPost(m_sim->apiBase(), QStringLiteral("/_sim/faults"),
                               QJsonObject{{QStringLiteral("fail_next"), 0}}));
    }

    void crmGetAnswered304IsNotGone()
    {
        answerNext304();
        auto refused = awaitResult(m_service->api().crmGet(QStringLiteral("Students"), m_studentId));
        QVERIFY(!refused);
        verifyRefused304(refused.error());
        auto record = awaitResult(m_service->api().crmGet(QStringLiteral("Students"), m_studentId));
        SYNC_VERIFY_OK(record);
        QVERIFY(record->has_value());
    }

    void crmGetIfModifiedSinceTellsUnchangedFromGone()
    {
        using State = ZohoApi::CrmRecordAnswer::State;
        const ZohoApi api = m_service->api();
        const QDateTime future(QDate(2099, 1, 1), QTime(0, 0), Qt::UTC);
        const QDateTime past(QDate(2000, 1, 1), QTime(0, 0), Qt::UTC);
        auto unchanged = awaitResult(api.crmGetIfModifiedSince(QStringLiteral("Students"), m_studentId, future));
        SYNC_VERIFY_OK(unchanged);
        QVERIFY(unchanged->state == State::NotModified);
        auto changed = awaitResult(api.crmGetIfModifiedSince(QStringLiteral("Students"), m_studentId, past));
        SYNC_VERIFY_OK(changed);
        QVERIFY(changed->state == State::Found);
        QCOMPARE(changed->record.value(QLatin1String("id")).toString(), m_studentId);
        auto gone = awaitResult(api.crmGetIfModifiedSince(QStringLiteral("Students"), QStringLiteral("3652397999999999999"), past));
        SYNC_VERIFY_OK(gone);
        QVERIFY(gone->state == State::Gone);
    }

    void booksGetAnswered304IsNotNotFound()
    {
        auto page = awaitResult(m_service->api().booksPage(QStringLiteral("/books/v3/items"), QStringLiteral("items"), 1));
        SYNC_VERIFY_OK(page);
        const QString path = QStringLiteral("/books/v3/items/") + page->records.first().value(QLatin1String("item_id")).toString();
        answerNext304();
        auto refused = awaitResult(m_service->api().booksGet(path, QStringLiteral("item")));
        QVERIFY(!refused);
        verifyRefused304(refused.error());
        auto item = awaitResult(m_service->api().booksGet(path, QStringLiteral("item")));
        SYNC_VERIFY_OK(item);
    }

    void crmListAnswered304IsNotEmpty()
    {
        answerNext304();
        auto refused = m_service->api().crmListAll(QStringLiteral("Students"));
        QVERIFY(!refused);
        verifyRefused304(refused.error());
    }

    // The read path's per-student fetch: a 304 must not become the student's cached null.
    void perStudentReadAnswered304IsNotNull()
    {
        auto registry = EndpointRegistry::builtIn();
        SYNC_VERIFY_OK(registry);
        const EndpointDefinition *profile = registry->find(QStringLiteral("profile"));
        QVERIFY(profile);
        ZohoEndpointFetcher fetcher(m_service->api());
        answerNext304();
        auto refused = fetcher.fetch(*profile, 3);
        QVERIFY(!refused);
        verifyRefused304(refused.error());
        auto answered = fetcher.fetch(*profile, 3);
        SYNC_VERIFY_OK(answered);
        QVERIFY(answered->isObject());  // student 3 exists: a record, not null
    }
};

QTEST_GUILESS_MAIN(TestNotModified)
#include "tst_notmodified.moc"
