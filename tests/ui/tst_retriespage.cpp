#include "cache/instancestore.h"
#include "charts/timeserieschart.h"
#include "console/retrylogworker.h"
#include "consoleharness.h"
#include "manualepochclock.h"
#include "itemmodels/retryeventfiltermodel.h"
#include "itemmodels/retryeventmodel.h"
#include "redis/redisconnection.h"
#include "retries/retriespage.h"
#include "scratchprofile.h"
#include "shell/mainwindow.h"
#include "store/pgconnection.h"
#include "store/retryeventrepository.h"
#include "testsandbox.h"
#include "verifyok.h"

#include <QApplication>
#include <QComboBox>
#include <QDateTime>
#include <QLabel>
#include <QLineEdit>
#include <QTableView>
#include <QTableWidget>
#include <QTest>

using namespace tiersync;

namespace {

// This test class's own Redis database: tests share the fixture's server.
constexpr int kDb = 62;
constexpr int kTimeoutMs = 30000;


// Stamped "now" on the console's pinned clock: the chart counts the hour up to it.
const test::ManualEpochClock kClock;

RetryEvent retry(const QString &target, const QString &errorClass, int httpStatus, const QString &outcome)
{
    RetryEvent event;
    event.at = QDateTime::fromMSecsSinceEpoch(kClock.nowMs(), Qt::UTC);
    event.target = target;
    event.attempt = 2;
    event.maxAttempts = 4;
    event.errorClass = errorClass;
    event.httpStatus = httpStatus;
    event.delayMs = outcome == QLatin1String("retry") ? 1200 : 0;
    event.outcome = outcome;
    return event;
}

int columnTotal(ui::TimeSeriesChart *chart)
{
    return chart->seriesCount() > 0 ? chart->pointCount(0) : -1;
}

}  // namespace

