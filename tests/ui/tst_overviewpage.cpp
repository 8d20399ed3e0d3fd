#include "cache/instancestore.h"
#include "cache/statsstore.h"
#include "cache/zohocallstore.h"
#include "charts/tierdonutchart.h"
#include "charts/timeserieschart.h"
#include "console/overviewworker.h"
#include "consoleharness.h"
#include "manualepochclock.h"
#include "overview/overviewpage.h"
#include "redis/redisconnection.h"
#include "scratchprofile.h"
#include "shell/mainwindow.h"
#include "store/pgconnection.h"
#include "store/settingsrepository.h"
#include "testsandbox.h"
#include "verifyok.h"

#include <QApplication>
#include <QLabel>
#include <QTableWidget>
#include <QTest>

using namespace tiersync;

namespace {

// This test class's own Redis database: tests share the fixture's server.
constexpr int kDb = 61;
constexpr int kBudgetDb = 54;
constexpr int kTimeoutMs = 30000;


StatsCounts counts(quint64 requests, quint64 redis, quint64 postgres, quint64 zoho)
{
    StatsCounts out;
    out.counters[size_t(StatsCounter::Requests)] = requests;
    out.counters[size_t(StatsCounter::Redis)] = redis;
    out.counters[size_t(StatsCounter::Postgres)] = postgres;
    out.counters[size_t(StatsCounter::Zoho)] = zoho;
    out.counters[size_t(StatsCounter::ZohoCalls)] = zoho;
    out.counters[size_t(StatsCounter::Coalesced)] = 1;
    out.counters[size_t(StatsCounter::Stale)] = requests - redis - postgres - zoho;
    out.latencyBuckets[0] = requests / 2;      // ≤ 250 µs
    out.latencyBuckets[4] = requests - requests / 2;  // ≤ 5 ms
    return out;
}

int rowOf(QTableWidget *table, const QString &name)
{
    for (int row = 0; row < table->rowCount(); ++row) {
        if (table->item(row, 0) && table->item(row, 0)->text() == name)
            return row;
    }
    return -1;
}

QString cell(QTableWidget *table, const QString &name, int column)
{
    const int row = rowOf(table, name);
    return row >= 0 && table->item(row, column) ? table->item(row, column)->text() : QString();
}

int seriesIndex(ui::TimeSeriesChart *chart, const QString &name)
{
    for (int i = 0; i < chart->seriesCount(); ++i) {
        if (chart->seriesName(i) == name)
            return i;
    }
    return -1;
}

}  // namespace

