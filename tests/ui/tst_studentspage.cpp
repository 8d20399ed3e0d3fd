// The Students page against a fake StudentReadService, in the main window as the console
// composes it: no servers, the test answers each call as the engine's answers arrive.
// What the engine answers (Zoho on a forced refresh, then Redis, then PostgreSQL after an
// invalidation; the keys it writes and deletes; Zoho down as a 503) is tested by
// tst_studentreadservice on the real servers; the whole console by tst_consolefaults.
#include "cache/endpointregistry.h"
#include "console/studentreadservice.h"
#include "itemmodels/studentendpointmodel.h"
#include "pageconsole.h"
#include "shell/mainwindow.h"
#include "students/studentspage.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableView>
#include <QTest>

#include <memory>

using namespace tiersync;

namespace {

constexpr qint64 kStudent = 42;

struct LookupCall {
    quint64 request;
    qint64 moodleUserId;
    QString endpoint;
    bool forceRefresh;
};

struct InvalidateCall {
    quint64 request;
    qint64 moodleUserId;
    bool dryRun;
};

// Records every call; the test answers with the signals, as the engine's would arrive.
class FakeStudentReadService final : public StudentReadService {
public:
    int profiles = 0;
    QList<LookupCall> lookups;
    QList<InvalidateCall> invalidations;
    QList<quint64> cancels;

    void setProfile(const ConnectionProfile &) override { ++profiles; }
    quint64 lookup(qint64 moodleUserId, const QString &endpoint, bool forceRefresh) override
    {
        lookups.append({++m_last, moodleUserId, endpoint, forceRefresh});
        return m_last;
    }
    quint64 invalidate(qint64 moodleUserId, bool dryRun) override
    {
        invalidations.append({++m_last, moodleUserId, dryRun});
        return m_last;
    }
    void cancel(quint64 request) override { cancels.append(request); }

    // Answers the last lookup: every endpoint it asked for, from this tier; with
    // readsBeforeCancel, only that many, marked cancelled.
    void answerLookup(ReadSource source, int readsBeforeCancel = -1)
    {
        const LookupCall &call = lookups.last();
        StudentLookup lookup;
        lookup.requestId = call.request;
        lookup.moodleUserId = call.moodleUserId;
        lookup.forceRefresh = call.forceRefresh;
        for (const QString &endpoint : EndpointRegistry::builtIn()->names()) {
            if (!call.endpoint.isEmpty() && endpoint != call.endpoint)
                continue;
            if (lookup.reads.size() == readsBeforeCancel) {
                lookup.cancelled = true;
                break;
            }
            StudentEndpointRead read;
            read.endpoint = endpoint;
            read.ok = true;
            read.source = source;
            read.cacheAgeSeconds = source == ReadSource::Zoho ? 0 : 75;
            read.latencyUs = 1234;
            read.dataJson = endpoint == QLatin1String("profile")
                                ? QByteArray(R"({"Moodle_User_ID":")") + QByteArray::number(call.moodleUserId) + "\"}"
                                : QByteArray(R"([{"id":1},{"id":2}])");
            lookup.reads.append(read);
        }
        Q_EMIT lookupFinished(lookup);
    }
    // Answers the last lookup with the engine's words for a Zoho it cannot reach.
    void answerZohoDown()
    {
        const LookupCall &call = lookups.last();
        StudentLookup lookup;
        lookup.requestId = call.request;
        lookup.moodleUserId = call.moodleUserId;
        StudentEndpointRead read;
        read.endpoint = call.endpoint.isEmpty() ? QStringLiteral("profile") : call.endpoint;
        read.httpStatus = 503;
        read.latencyUs = 2500;
        read.error = QStringLiteral("No answer: Zoho is unavailable (the API would reply 503 Service Unavailable). "
                                    "Cannot reach Zoho. Is it running, and are the host and port right?");
        lookup.reads.append(read);
        Q_EMIT lookupFinished(lookup);
    }
    void answerInvalidation(qint64 keys)
    {
        const InvalidateCall &call = invalidations.last();
        Q_EMIT studentInvalidated(call.request, call.moodleUserId, call.dryRun, keys);
    }

private:
    quint64 m_last = 0;
};

// The main window as the console composes it, with the fake as its only engine service.
struct Console {
    FakeStudentReadService service;
    test::PageConsole console{[this](ui::ConsoleContext &context) { context.students = &service; }};
    test::RecordingConfirmer &confirmer = console.confirmer();

