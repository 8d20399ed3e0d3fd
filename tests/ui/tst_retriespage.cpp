// The Retries page against a fake StatisticsService, in the main window as the console
// composes it: no servers, no wall clock (the events are stamped with a fixed "now", the
// page polls when the test asks). Each answer is what the engine reads after the change
// the test describes; EngineStatisticsService itself (only the events stored since the
// last poll, a late batch found by id) is tested on the real servers by
// tst_statisticsservice.
#include "charts/timeserieschart.h"
#include "console/statisticsservice.h"
#include "pageconsole.h"
#include "fakestatisticsservice.h"
#include "itemmodels/retryeventfiltermodel.h"
#include "itemmodels/retryeventmodel.h"
#include "retries/retriespage.h"
#include "shell/mainwindow.h"

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

constexpr int kTimeoutMs = 5000;
constexpr int kMinutes = StatisticsService::kMinutes;
// 2024-06-11 14:45:30 UTC: when every event happened, "now" of every answer.
constexpr qint64 kNowMs = 1718117130000;

RetryEvent retry(const QString &target, const QString &errorClass, int httpStatus, const QString &outcome)
{
    RetryEvent event;
    event.at = QDateTime::fromMSecsSinceEpoch(kNowMs, Qt::UTC);
    event.target = target;
    event.attempt = 2;
    event.maxAttempts = 4;
    event.errorClass = errorClass;
    event.httpStatus = httpStatus;
    event.delayMs = outcome == QLatin1String("retry") ? 1200 : 0;
    event.outcome = outcome;
    return event;
}

// The engine's answer to a poll: the events stored since the previous one (ids from
// firstId), the hour's retries per minute (all of them in this minute), the instances.
RetryLogUpdate update(bool reset, qint64 firstId, const QList<RetryEvent> &added, int retriesThisHour,
                      const QList<InstanceHeartbeat> &instances)
{
    RetryLogUpdate u;
    u.reset = reset;
    u.logOk = true;
    for (const RetryEvent &event : added)
        u.added.append({firstId++, event});
    u.firstMinute = kNowMs / 60000 - kMinutes + 1;
    u.retriesPerMinute = QList<int>(kMinutes);
    u.retriesPerMinute.last() = retriesThisHour;
    u.instancesKnown = true;
    u.instances = instances;
    return u;
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
        const RetryEvent itemsRetry =
            retry(QStringLiteral("GET /books/v3/items"), QStringLiteral("server"), 503, QStringLiteral("retry"));
        const RetryEvent contactsGaveUp =
            retry(QStringLiteral("GET /crm/v2/Contacts"), QStringLiteral("timeout"), 0, QStringLiteral("gave_up"));
        InstanceHeartbeat server;
        server.host = QStringLiteral("server-a");
        server.pid = 99;
        server.circuit = QStringLiteral("closed");
        server.lastSeenMs = kNowMs;

        test::FakeStatisticsService statistics;
        ui::ConsoleContext services;
        services.statistics = &statistics;
        test::PageConsole console(services);
        console.parkPollTimers();
        console.confirmer().accept = false;
        ConnectionProfile profile;
        profile.name = QStringLiteral("test");
        console.open(ui::MainWindow::Page::Retries, profile);
        ui::MainWindow &window = console.window();
        QCOMPARE(statistics.profiles.size(), 2);  // the Overview and Retries pages share the service
        QCOMPARE(statistics.retryLogLoads, 1);  // shown with a profile: asked at once
        // The next poll of the page, answered.
        const auto poll = [&](const RetryLogUpdate &answer) {
            window.retriesPage()->refresh();
            QCOMPARE(statistics.answerRetryLog(answer), 1);
        };
        QCOMPARE(statistics.answerRetryLog(update(true, 1, {itemsRetry, contactsGaveUp}, 2, {server})), 1);

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
        QCOMPARE(columnTotal(page->retriesChart()), kMinutes);

        // The circuit of each running instance.
        QTRY_COMPARE_WITH_TIMEOUT(circuits->rowCount(), 1, kTimeoutMs);
        QCOMPARE(circuits->item(0, 0)->text(), QStringLiteral("server-a (pid 99)"));
        QCOMPARE(circuits->item(0, 1)->text(), QStringLiteral("Closed"));
        server.circuit = QStringLiteral("open");
        poll(update(false, 3, {}, 2, {server}));
        QTRY_COMPARE_WITH_TIMEOUT(circuits->item(0, 1)->text(), QStringLiteral("Open — calls fail fast"), kTimeoutMs);
        QVERIFY2(summary->text().contains(QStringLiteral("1 of 1")), qPrintable(summary->text()));

        // A new retry appears at the top while the page is open…
        poll(update(false, 3,
                    {retry(QStringLiteral("POST /crm/v2/Deals"), QStringLiteral("rate_limited"), 429,
                           QStringLiteral("retry"))},
                    3, {server}));
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
        poll(update(false, 4,
                    {retry(QStringLiteral("GET /crm/v2/Leads"), QStringLiteral("timeout"), 0, QStringLiteral("retry"))},
                    4, {server}));
        QTRY_COMPARE_WITH_TIMEOUT(page->eventModel()->rowCount(), 4, kTimeoutMs);
        QCOMPARE(shown->rowCount(), 1);
        errorClass->setCurrentIndex(0);
        QCOMPARE(shown->rowCount(), 4);
    }
};

QTEST_MAIN(TestRetriesPage)
#include "tst_retriespage.moc"
