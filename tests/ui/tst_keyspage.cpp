// The Keys page against a fake KeyBrowserService, in the main window as the console
// composes it: no servers, answers in the order a real service gives them (one event-loop
// pass later). The fake keeps its keys in memory and matches SCAN patterns as Redis
// does for the patterns the page makes ('*' and backslash escapes). What Redis itself
// does with the calls (paging, details of each type, deletes, pattern counts, cancel) is
// tested by tst_keybrowserservice on the real server; the whole console by
// tst_consolefaults.
#include "console/keybrowserservice.h"
#include "itemmodels/keylistmodel.h"
#include "itemmodels/keytreemodel.h"
#include "keys/keyspage.h"
#include "pageconsole.h"
#include "shell/mainwindow.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QMap>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QTableView>
#include <QTableWidget>
#include <QTest>

#include <functional>
#include <memory>

using namespace tiersync;

namespace {

// Redis's MATCH for what KeyPattern makes: '*' is any run, '\x' is x.
bool globMatches(const QByteArray &match, const QByteArray &key)
{
    if (match.isEmpty())
        return true;
    QString pattern;
    for (qsizetype i = 0; i < match.size(); ++i) {
        if (match.at(i) == '\\' && i + 1 < match.size())
            pattern += QRegularExpression::escape(QString(QLatin1Char(match.at(++i))));
        else if (match.at(i) == '*')
            pattern += QStringLiteral(".*");
        else
            pattern += QRegularExpression::escape(QString(QLatin1Char(match.at(i))));
    }
    return QRegularExpression(QRegularExpression::anchoredPattern(pattern)).match(QString::fromLatin1(key)).hasMatch();
}

KeyDetails stringKey(const QByteArray &key, const QByteArray &value)
{
    KeyDetails details;
    details.key = key;
    details.type = QStringLiteral("string");
    details.value = value;
    details.length = value.size();
    return details;
}

// Records every call and answers from its keys one event-loop pass later, as the engine's
// answers arrive; pattern jobs wait for the test when holdPatterns is set.
class FakeKeyBrowserService final : public KeyBrowserService {
public:
    QMap<QByteArray, KeyDetails> keys;
    int pageSize = 7;  // keys per page: a listing takes several
    bool holdPatterns = false;
    std::optional<ServiceError> scanFailure;  // every page fails with it while set
    int settingsCalls = 0;
    int scanCount = 0;  // SCAN COUNT of the last scan
    int fetches = 0;
    QList<QList<QByteArray>> deletes;
    QList<QByteArray> counts;
    QList<QByteArray> patternDeletes;
    QList<quint64> cancels;
    quint64 lastRequest = 0;

    void setSettings(const RedisSettings &) override { ++settingsCalls; }
    quint64 startScan(const QByteArray &match, int count) override
    {
        scanCount = count;
        m_scan = ++lastRequest;
        m_listing.clear();
        for (const QByteArray &key : keys.keys()) {
            if (globMatches(match, key))
                m_listing.append(key);
        }
        m_position = 0;
        later([this, scan = m_scan, size = qint64(keys.size())] { Q_EMIT scanSized(scan, size); });
        return m_scan;
    }
    void fetchPage(quint64 scan) override
    {
        ++fetches;
        later([this, scan] {
            if (scanFailure)
                return Q_EMIT failed(Request::Scan, scan, *scanFailure);
            if (scan != m_scan)
                return Q_EMIT failed(Request::Scan, scan,
                                     {std::nullopt, makeError(ErrorKind::InvalidArgument, QStringLiteral("out of date"))});
            const QList<QByteArray> page = m_listing.mid(m_position, pageSize);
            m_position += page.size();
            Q_EMIT pageLoaded(scan, page, m_position >= m_listing.size());
        });
    }
    quint64 loadDetails(const QByteArray &key) override
    {
        const quint64 request = ++lastRequest;
        KeyDetails details = keys.value(key);
        if (details.key.isEmpty()) {
            details.key = key;
            details.type = QStringLiteral("none");
            details.ttlSeconds = -2;
        }
        later([this, request, details] { Q_EMIT detailsLoaded(request, details); });
        return request;
    }
    quint64 deleteKeys(const QList<QByteArray> &list) override
    {
        const quint64 request = ++lastRequest;
        deletes.append(list);
        qint64 removed = 0;
        for (const QByteArray &key : list)
            removed += keys.remove(key);
        later([this, request, list, removed] { Q_EMIT keysDeleted(request, list, removed); });
        return request;
    }
    quint64 countMatching(const QByteArray &match) override
    {
        const quint64 request = ++lastRequest;
        counts.append(match);
        if (!holdPatterns)
            later([this, request, match] { answerCount(request, match); });
        return request;
    }
    quint64 deleteMatching(const QByteArray &match) override
    {
        const quint64 request = ++lastRequest;
        patternDeletes.append(match);
        if (!holdPatterns)
            later([this, request, match] { answerDelete(request, match); });
        return request;
    }
    void cancel(quint64 request) override { cancels.append(request); }