    ui::StudentsPage *page() { return console.window().studentsPage(); }
    template <typename T>
    T *find(const char *name)
    {
        return page()->findChild<T *>(QLatin1String(name));
    }
    // Shown on the Students page with a profile.
    void open()
    {
        console.open(ui::MainWindow::Page::Students);
        QCOMPARE(service.profiles, 1);
    }
};

QString cell(const QTableView *table, int row, int column)
{
    return table->model()->index(row, column).data().toString();
}

QStringList sourceColumn(const QTableView *table)
{
    QStringList sources;
    for (int row = 0; row < table->model()->rowCount(); ++row)
        sources.append(cell(table, row, StudentEndpointModel::SourceColumn));
    return sources;
}

QStringList resultColumn(const QTableView *table)
{
    QStringList results;
    for (int row = 0; row < table->model()->rowCount(); ++row)
        results.append(cell(table, row, StudentEndpointModel::ResultColumn));
    return results;
}

}  // namespace

class TestStudentsPage final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void lookUpRefreshAndInvalidate()
    {
        Console console;
        console.open();
        FakeStudentReadService &service = console.service;
        test::RecordingConfirmer &confirmer = console.confirmer;
        const QStringList endpoints = EndpointRegistry::builtIn().value().names();

        ui::StudentsPage *page = console.page();
        QVERIFY(page);
        QCOMPARE(page->objectName(), QStringLiteral("studentsPage"));
        auto *id = console.find<QLineEdit>("moodleUserId");
        auto *lookup = console.find<QPushButton>("lookupButton");
        auto *refreshAll = console.find<QPushButton>("refreshAllButton");
        auto *refreshOne = console.find<QPushButton>("refreshEndpointButton");
        auto *invalidate = console.find<QPushButton>("invalidateStudentButton");
        auto *status = console.find<QLabel>("studentStatus");
        auto *source = console.find<QLabel>("sourceLabel");
        auto *table = console.find<QTableView>("endpointTable");
        auto *data = console.find<QPlainTextEdit>("endpointData");
        QVERIFY(id && lookup && refreshAll && refreshOne && invalidate && status && source && table && data);
        QCOMPARE(table->model(), page->endpointModel());
        QAbstractItemModelTester tester(table->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);

        // The rows are the registry's endpoints.
        QCOMPARE(table->model()->rowCount(), endpoints.size());
        for (int row = 0; row < endpoints.size(); ++row)
            QCOMPARE(cell(table, row, StudentEndpointModel::NameColumn), endpoints.at(row));

        // An id the HTTP server would refuse is refused here too, in words; nothing is read.
        QTRY_VERIFY(lookup->isEnabled());
        QTest::keyClicks(id, QStringLiteral("4x2"));
        QTest::mouseClick(lookup, Qt::LeftButton);
        QVERIFY2(status->text().contains(QStringLiteral("not a Moodle user id")), qPrintable(status->text()));
        QVERIFY(status->text().contains(QStringLiteral("digits only")));
        id->clear();
        QTest::keyClicks(id, QStringLiteral("042"));
        QTest::mouseClick(lookup, Qt::LeftButton);
        QVERIFY(status->text().contains(QStringLiteral("leading zeros")));
        QVERIFY(service.lookups.isEmpty());

        // Force refresh: every endpoint fresh from Zoho, data shown pretty-printed.
        id->clear();
        QTest::keyClicks(id, QString::number(kStudent));
        QVERIFY(page->selectEndpoint(QStringLiteral("profile")));
        QTest::mouseClick(refreshAll, Qt::LeftButton);
        QCOMPARE(service.lookups.size(), 1);
        QCOMPARE(service.lookups.last().moodleUserId, kStudent);
        QVERIFY(service.lookups.last().endpoint.isEmpty());
        QVERIFY(service.lookups.last().forceRefresh);
        // While it reads: every row says so, the buttons wait, Cancel is offered.
        QCOMPARE(resultColumn(table), QStringList(endpoints.size(), QStringLiteral("reading…")));
        QVERIFY(!lookup->isEnabled());
        QVERIFY(console.find<QPushButton>("cancelLookupButton")->isEnabled());
        QVERIFY(status->text().contains(QStringLiteral("Refreshing 5 endpoints of student 42 from Zoho")));
        service.answerLookup(ReadSource::Zoho);
        QTRY_VERIFY(source->text().contains(QStringLiteral("zoho")));
        QCOMPARE(sourceColumn(table), QStringList(endpoints.size(), QStringLiteral("zoho")));
        QVERIFY2(data->toPlainText().contains(QStringLiteral("\"Moodle_User_ID\": \"42\"")), qPrintable(data->toPlainText()));
        QVERIFY(status->text().contains(QStringLiteral("refreshed from Zoho")));
        const QString latency = cell(table, 0, StudentEndpointModel::LatencyColumn);
        QVERIFY(!latency.isEmpty());
        QVERIFY(latency.endsWith(QStringLiteral("ms")) || latency.endsWith(QStringLiteral("s")));
        QCOMPARE(latency, QStringLiteral("1.23 ms"));
        QCOMPARE(cell(table, 1, StudentEndpointModel::ResultColumn), QStringLiteral("2 records"));
        QCOMPARE(status->text(), QStringLiteral("Student 42: 5 endpoints read in 6.17 ms, refreshed from Zoho."));

        // A second lookup: Redis answers.
        QTRY_VERIFY(lookup->isEnabled());
        QTest::mouseClick(lookup, Qt::LeftButton);
        QCOMPARE(service.lookups.size(), 2);
        QVERIFY(!service.lookups.last().forceRefresh);
        service.answerLookup(ReadSource::Redis);
        QTRY_VERIFY(source->text().contains(QStringLiteral("redis")));
        QTRY_COMPARE(sourceColumn(table), QStringList(endpoints.size(), QStringLiteral("redis")));
        QVERIFY(source->text().contains(QStringLiteral("cache age 1 min 15 s")));

        // Force refresh one endpoint: only its row comes from Zoho.
        QVERIFY(page->selectEndpoint(QStringLiteral("academics")));
        QTRY_VERIFY(refreshOne->isEnabled());
        QTest::mouseClick(refreshOne, Qt::LeftButton);
        QCOMPARE(service.lookups.last().endpoint, QStringLiteral("academics"));
        QVERIFY(service.lookups.last().forceRefresh);
        QStringList reading(endpoints.size(), QStringLiteral("2 records"));
        reading[0] = QStringLiteral("1 record");
        reading[endpoints.indexOf(QStringLiteral("academics"))] = QStringLiteral("reading…");
        QCOMPARE(resultColumn(table), reading);
        service.answerLookup(ReadSource::Zoho);
        QTRY_VERIFY(source->text().contains(QStringLiteral("zoho")));
        QStringList expected(endpoints.size(), QStringLiteral("redis"));
        expected[endpoints.indexOf(QStringLiteral("academics"))] = QStringLiteral("zoho");
        QCOMPARE(sourceColumn(table), expected);

        // Invalidate: the dry run's count is named in the confirmation; declined, nothing goes.
        QTRY_VERIFY(invalidate->isEnabled());
        confirmer.accept = false;
        QTest::mouseClick(invalidate, Qt::LeftButton);
        QCOMPARE(service.invalidations.size(), 1);
        QCOMPARE(service.invalidations.last().moodleUserId, kStudent);
        QVERIFY(service.invalidations.last().dryRun);
        service.answerInvalidation(endpoints.size());
        QTRY_COMPARE(confirmer.questions.size(), 1);
        QVERIFY2(confirmer.questions.first().contains(QStringLiteral("%1 cached keys of student 42").arg(endpoints.size())),
                 qPrintable(confirmer.questions.first()));
        QCOMPARE(service.invalidations.size(), 1);  // declined: nothing deleted
        QTRY_VERIFY(status->text().contains(QStringLiteral("cancelled")));
        // Confirmed: the keys are deleted, and the next lookup is answered by PostgreSQL.
        confirmer.accept = true;
        QTRY_VERIFY(invalidate->isEnabled());
        QTest::mouseClick(invalidate, Qt::LeftButton);
        service.answerInvalidation(endpoints.size());
        QTRY_COMPARE(confirmer.questions.size(), 2);
        QCOMPARE(service.invalidations.size(), 3);
        QVERIFY(!service.invalidations.last().dryRun);
        service.answerInvalidation(endpoints.size());
        QTRY_VERIFY(status->text().contains(QStringLiteral("%1 keys deleted").arg(endpoints.size())));
        QTRY_VERIFY(lookup->isEnabled());
        QTest::mouseClick(lookup, Qt::LeftButton);
        service.answerLookup(ReadSource::Postgres);
        QTRY_COMPARE(sourceColumn(table), QStringList(endpoints.size(), QStringLiteral("postgres")));
        QVERIFY(service.cancels.isEmpty());
    }

    void zohoDownIsSaidInWords()
    {
        Console console;
        console.open();
        ui::StudentsPage *page = console.page();
        QVERIFY(page->selectEndpoint(QStringLiteral("profile")));
        page->lookUp(QStringLiteral("7"));
        QCOMPARE(console.service.lookups.size(), 1);
        QCOMPARE(console.service.lookups.last().moodleUserId, 7);
        console.service.answerZohoDown();
        auto *status = console.find<QLabel>("studentStatus");
        auto *data = console.find<QPlainTextEdit>("endpointData");
        auto *table = console.find<QTableView>("endpointTable");
        QTRY_VERIFY(status->text().contains(QStringLiteral("without an answer")));
        QVERIFY2(data->toPlainText().contains(QStringLiteral("503")), qPrintable(data->toPlainText()));
        QVERIFY(data->toPlainText().contains(QStringLiteral("Zoho")));
        QVERIFY(cell(table, 0, StudentEndpointModel::ResultColumn).contains(QStringLiteral("503")));
        QCOMPARE(cell(table, 0, StudentEndpointModel::SourceColumn), QStringLiteral("—"));
        // The row's tooltip says why, as the data pane does.
        QCOMPARE(table->model()->index(0, StudentEndpointModel::ResultColumn).data(Qt::ToolTipRole).toString(),
                 data->toPlainText());
    }

    void cancelSkipsTheEndpointsNotRead()
    {
        Console console;
        console.open();
        auto *cancel = console.find<QPushButton>("cancelLookupButton");
        auto *status = console.find<QLabel>("studentStatus");
        auto *table = console.find<QTableView>("endpointTable");
        QVERIFY(!cancel->isEnabled());
        console.page()->lookUp(QString::number(kStudent));
        QVERIFY(cancel->isEnabled());
        QTest::mouseClick(cancel, Qt::LeftButton);
        QCOMPARE(console.service.cancels, QList<quint64>{console.service.lookups.last().request});
        QVERIFY(status->text().contains(QStringLiteral("Cancelling")));
        QVERIFY(!cancel->isEnabled());
        console.service.answerLookup(ReadSource::Redis, 2);
        QTRY_VERIFY(status->text().contains(QStringLiteral("Cancelled before the rest.")));
        const QStringList results = resultColumn(table);
        QCOMPARE(results.mid(2), QStringList(results.size() - 2, QStringLiteral("skipped (cancelled)")));
        QCOMPARE(sourceColumn(table).mid(0, 2), QStringList(2, QStringLiteral("redis")));
        QVERIFY(console.find<QPushButton>("lookupButton")->isEnabled());
    }

    void aLookupThatReadNothingSaysWhy()
    {
        Console console;
        console.open();
        auto *status = console.find<QLabel>("studentStatus");
        auto *table = console.find<QTableView>("endpointTable");
        console.page()->lookUp(QString::number(kStudent));
        const quint64 request = console.service.lookups.last().request;
        // An answer to another request is not this one's.
        Q_EMIT console.service.failed(StudentReadService::Request::Lookup, request + 7,
                                      {std::nullopt, makeError(ErrorKind::InvalidArgument, QStringLiteral("other"))});
        QVERIFY(!console.find<QPushButton>("lookupButton")->isEnabled());
        Q_EMIT console.service.failed(StudentReadService::Request::Lookup, request,
                                      {std::nullopt, makeError(ErrorKind::Internal,
                                                               QStringLiteral("The cache engine could not start: x"))});
        QCOMPARE(status->text(), QStringLiteral("Nothing was read. The cache engine could not start: x"));
        QCOMPARE(resultColumn(table), QStringList(table->model()->rowCount(), QString()));
        QVERIFY(console.find<QPushButton>("lookupButton")->isEnabled());

        // An invalidation Redis refused names Redis.
        QTest::mouseClick(console.find<QPushButton>("invalidateStudentButton"), Qt::LeftButton);
        Q_EMIT console.service.failed(StudentReadService::Request::Invalidate, console.service.invalidations.last().request,
                                      {ConnectionCheck::Service::Redis,
                                       makeError(ErrorKind::Unavailable, QStringLiteral("connection refused"))});
        QVERIFY2(status->text().startsWith(QStringLiteral("Nothing was invalidated. Cannot reach Redis.")),
                 qPrintable(status->text()));
    }
};

QTEST_MAIN(TestStudentsPage)
#include "tst_studentspage.moc"