class TestOverviewPage final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void showsWhatEveryServerServesLive()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("overviewpage"), kDb);
        VERIFY_OK(scratch);
        const ConnectionProfile profile = (*scratch)->profile();
        RedisConnection redis(profile.redis);

        // Two servers' counts in this minute, one more three minutes ago; one instance
        // with an open circuit and a budget of 90 calls a minute. "Now" is the console's
        // pinned clock, so the minute cannot turn under the test.
        const test::ManualEpochClock clock;
        const qint64 minute = clock.minute();
        QVERIFY(StatsStore(redis).add(minute, {{QStringLiteral("profile"), counts(10, 7, 1, 1)}}).ok());
        QVERIFY(StatsStore(redis).add(minute, {{QStringLiteral("profile"), counts(10, 7, 1, 2)}}).ok());
        QVERIFY(StatsStore(redis).add(minute - 3, {{QStringLiteral("profile"), counts(20, 16, 0, 4)}}).ok());
        InstanceHeartbeat server;
        server.host = QStringLiteral("server-a");
        server.pid = 1234;
        server.circuit = QStringLiteral("open");
        server.zohoInFlight = 2;
        server.zohoRequestsPerMinute = 90;
        server.lastSeenMs = clock.nowMs();
        QVERIFY(InstanceStore(redis).publish(server, 600).ok());

        test::ConsoleHarness console({clock.clock(), {}});
        console.setPagePollIntervalMs(100);  // live changes show at the next poll
        console.confirmer().accept = false;
        ui::MainWindow &window = console.window();
        window.show();
        window.setProfile(profile);
        window.showPage(ui::MainWindow::Page::Overview);

        ui::OverviewPage *page = window.overviewPage();
        QVERIFY(page);
        QCOMPARE(page->objectName(), QStringLiteral("overviewPage"));
        auto *hitRate = page->findChild<QLabel *>(QStringLiteral("hitRateLabel"));
        auto *requests = page->findChild<QLabel *>(QStringLiteral("requestsLabel"));
        auto *coalesced = page->findChild<QLabel *>(QStringLiteral("coalescedLabel"));
        auto *stale = page->findChild<QLabel *>(QStringLiteral("staleLabel"));
        auto *zohoCalls = page->findChild<QLabel *>(QStringLiteral("zohoCallsLabel"));
        auto *redisTile = page->findChild<QLabel *>(QStringLiteral("redisTile"));
        auto *pgTile = page->findChild<QLabel *>(QStringLiteral("pgTile"));
        auto *zohoTile = page->findChild<QLabel *>(QStringLiteral("zohoTile"));
        auto *cachingTile = page->findChild<QLabel *>(QStringLiteral("cachingTile"));
        auto *table = page->findChild<QTableWidget *>(QStringLiteral("endpointTable"));
        QVERIFY(hitRate && requests && coalesced && stale && zohoCalls && redisTile && pgTile && zohoTile
                && cachingTile && table);

        // 40 requests: 30 from Redis, 2 from PostgreSQL → 80 %.
        QTRY_COMPARE_WITH_TIMEOUT(requests->text(), QStringLiteral("Requests: 40"), kTimeoutMs);
        QCOMPARE(hitRate->text(), QStringLiteral("Hit rate: 80.0 %"));
        QCOMPARE(coalesced->text(), QStringLiteral("Coalesced: 3"));
        QCOMPARE(stale->text(), QStringLiteral("Stale: 1"));
        QVERIFY2(zohoCalls->text().contains(QStringLiteral("3 this minute, peak 4")), qPrintable(zohoCalls->text()));
        QVERIFY2(zohoCalls->text().contains(QStringLiteral("90/min")), qPrintable(zohoCalls->text()));

        // Tiles: both stores answer, the instance's circuit is open, caching is ON.
        QVERIFY2(redisTile->text().contains(QStringLiteral("Connected")), qPrintable(redisTile->text()));
        QTRY_VERIFY2(pgTile->text().contains(QStringLiteral("Connected")), qPrintable(pgTile->text()));
        QVERIFY2(zohoTile->text().contains(QStringLiteral("Open on 1 of 1")), qPrintable(zohoTile->text()));
        QVERIFY2(zohoTile->text().contains(QStringLiteral("2 in flight")), qPrintable(zohoTile->text()));
        QVERIFY2(cachingTile->text().contains(QStringLiteral("ON")), qPrintable(cachingTile->text()));
        QVERIFY(!cachingTile->text().contains(QStringLiteral("OFF")));

        // Served by tier and latency per endpoint, and the total row.
        QCOMPARE(cell(table, QStringLiteral("profile"), 1), QStringLiteral("40"));
        QCOMPARE(cell(table, QStringLiteral("profile"), 2), QStringLiteral("80.0 %"));
        QCOMPARE(cell(table, QStringLiteral("profile"), 3), QStringLiteral("30"));
        QCOMPARE(cell(table, QStringLiteral("profile"), 4), QStringLiteral("2"));
        QCOMPARE(cell(table, QStringLiteral("profile"), 5), QStringLiteral("7"));
        QCOMPARE(cell(table, QStringLiteral("profile"), 9), QStringLiteral("≤ 250 µs"));
        QCOMPARE(cell(table, QStringLiteral("profile"), 10), QStringLiteral("≤ 5 ms"));
        QCOMPARE(cell(table, QStringLiteral("finance"), 1), QStringLiteral("0"));
        QCOMPARE(cell(table, QStringLiteral("finance"), 9), QStringLiteral("—"));
        QCOMPARE(cell(table, QStringLiteral("Total"), 1), QStringLiteral("40"));
        QCOMPARE(page->tierChart()->sliceCount(), 5);
        QCOMPARE(page->tierChart()->sliceValue(QStringLiteral("Redis")), 30u);
        QCOMPARE(page->tierChart()->sliceValue(QStringLiteral("Zoho")), 7u);

        // Charts: one hit-rate line per endpoint with a point per minute that had traffic;
        // Zoho calls on every minute of the hour, under the instance's budget.
        ui::TimeSeriesChart *hitChart = page->hitRateChart();
        QCOMPARE(hitChart->seriesCount(), 5);
        const int profileLine = seriesIndex(hitChart, QStringLiteral("profile"));
        QVERIFY(profileLine >= 0);
        QCOMPARE(hitChart->pointCount(profileLine), 2);
        QCOMPARE(hitChart->pointCount(seriesIndex(hitChart, QStringLiteral("finance"))), 0);
        ui::TimeSeriesChart *zohoChart = page->zohoCallsChart();
        QCOMPARE(zohoChart->seriesCount(), 4);  // total, read, sync, webhook
        QCOMPARE(zohoChart->seriesName(0), QStringLiteral("Total"));
        QCOMPARE(zohoChart->pointCount(0), OverviewWorker::kMinutes);
        QCOMPARE(page->zohoCallsChart()->limit(), 90.0);

        // Live: another server's counts arrive; the switch is turned off elsewhere.
        QVERIFY(StatsStore(redis).add(minute, {{QStringLiteral("finance"), counts(10, 10, 0, 0)}}).ok());
        {
            PgConnection connection(profile.pg);
            QVERIFY(SettingsRepository(connection).setCachingEnabled(false, QStringLiteral("tst_overviewpage")).ok());
        }
        QTRY_COMPARE_WITH_TIMEOUT(requests->text(), QStringLiteral("Requests: 50"), kTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(cachingTile->text().contains(QStringLiteral("OFF")), kTimeoutMs);
        QVERIFY(!cachingTile->text().contains(QStringLiteral("ON")));
        QCOMPARE(hitChart->pointCount(seriesIndex(hitChart, QStringLiteral("finance"))), 1);
        QCOMPARE(cell(table, QStringLiteral("finance"), 2), QStringLiteral("100.0 %"));
    }

    // Zoho's limit is per organisation: a sync and webhook re-fetches spend the same
    // budget as the reads, so the summary counts them all and the chart splits them.
    void zohoCallsCountEveryPurposeAgainstTheLimit()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("overviewbudget"), kBudgetDb);
        VERIFY_OK(scratch);
        const ConnectionProfile profile = (*scratch)->profile();
        RedisConnection redis(profile.redis);

        // This minute of the console's pinned clock: 2 reads (through the stats flush), 50
        // sync calls, 3 webhook re-fetches; two minutes ago a sync of 70 alone.
        const test::ManualEpochClock clock;
        const qint64 minute = clock.minute();
        VERIFY_OK(StatsStore(redis).add(minute, {{QStringLiteral("profile"), counts(4, 2, 0, 2)}}));
        VERIFY_OK(ZohoCallStore(redis).add(minute, ZohoCallPurpose::Sync, 50));
        VERIFY_OK(ZohoCallStore(redis).add(minute, ZohoCallPurpose::Webhook, 3));
        VERIFY_OK(ZohoCallStore(redis).add(minute - 2, ZohoCallPurpose::Sync, 70));

        test::ConsoleHarness console({clock.clock(), {}});
        console.setPagePollIntervalMs(100);  // live changes show at the next poll
        ui::MainWindow &window = console.window();
        window.show();
        window.setProfile(profile);
        window.showPage(ui::MainWindow::Page::Overview);
        ui::OverviewPage *page = window.overviewPage();
        QVERIFY(page);
        auto *zohoCalls = page->findChild<QLabel *>(QStringLiteral("zohoCallsLabel"));
        QVERIFY(zohoCalls);

        QTRY_VERIFY2_WITH_TIMEOUT(zohoCalls->text().contains(QStringLiteral("55 this minute, peak 70")),
                                  qPrintable(zohoCalls->text()), kTimeoutMs);
        QVERIFY2(zohoCalls->text().contains(QStringLiteral("read 2 · sync 50 · webhook 3")),
                 qPrintable(zohoCalls->text()));
        ui::TimeSeriesChart *chart = page->zohoCallsChart();
        QCOMPARE(chart->seriesCount(), 4);
        for (const QString &name : {QStringLiteral("Total"), QStringLiteral("Read"), QStringLiteral("Sync"),
                                    QStringLiteral("Webhook")}) {
            const int line = seriesIndex(chart, name);
            QVERIFY2(line >= 0, qPrintable(name));
            QCOMPARE(chart->pointCount(line), OverviewWorker::kMinutes);
        }

        // A webhook delivery elsewhere moves the total live.
        VERIFY_OK(ZohoCallStore(redis).add(minute, ZohoCallPurpose::Webhook, 10));
        QTRY_VERIFY2_WITH_TIMEOUT(zohoCalls->text().contains(QStringLiteral("65 this minute, peak 70")),
                                  qPrintable(zohoCalls->text()), kTimeoutMs);
        QVERIFY2(zohoCalls->text().contains(QStringLiteral("webhook 13")), qPrintable(zohoCalls->text()));
    }
};

QTEST_MAIN(TestOverviewPage)
#include "tst_overviewpage.moc"