    void answerCount(quint64 request, const QByteArray &match)
    {
        const qint64 matching = std::count_if(keys.keyBegin(), keys.keyEnd(),
                                              [&](const QByteArray &key) { return globMatches(match, key); });
        Q_EMIT patternProgress(request, match, matching);
        Q_EMIT matchCounted(request, match, matching);
    }
    void answerDelete(quint64 request, const QByteArray &match)
    {
        qint64 removed = 0;
        for (const QByteArray &key : keys.keys()) {
            if (globMatches(match, key))
                removed += keys.remove(key);
        }
        Q_EMIT patternProgress(request, match, removed);
        Q_EMIT matchDeleted(request, match, removed);
    }

private:
    void later(std::function<void()> answer)
    {
        QMetaObject::invokeMethod(this, std::move(answer), Qt::QueuedConnection);
    }

    quint64 m_scan = 0;
    QList<QByteArray> m_listing;
    qsizetype m_position = 0;
};

// The main window as the console composes it, with the fake as its only engine service.
struct Console {
    FakeKeyBrowserService service;
    test::PageConsole console{[this](ui::ConsoleContext &context) { context.keyBrowser = &service; }};
    test::RecordingConfirmer &confirmer = console.confirmer();

    ui::KeysPage *page() { return console.window().keysPage(); }
    template <typename T>
    T *find(const char *name)
    {
        return page()->findChild<T *>(QLatin1String(name));
    }
    // Shown on the Keys page with a profile.
    void open()
    {
        console.open(ui::MainWindow::Page::Keys);
        QCOMPARE(service.settingsCalls, 1);
        QCOMPARE(service.scanCount, ui::KeysPage::kScanCount);
    }
};

}  // namespace

