#include "cache/cachekeys.h"
#include "cache/endpointregistry.h"
#include "console/studentworker.h"
#include "console/workerthreads.h"
#include "consoleharness.h"
#include "recordingconfirmer.h"
#include "redis/redisconnection.h"
#include "scratchprofile.h"
#include "shell/mainwindow.h"
#include "store/pgconnection.h"
#include "students/studentspage.h"
#include "testsandbox.h"
#include "verifyok.h"

#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QTest>

using namespace tiersync;

namespace {

// This test class's own Redis database: tests share the fixture's server.
constexpr int kDb = 63;
constexpr int kTimeoutMs = 60000;
// zoho-sim's default data set has students 1..500 (app/zoho-sim/README.md).
constexpr qint64 kStudent = 42;


QStringList sourceColumn(const QTableWidget *table)
{
    QStringList sources;
    for (int row = 0; row < table->rowCount(); ++row)
        sources.append(table->item(row, 1)->text());
    return sources;
}

}  // namespace

class TestStudentsPage final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void lookUpRefreshAndInvalidate()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("studentspage"), kDb);
        VERIFY_OK(scratch);
        const ConnectionProfile profile = (*scratch)->profile();
        RedisConnection redis(profile.redis);
        const QStringList endpoints = EndpointRegistry::builtIn().value().names();
        QList<QByteArray> studentKeys;
        for (const QString &endpoint : endpoints)
            studentKeys.append(cachekeys::endpointKey(endpoint, kStudent));

        test::ConsoleHarness console;
        test::RecordingConfirmer &confirmer = console.confirmer();
        ui::MainWindow &window = console.window();
        window.show();
        window.setProfile(profile);
        window.showPage(ui::MainWindow::Page::Students);

        ui::StudentsPage *page = window.studentsPage();
        QVERIFY(page);
        QCOMPARE(page->objectName(), QStringLiteral("studentsPage"));
        auto *id = page->findChild<QLineEdit *>(QStringLiteral("moodleUserId"));
        auto *lookup = page->findChild<QPushButton *>(QStringLiteral("lookupButton"));
        auto *refreshAll = page->findChild<QPushButton *>(QStringLiteral("refreshAllButton"));
        auto *refreshOne = page->findChild<QPushButton *>(QStringLiteral("refreshEndpointButton"));
        auto *invalidate = page->findChild<QPushButton *>(QStringLiteral("invalidateStudentButton"));
        auto *status = page->findChild<QLabel *>(QStringLiteral("studentStatus"));
        auto *source = page->findChild<QLabel *>(QStringLiteral("sourceLabel"));
        auto *table = page->findChild<QTableWidget *>(QStringLiteral("endpointTable"));
        auto *data = page->findChild<QPlainTextEdit *>(QStringLiteral("endpointData"));
        QVERIFY(id && lookup && refreshAll && refreshOne && invalidate && status && source && table && data);

        // The rows are the registry's endpoints.
        QCOMPARE(table->rowCount(), endpoints.size());
        for (int row = 0; row < endpoints.size(); ++row)
            QCOMPARE(table->item(row, 0)->text(), endpoints.at(row));

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
        QCOMPARE(*redis.exists(studentKeys), 0);

        // Force refresh: every endpoint fresh from Zoho, data shown pretty-printed.
        id->clear();
        QTest::keyClicks(id, QString::number(kStudent));
        QVERIFY(page->selectEndpoint(QStringLiteral("profile")));
        QTest::mouseClick(refreshAll, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(source->text().contains(QStringLiteral("zoho")), kTimeoutMs);
        QCOMPARE(sourceColumn(table), QStringList(endpoints.size(), QStringLiteral("zoho")));
        QVERIFY2(data->toPlainText().contains(QStringLiteral("\"Moodle_User_ID\": \"42\"")), qPrintable(data->toPlainText()));
        QVERIFY(status->text().contains(QStringLiteral("refreshed from Zoho")));
        QVERIFY(!table->item(0, 3)->text().isEmpty());  // latency
        QVERIFY(table->item(0, 3)->text().endsWith(QStringLiteral("ms")) || table->item(0, 3)->text().endsWith(QStringLiteral("s")));
        QCOMPARE(*redis.exists(studentKeys), endpoints.size());

        // A second lookup: Redis answers.
        QTRY_VERIFY(lookup->isEnabled());
        QTest::mouseClick(lookup, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(source->text().contains(QStringLiteral("redis")), kTimeoutMs);
        QTRY_COMPARE(sourceColumn(table), QStringList(endpoints.size(), QStringLiteral("redis")));

        // Force refresh one endpoint: only its row comes from Zoho.
        QVERIFY(page->selectEndpoint(QStringLiteral("academics")));
        QTRY_VERIFY(refreshOne->isEnabled());
        QTest::mouseClick(refreshOne, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(source->text().contains(QStringLiteral("zoho")), kTimeoutMs);
        QStringList expected(endpoints.size(), QStringLiteral("redis"));
        expected[endpoints.indexOf(QStringLiteral("academics"))] = QStringLiteral("zoho");
        QCOMPARE(sourceColumn(table), expected);

        // Invalidate: the dry run's count is named in the confirmation; declined, nothing goes.
        QTRY_VERIFY(invalidate->isEnabled());
        confirmer.accept = false;
        QTest::mouseClick(invalidate, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(confirmer.questions.size(), 1, kTimeoutMs);
        QVERIFY2(confirmer.questions.first().contains(QStringLiteral("%1 cached keys of student 42").arg(endpoints.size())),
                 qPrintable(confirmer.questions.first()));
        QCOMPARE(*redis.exists(studentKeys), endpoints.size());
        QTRY_VERIFY(status->text().contains(QStringLiteral("cancelled")));
        // Confirmed: the keys are gone, and the next lookup is answered by PostgreSQL.
        confirmer.accept = true;
        QTRY_VERIFY(invalidate->isEnabled());
        QTest::mouseClick(invalidate, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(confirmer.questions.size(), 2, kTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QStringLiteral("%1 keys deleted").arg(endpoints.size())), kTimeoutMs);
        QCOMPARE(*redis.exists(studentKeys), 0);
        QTRY_VERIFY(lookup->isEnabled());
        QTest::mouseClick(lookup, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(sourceColumn(table), QStringList(endpoints.size(), QStringLiteral("postgres")), kTimeoutMs);
    }

    void zohoDownIsSaidInWords()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("studentsdown"), kDb, test::ScratchProfile::Schema::Empty);
        VERIFY_OK(scratch);
        ConnectionProfile profile = (*scratch)->profile();
        profile.name = QStringLiteral("zoho-down");
        // Nothing listens on port 1, and this scratch database has no snapshot to fall back on.
        profile.zoho.apiBase = QStringLiteral("http://127.0.0.1:1");
        profile.zoho.accountsUrl = QStringLiteral("http://127.0.0.1:1");
        RedisConnection redis(profile.redis);

        test::RecordingConfirmer confirmer;
        WorkerThreads threads;
        auto *students = new StudentWorker;
        threads.adopt(students, QStringLiteral("students"));
        ui::StudentsPage page(students, &confirmer);
        page.show();
        page.setProfile(profile);
        QVERIFY(page.selectEndpoint(QStringLiteral("profile")));
        page.lookUp(QStringLiteral("7"));
        auto *status = page.findChild<QLabel *>(QStringLiteral("studentStatus"));
        auto *data = page.findChild<QPlainTextEdit *>(QStringLiteral("endpointData"));
        auto *table = page.findChild<QTableWidget *>(QStringLiteral("endpointTable"));
        QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QStringLiteral("without an answer")), kTimeoutMs);
        QVERIFY2(data->toPlainText().contains(QStringLiteral("503")), qPrintable(data->toPlainText()));
        QVERIFY(data->toPlainText().contains(QStringLiteral("Zoho")));
        QVERIFY(table->item(0, 4)->text().contains(QStringLiteral("503")));
    }
};

QTEST_MAIN(TestStudentsPage)
#include "tst_studentspage.moc"