class TestRetriesPage final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void showsTheRetryLogLiveWithFiltersAndCircuits()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("retriespage"), kDb);
        VERIFY_OK(scratch);
        const ConnectionProfile profile = (*scratch)->profile();
        RedisConnection redis(profile.redis);
        PgConnection connection(profile.pg);
        RetryEventRepository events(connection);
        QVERIFY(events.insert({retry(QStringLiteral("GET /books/v3/items"), QStringLiteral("server"), 503,
                                     QStringLiteral("retry")),
                               retry(QStringLiteral("GET /crm/v2/Contacts"), QStringLiteral("timeout"), 0,
                                     QStringLiteral("gave_up"))})
                    .ok());
        InstanceHeartbeat server;
        server.host = QStringLiteral("server-a");
        server.pid = 99;
        server.circuit = QStringLiteral("closed");
        server.lastSeenMs = kClock.nowMs();
        QVERIFY(InstanceStore(redis).publish(server, 600).ok());

        test::ConsoleHarness console({kClock.clock(), {}});
        console.setPagePollIntervalMs(100);  // new events and circuits show at the next poll
        console.confirmer().accept = false;
        ui::MainWindow &window = console.window();
        window.show();
        window.setProfile(profile);
        window.showPage(ui::MainWindow::Page::Retries);

        ui::RetriesPage *page = window.retriesPage();
        QVERIFY(page);
        QCOMPARE(page->objectName(), QStringLiteral("retriesPage"));
        auto *log = page->findChild<QTableView *>(QStringLiteral("retryLog"));
        auto *target = page->findChild<QLineEdit *>(QStringLiteral("targetFilter"));
        auto *errorClass = page->findChild<QComboBox *>(QStringLiteral("errorClassFilter"));
        auto *outcome = page->findChild<QComboBox *>(QStringLiteral("outcomeFilter"));
        auto *count = page->findChild<QLabel *>(QStringLiteral("retryCountLabel"));
        auto *circuits = page->findChild<QTableWidget *>(QStringLiteral("circuitTable"));
        auto *summary = page->findChild<QLabel *>(QStringLiteral("circuitSummary"));
        QVERIFY(log && target && errorClass && outcome && count && circuits && summary);
        QAbstractItemModel *shown = log->model();

        // The stored events, newest first, in words.
        QTRY_COMPARE_WITH_TIMEOUT(shown->rowCount(), 2, kTimeoutMs);
        QCOMPARE(shown->index(0, RetryEventModel::TargetColumn).data().toString(), QStringLiteral("GET /crm/v2/Contacts"));
        QCOMPARE(shown->index(0, RetryEventModel::OutcomeColumn).data().toString(), QStringLiteral("gave_up"));
        QCOMPARE(shown->index(1, RetryEventModel::HttpStatusColumn).data().toString(), QStringLiteral("503"));
        QCOMPARE(shown->index(1, RetryEventModel::DelayColumn).data().toString(), QStringLiteral("1.2 s"));
        QCOMPARE(shown->index(1, RetryEventModel::AttemptColumn).data().toString(), QStringLiteral("2 of 4"));
        QCOMPARE(count->text(), QStringLiteral("2 of 2 shown"));
        QCOMPARE(columnTotal(page->retriesChart()), RetryLogWorker::kMinutes);

        // The circuit of each running instance.
        QTRY_COMPARE_WITH_TIMEOUT(circuits->rowCount(), 1, kTimeoutMs);
        QCOMPARE(circuits->item(0, 0)->text(), QStringLiteral("server-a (pid 99)"));
        QCOMPARE(circuits->item(0, 1)->text(), QStringLiteral("Closed"));
        server.circuit = QStringLiteral("open");
        QVERIFY(InstanceStore(redis).publish(server, 600).ok());
        QTRY_COMPARE_WITH_TIMEOUT(circuits->item(0, 1)->text(), QStringLiteral("Open — calls fail fast"), kTimeoutMs);
        QVERIFY2(summary->text().contains(QStringLiteral("1 of 1")), qPrintable(summary->text()));

        // A new retry appears at the top while the page is open…
        QVERIFY(events.insert({retry(QStringLiteral("POST /crm/v2/Deals"), QStringLiteral("rate_limited"), 429,
                                     QStringLiteral("retry"))})
                    .ok());
        QTRY_COMPARE_WITH_TIMEOUT(shown->rowCount(), 3, kTimeoutMs);
        QCOMPARE(shown->index(0, RetryEventModel::TargetColumn).data().toString(), QStringLiteral("POST /crm/v2/Deals"));
        QCOMPARE(shown->index(0, RetryEventModel::ErrorClassColumn).data().toString(), QStringLiteral("rate_limited"));

        // …and the filters hide what does not match.
        QTest::keyClicks(target, QStringLiteral("crm"));
        QCOMPARE(shown->rowCount(), 2);
        outcome->setCurrentIndex(outcome->findData(QStringLiteral("gave_up")));
        QCOMPARE(shown->rowCount(), 1);
        QCOMPARE(shown->index(0, RetryEventModel::TargetColumn).data().toString(), QStringLiteral("GET /crm/v2/Contacts"));
        QCOMPARE(count->text(), QStringLiteral("1 of 3 shown"));
        outcome->setCurrentIndex(0);
        errorClass->setCurrentIndex(errorClass->findData(QStringLiteral("rate_limited")));
        QCOMPARE(shown->rowCount(), 1);
        QCOMPARE(shown->index(0, RetryEventModel::TargetColumn).data().toString(), QStringLiteral("POST /crm/v2/Deals"));
        target->clear();
        errorClass->setCurrentIndex(errorClass->findData(QStringLiteral("server")));
        QCOMPARE(shown->rowCount(), 1);
        QCOMPARE(shown->index(0, RetryEventModel::TargetColumn).data().toString(), QStringLiteral("GET /books/v3/items"));
        // A new row that the filter does not match stays hidden, while the log grows.
        QVERIFY(events.insert({retry(QStringLiteral("GET /crm/v2/Leads"), QStringLiteral("timeout"), 0,
                                     QStringLiteral("retry"))})
                    .ok());
        QTRY_COMPARE_WITH_TIMEOUT(page->eventModel()->rowCount(), 4, kTimeoutMs);
        QCOMPARE(shown->rowCount(), 1);
        errorClass->setCurrentIndex(0);
        QCOMPARE(shown->rowCount(), 4);
    }
};

QTEST_MAIN(TestRetriesPage)
#include "tst_retriespage.moc"