class TestKeysPage final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void browseViewAndDelete()
    {
        Console console;
        for (int i = 0; i < 30; ++i) {
            const QByteArray key = "tiersync:v1:ep:grades:" + QByteArray::number(i);
            console.service.keys.insert(key, stringKey(key, R"({"score":)" + QByteArray::number(i) + "}"));
        }
        KeyDetails hash;
        hash.key = "tiersync:v1:state:items:1";
        hash.type = QStringLiteral("hash");
        hash.length = 2;
        hash.elements = {{"content_hash", "abc"}, {"local_id", "7"}};
        console.service.keys.insert(hash.key, hash);
        console.open();
        test::RecordingConfirmer &confirmer = console.confirmer;
        QAbstractItemModelTester listTester(console.page()->listModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester treeTester(console.page()->treeModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);

        auto *list = console.find<QTableView>("keyList");
        QVERIFY(list);
        QTRY_COMPARE(list->model()->rowCount(), 31);
        auto *loaded = console.find<QLabel>("loadedLabel");
        QTRY_VERIFY(loaded->text().contains(QStringLiteral("scan complete")));
        QCOMPARE(console.page()->treeModel()->totalKeys(), 31);

        // Filter by prefix: only the hash.
        auto *filter = console.find<QLineEdit>("keyFilter");
        QTest::keyClicks(filter, QStringLiteral("tiersync:v1:state:"));
        QTest::keyClick(filter, Qt::Key_Return);
        QTRY_COMPARE(list->model()->rowCount(), 1);
        list->setCurrentIndex(list->model()->index(0, 0));
        auto *fields = console.find<QTableWidget>("valueFields");
        QTRY_COMPARE(fields->rowCount(), 2);
        QCOMPARE(console.find<QLabel>("valueType")->text(), QStringLiteral("hash"));

        filter->clear();
        QTest::keyClicks(filter, QStringLiteral("tiersync:v1:ep:grades:1*"));  // explicit glob
        QTest::keyClick(filter, Qt::Key_Return);
        QTRY_COMPARE(list->model()->rowCount(), 11);  // 1, 10..19

        // See a value: JSON pretty-printed.
        int row = -1;
        for (int r = 0; r < list->model()->rowCount(); ++r) {
            if (list->model()->index(r, 0).data().toString() == QLatin1String("tiersync:v1:ep:grades:12"))
                row = r;
        }
        QVERIFY(row >= 0);
        list->setCurrentIndex(list->model()->index(row, 0));
        auto *json = console.find<QPlainTextEdit>("valueJson");
        QTRY_VERIFY(json->toPlainText().contains(QStringLiteral("\"score\": 12")));
        QCOMPARE(console.find<QPlainTextEdit>("valueRaw")->toPlainText(), QStringLiteral(R"({"score":12})"));

        // Delete it with the button; the confirmation names the key.
        list->selectRow(row);
        auto *deleteButton = console.find<QPushButton>("deleteButton");
        QTRY_VERIFY(deleteButton->isEnabled());
        QTest::mouseClick(deleteButton, Qt::LeftButton);
        QCOMPARE(confirmer.questions.size(), 1);
        QVERIFY(confirmer.questions.first().contains(QStringLiteral("tiersync:v1:ep:grades:12")));
        QTRY_COMPARE(list->model()->rowCount(), 10);
        QCOMPARE(console.service.deletes, (QList<QList<QByteArray>>{{"tiersync:v1:ep:grades:12"}}));
        QVERIFY(!console.service.keys.contains("tiersync:v1:ep:grades:12"));
        QVERIFY(console.service.keys.contains("tiersync:v1:ep:grades:13"));
        QTRY_VERIFY(console.find<QLabel>("keysStatus")->text().contains(QStringLiteral("Deleted 1 keys")));
        // The viewer no longer shows the deleted key.
        QVERIFY(!json->toPlainText().contains(QStringLiteral("\"score\": 12")));
    }

    void invalidateByPatternCountsFirst()
    {
        Console console;
        for (int i = 0; i < 25; ++i) {
            const QByteArray key = "tiersync:v1:ep:fees:" + QByteArray::number(i);
            console.service.keys.insert(key, stringKey(key, "{}"));
        }
        console.service.keys.insert("tiersync:v1:ep:grades:1", stringKey("tiersync:v1:ep:grades:1", "{}"));
        console.open();
        test::RecordingConfirmer &confirmer = console.confirmer;

        auto *pattern = console.find<QLineEdit>("invalidatePattern");
        auto *invalidate = console.find<QPushButton>("invalidateButton");
        auto *status = console.find<QLabel>("keysStatus");
        QVERIFY(!invalidate->isEnabled());
        QTest::keyClicks(pattern, QStringLiteral("tiersync:v1:ep:fees:*"));
        QTest::mouseClick(console.find<QPushButton>("dryRunButton"), Qt::LeftButton);
        QTRY_VERIFY(status->text().contains(QStringLiteral("25 keys match")));
        QCOMPARE(console.service.keys.size(), 26);  // a dry run deletes nothing
        QTRY_VERIFY(invalidate->isEnabled());
        QTest::mouseClick(invalidate, Qt::LeftButton);
        QCOMPARE(confirmer.questions.size(), 1);
        QVERIFY(confirmer.questions.first().contains(QStringLiteral("25 keys")));
        QTRY_VERIFY(status->text().contains(QStringLiteral("Deleted 25 keys")));
        QCOMPARE(console.service.keys.size(), 1);
        QCOMPARE(console.service.counts, QList<QByteArray>{"tiersync:v1:ep:fees:*"});
        QCOMPARE(console.service.patternDeletes, QList<QByteArray>{"tiersync:v1:ep:fees:*"});
        // After a pattern delete the list is read again: only the other key.
        QTRY_COMPARE(console.find<QTableView>("keyList")->model()->rowCount(), 1);

        // A pattern that names the whole keyspace is refused before anything is asked.
        pattern->clear();
        QTest::keyClicks(pattern, QStringLiteral("**"));
        QTest::mouseClick(console.find<QPushButton>("dryRunButton"), Qt::LeftButton);
        QVERIFY(status->text().contains(QStringLiteral("Enter a pattern")));
        QCOMPARE(console.service.counts.size(), 1);
    }

    void cancelStopsTheCountItStarted()
    {
        Console console;
        console.service.holdPatterns = true;
        console.open();
        auto *pattern = console.find<QLineEdit>("invalidatePattern");
        auto *dryRun = console.find<QPushButton>("dryRunButton");
        auto *cancel = console.find<QPushButton>("cancelButton");
        auto *status = console.find<QLabel>("keysStatus");
        QVERIFY(!cancel->isEnabled());
        QTest::keyClicks(pattern, QStringLiteral("tiersync:v1:ep:"));
        QTest::mouseClick(dryRun, Qt::LeftButton);
        QVERIFY(status->text().contains(QStringLiteral("Counting keys matching")));
        QVERIFY(!dryRun->isEnabled());
        QVERIFY(cancel->isEnabled());
        const quint64 count = console.service.lastRequest;
        Q_EMIT console.service.patternProgress(count, "tiersync:v1:ep:*", 1200);
        QCOMPARE(status->text(), QStringLiteral("Working… 1,200 keys so far"));
        QTest::mouseClick(cancel, Qt::LeftButton);
        QCOMPARE(console.service.cancels, QList<quint64>{count});
        QCOMPARE(status->text(), QStringLiteral("Cancelling…"));
        // Progress of another request (an older job) is not this one's.
        Q_EMIT console.service.patternProgress(count + 99, "x*", 5);
        QCOMPARE(status->text(), QStringLiteral("Cancelling…"));
        Q_EMIT console.service.failed(KeyBrowserService::Request::CountMatching, count,
                                      {std::nullopt, makeError(ErrorKind::Cancelled, QStringLiteral("Counting was cancelled."))});
        QCOMPARE(status->text(), QStringLiteral("Counting was cancelled."));
        QVERIFY(dryRun->isEnabled());
        QVERIFY(!cancel->isEnabled());
        QVERIFY(!console.find<QPushButton>("invalidateButton")->isEnabled());
    }

    void aFailedListingSaysWhyUntilRefreshed()
    {
        Console console;
        console.service.keys.insert("a:1", stringKey("a:1", "1"));
        console.service.scanFailure = ServiceError{ConnectionCheck::Service::Redis,
                                                   makeError(ErrorKind::Unavailable, QStringLiteral("connection refused"))};
        console.open();
        auto *status = console.find<QLabel>("keysStatus");
        auto *loaded = console.find<QLabel>("loadedLabel");
        QTRY_VERIFY(status->text().contains(QStringLiteral("Could not list keys")));
        QVERIFY2(status->text().contains(QStringLiteral("Cannot reach Redis. Is it running")), qPrintable(status->text()));
        QVERIFY(status->text().contains(QStringLiteral("Press Refresh")));
        QVERIFY(loaded->text().contains(QStringLiteral("stopped after an error")));
        QVERIFY(!console.find<QPushButton>("loadAllButton")->isEnabled());

        console.service.scanFailure.reset();
        QTest::mouseClick(console.find<QPushButton>("refreshButton"), Qt::LeftButton);
        QTRY_VERIFY(loaded->text().contains(QStringLiteral("scan complete")));
        QVERIFY2(!status->text().contains(QStringLiteral("Could not list keys")), qPrintable(status->text()));
        QCOMPARE(console.page()->listModel()->rowCount(), 1);
    }

    void nothingIsListedBeforeAProfile()
    {
        Console console;
        console.service.keys.insert("d:1", stringKey("d:1", "1"));
        console.console.window().show();
        console.console.window().showPage(ui::MainWindow::Page::Keys);
        QVERIFY(QTest::qWaitForWindowExposed(&console.console.window()));
        console.page()->listModel()->fetchMore({});  // as the list view asks for its first rows
        QCoreApplication::processEvents();
        QCOMPARE(console.service.fetches, 0);
        QVERIFY(!console.find<QLabel>("keysStatus")->text().contains(QStringLiteral("Could not list keys")));
        QCOMPARE(console.page()->listModel()->rowCount(), 0);
        console.open();
        QTRY_COMPARE(console.page()->listModel()->rowCount(), 1);
    }

    void pagesOfAReplacedScanAreDropped()
    {
        Console console;
        for (int i = 0; i < 3; ++i)
            console.service.keys.insert("b:" + QByteArray::number(i), stringKey("b:" + QByteArray::number(i), "1"));
        console.open();
        KeyListModel *model = console.page()->listModel();
        QTRY_VERIFY(model->atEnd());
        QCOMPARE(model->rowCount(), 3);
        const quint64 current = console.service.lastRequest;
        // An answer to the scan the filter replaced: ignored.
        Q_EMIT console.service.pageLoaded(current - 1, {"old:1", "old:2"}, false);
        Q_EMIT console.service.failed(KeyBrowserService::Request::Scan, current - 1,
                                      {std::nullopt, makeError(ErrorKind::InvalidArgument, QStringLiteral("out of date"))});
        QCOMPARE(model->rowCount(), 3);
        QVERIFY(!model->failed());
    }

    void detailsFailureShowsInTheViewer()
    {
        Console console;
        console.service.keys.insert("c:1", stringKey("c:1", "1"));
        console.open();
        auto *list = console.find<QTableView>("keyList");
        QTRY_COMPARE(list->model()->rowCount(), 1);
        list->setCurrentIndex(list->model()->index(0, 0));
        const quint64 details = console.service.lastRequest;
        QCoreApplication::processEvents();  // its answer arrives: shown
        Q_EMIT console.service.failed(KeyBrowserService::Request::Details, details,
                                      {ConnectionCheck::Service::Redis,
                                       makeError(ErrorKind::Timeout, QStringLiteral("read timed out"))});
        auto *notice = console.find<QLabel>("valueNotice");
        QVERIFY2(notice->text().contains(QStringLiteral("Could not read this key. Redis did not answer in time")),
                 qPrintable(notice->text()));
        QVERIFY(console.find<QLabel>("valueKey")->text().contains(QStringLiteral("c:1")));
        // An answer to an older request is not the shown key's.
        Q_EMIT console.service.detailsLoaded(details - 1, stringKey("c:1", "stale"));
        QVERIFY(notice->text().contains(QStringLiteral("Could not read this key")));
    }
};

QTEST_MAIN(TestKeysPage)
#include "tst_keyspage.moc"
