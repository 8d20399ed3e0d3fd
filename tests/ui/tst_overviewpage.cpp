// The Overview page against a fake StatisticsService, in the main window as the console
// composes it: no servers, no wall clock (every snapshot is stamped with a fixed "now",
// the page polls when the test asks). What the page is given is what the engine reads
// from the scenario each test describes; EngineStatisticsService itself is tested on
// the real servers by tst_statisticsservice, tst_overviewbudget and tst_zohocallbudget.
#include "cache/endpointregistry.h"
#include "cache/statsstore.h"
#include "charts/tierdonutchart.h"
#include "charts/timeserieschart.h"
#include "console/statisticsservice.h"
#include "pageconsole.h"
#include "fakestatisticsservice.h"
#include "overview/overviewpage.h"
#include "overview/zohobudgetpanel.h"
#include "shell/mainwindow.h"

#include <QApplication>
#include <QLabel>
#include <QProgressBar>
#include <QTableWidget>
#include <QTest>

using namespace tiersync;

namespace {

// 2024-06-11 14:45:30 UTC: "now" of every snapshot, in the middle of a minute.
constexpr qint64 kNowMs = 1718117130000;
constexpr int kMinutes = StatisticsService::kMinutes;
constexpr int kTimeoutMs = 5000;

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

// Every text a person (or a screen reader) can get from the widgets under root.
QString allText(QWidget *root)
{
    QStringList texts;
    for (QLabel *label : root->findChildren<QLabel *>())
        texts << label->text() << label->toolTip();
    for (QProgressBar *bar : root->findChildren<QProgressBar *>())
        texts << bar->text() << bar->toolTip();
    for (QTableWidget *table : root->findChildren<QTableWidget *>()) {
        for (int row = 0; row < table->rowCount(); ++row) {
            for (int column = 0; column < table->columnCount(); ++column) {
                if (table->item(row, column))
                    texts << table->item(row, column)->text() << table->item(row, column)->toolTip();
            }
        }
    }
    return texts.join(QLatin1Char('\n'));
}

int seriesIndex(ui::TimeSeriesChart *chart, const QString &name)
{
    for (int i = 0; i < chart->seriesCount(); ++i) {
        if (chart->seriesName(i) == name)
            return i;
    }
    return -1;
}



// What the engine reads at nowMs when every server answers and nothing was counted yet:
// every endpoint of the registry with an hour of empty minutes, caching on.
OverviewSnapshot emptySnapshot(qint64 nowMs)
{
    OverviewSnapshot snapshot;
    snapshot.takenAtMs = nowMs;
    snapshot.minutes = kMinutes;
    snapshot.firstMinute = StatsStore::epochMinute(nowMs) - kMinutes + 1;
    snapshot.redisOk = true;
    snapshot.redisLatencyMs = 1;
    snapshot.pgOk = true;
    snapshot.pgLatencyMs = 2;
    snapshot.cachingKnown = true;
    snapshot.cachingStored = true;
    for (const QString &name : EndpointRegistry::builtIn()->names())
        snapshot.endpoints.append({name, QList<StatsCounts>(kMinutes), {}});
    snapshot.zohoCalls = QList<ZohoCallCounts>(kMinutes);
    snapshot.zohoBudgetPerMinute = 100.0;  // Zoho's default for Books, when no engine reports one
    return snapshot;
}

// A server's counts for an endpoint, minutesAgo before the snapshot's minute, added as the
// shared statistics add them.
void add(OverviewSnapshot *snapshot, const QString &endpoint, int minutesAgo, const StatsCounts &added)
{
    for (OverviewSnapshot::Endpoint &e : snapshot->endpoints) {
        if (e.name == endpoint) {
            e.perMinute[kMinutes - 1 - minutesAgo] += added;
            e.total += added;
            return;
        }
    }
    QFAIL(qPrintable(QStringLiteral("no endpoint named %1").arg(endpoint)));
}

void addZohoCalls(OverviewSnapshot *snapshot, int minutesAgo, ZohoCallPurpose purpose, quint64 calls)
{
    snapshot->zohoCalls[kMinutes - 1 - minutesAgo].calls[size_t(purpose)] += calls;
}

// The Overview page in the main window, shown with a profile; its first poll asked.
struct Console {
    test::FakeStatisticsService statistics;
    std::unique_ptr<test::PageConsole> console;

    Console()
    {
        ui::ConsoleContext services;
        services.statistics = &statistics;
        console = std::make_unique<test::PageConsole>(services);
        console->parkPollTimers();
    }
    ui::MainWindow &window() { return console->window(); }
    ui::OverviewPage *page() { return window().overviewPage(); }
    void open()
    {
        ConnectionProfile profile;
        profile.name = QStringLiteral("test");
        console->open(ui::MainWindow::Page::Overview, profile);
        QCOMPARE(statistics.profiles.size(), 2);  // the Overview and Retries pages share the service
    }
    // The page's next poll, answered with this snapshot.
    void poll(const OverviewSnapshot &snapshot)
    {
        page()->refresh();
        QCOMPARE(statistics.answerOverview(snapshot), 1);
    }
};

}  // namespace

class TestOverviewPage final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void showsWhatEveryServerServesLive()
    {
        // Two servers' counts in this minute, one more three minutes ago; one instance
        // with an open circuit and a budget of 90 calls a minute.
        OverviewSnapshot snapshot = emptySnapshot(kNowMs);
        add(&snapshot, QStringLiteral("profile"), 0, counts(10, 7, 1, 1));
        add(&snapshot, QStringLiteral("profile"), 0, counts(10, 7, 1, 2));
        add(&snapshot, QStringLiteral("profile"), 3, counts(20, 16, 0, 4));
        InstanceHeartbeat server;
        server.host = QStringLiteral("server-a");
        server.pid = 1234;
        server.circuit = QStringLiteral("open");
        server.zohoInFlight = 2;
        server.zohoRequestsPerMinute = 90;
        server.lastSeenMs = kNowMs;
        snapshot.instances = {server};
        snapshot.zohoBudgetPerMinute = 90.0;  // the instance's, above the organisation's default

        Console console;
        console.open();
        QCOMPARE(console.statistics.overviewLoads, 1);  // shown with a profile: asked at once
        QCOMPARE(console.statistics.answerOverview(snapshot), 1);

        ui::OverviewPage *page = console.page();
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
        QCOMPARE(zohoChart->pointCount(0), kMinutes);
        QCOMPARE(page->zohoCallsChart()->limit(), 90.0);

        // Live: another server's counts arrive; the switch is turned off elsewhere. The
        // next poll shows both.
        add(&snapshot, QStringLiteral("finance"), 0, counts(10, 10, 0, 0));
        snapshot.cachingStored = false;
        console.poll(snapshot);
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
        // This minute: 2 reads (through the stats flush), 50 sync calls, 3 webhook
        // re-fetches; two minutes ago a sync of 70 alone.
        OverviewSnapshot snapshot = emptySnapshot(kNowMs);
        add(&snapshot, QStringLiteral("profile"), 0, counts(4, 2, 0, 2));
        addZohoCalls(&snapshot, 0, ZohoCallPurpose::Sync, 50);
        addZohoCalls(&snapshot, 0, ZohoCallPurpose::Webhook, 3);
        addZohoCalls(&snapshot, 2, ZohoCallPurpose::Sync, 70);

        Console console;
        console.open();
        QCOMPARE(console.statistics.answerOverview(snapshot), 1);
        ui::OverviewPage *page = console.page();
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
            QCOMPARE(chart->pointCount(line), kMinutes);
        }

        // A webhook delivery elsewhere moves the total at the next poll.
        addZohoCalls(&snapshot, 0, ZohoCallPurpose::Webhook, 10);
        console.poll(snapshot);
        QTRY_VERIFY2_WITH_TIMEOUT(zohoCalls->text().contains(QStringLiteral("65 this minute, peak 70")),
                                  qPrintable(zohoCalls->text()), kTimeoutMs);
        QVERIFY2(zohoCalls->text().contains(QStringLiteral("webhook 13")), qPrintable(zohoCalls->text()));
    }
    // The organisation's shared budget as two processes left it in Redis, with the limits
    // of tiersync.zoho_limits and a token refreshed 12 minutes ago: exact figures per
    // family and per instance, the token's age and refresher, never the token.
    void showsTheSharedZohoBudget()
    {
        // Two processes spent from the organisation's budget with the limits of
        // tiersync.zoho_limits (Books 10 a minute, CRM 7,000 credits a day): host-a three
        // Books calls still in flight, host-b one Books call and a CRM call of 2 credits;
        // Zoho halted Books for the day (its code 45); host-a refreshed the token 12
        // minutes ago. No engine reports a rate of its own.
        const QString accessToken = QStringLiteral("1000.overview-page-access-token");
        const qint64 refreshedAtMs = kNowMs;
        const qint64 nowMs = refreshedAtMs + 12 * 60000;
        const qint64 midnightMs = (nowMs / 86400000 + 1) * 86400000;
        OverviewSnapshot snapshot = emptySnapshot(nowMs);
        snapshot.zohoBudgetPerMinute = 10.0;
        snapshot.budgetKnown = true;
        ZohoBudgetUsage &usage = snapshot.budget;
        usage.totals.mode = ZohoBudgetMode::Shared;
        usage.totals.atMs = nowMs;
        ZohoBudgetFamilySnapshot &books = usage.totals.families[size_t(ZohoApiFamily::Books)];
        books = {4, 10, 4, 5, 4, 1000, midnightMs, 0, QStringLiteral("Zoho answered 45")};
        usage.totals.families[size_t(ZohoApiFamily::Inventory)] = {0, 100, 0, 5, 0, 1000, 0, 0, {}};
        usage.totals.families[size_t(ZohoApiFamily::Crm)] = {1, 1000, 1, 10, 2, 7000, 0, 0, {}};
        usage.liveInstances = 2;
        usage.instances = {{QStringLiteral("host-a:101"), nowMs, {3, 0, 0}, {3, 0, 0}},
                           {QStringLiteral("host-b:202"), nowMs, {1, 0, 1}, {1, 0, 1}}};
        usage.token = {true, refreshedAtMs, refreshedAtMs + 3540000, QStringLiteral("host-a:101"), {}};

        Console console;
        ui::MainWindow &window = console.window();
        window.resize(1500, 1000);
        console.open();
        QCOMPARE(console.statistics.answerOverview(snapshot), 1);
        ui::OverviewPage *page = console.page();
        QVERIFY(page && page->budgetPanel());
        ui::ZohoBudgetPanel *panel = page->budgetPanel();
        auto *token = panel->findChild<QLabel *>(QStringLiteral("budgetTokenLabel"));
        auto *summary = panel->findChild<QLabel *>(QStringLiteral("budgetSummaryLabel"));
        auto *booksMinute = panel->findChild<QProgressBar *>(QStringLiteral("budgetBooksMinute"));
        auto *booksInFlight = panel->findChild<QLabel *>(QStringLiteral("budgetBooksInFlight"));
        auto *booksDay = panel->findChild<QProgressBar *>(QStringLiteral("budgetBooksDay"));
        auto *booksState = panel->findChild<QLabel *>(QStringLiteral("budgetBooksState"));
        auto *crmMinute = panel->findChild<QProgressBar *>(QStringLiteral("budgetCrmMinute"));
        auto *crmDay = panel->findChild<QProgressBar *>(QStringLiteral("budgetCrmDay"));
        auto *crmState = panel->findChild<QLabel *>(QStringLiteral("budgetCrmState"));
        auto *table = panel->findChild<QTableWidget *>(QStringLiteral("budgetInstanceTable"));
        QVERIFY(token && summary && booksMinute && booksInFlight && booksDay && booksState && crmMinute && crmDay
                && crmState && table);

        QTRY_COMPARE_WITH_TIMEOUT(booksMinute->text(), QStringLiteral("4 / 10"), kTimeoutMs);
        QCOMPARE(booksInFlight->text(), QStringLiteral("4 / 5"));
        QCOMPARE(booksDay->text(), QStringLiteral("4 / 1000"));
        QVERIFY2(booksState->text().startsWith(QLatin1String("Halted until")), qPrintable(booksState->text()));
        QVERIFY2(booksState->text().contains(QLatin1String("45")), qPrintable(booksState->text()));
        QCOMPARE(crmMinute->text(), QStringLiteral("1 / 1000"));
        QCOMPARE(crmDay->text(), QStringLiteral("2 / 7000"));
        QCOMPARE(crmState->text(), QStringLiteral("OK"));
        QCOMPARE(token->text(), QStringLiteral("Token: refreshed 12 min ago by host-a:101 · expires in 47 min"));
        QVERIFY2(summary->text().startsWith(QLatin1String("2 live instances")), qPrintable(summary->text()));
        auto *zohoCalls = page->findChild<QLabel *>(QStringLiteral("zohoCallsLabel"));
        QVERIFY2(zohoCalls && zohoCalls->text().contains(QLatin1String("limit 10/min")), qPrintable(zohoCalls->text()));

        using Column = ui::ZohoBudgetPanel::InstanceColumn;
        QCOMPARE(table->rowCount(), 3);
        QCOMPARE(cell(table, QStringLiteral("host-a:101"), Column::BooksColumn), QStringLiteral("3"));
        QCOMPARE(cell(table, QStringLiteral("host-a:101"), Column::CrmColumn), QStringLiteral("0"));
        QCOMPARE(cell(table, QStringLiteral("host-a:101"), Column::InFlightColumn), QStringLiteral("3"));
        QCOMPARE(cell(table, QStringLiteral("host-a:101"), Column::LastCallColumn), QStringLiteral("0 s ago"));
        QCOMPARE(cell(table, QStringLiteral("host-b:202"), Column::BooksColumn), QStringLiteral("1"));
        QCOMPARE(cell(table, QStringLiteral("host-b:202"), Column::CrmColumn), QStringLiteral("1"));
        QCOMPARE(cell(table, QStringLiteral("host-b:202"), Column::InFlightColumn), QStringLiteral("2"));
        QCOMPARE(cell(table, QStringLiteral("Total"), Column::BooksColumn), QStringLiteral("4"));
        QCOMPARE(cell(table, QStringLiteral("Total"), Column::InFlightColumn), QStringLiteral("5"));
        QCOMPARE(rowOf(table, QStringLiteral("host-a:101")), 0);  // the busiest first (6 against 4)
        QCOMPARE(rowOf(table, QStringLiteral("Total")), 2);

        const QString text = allText(&window);
        QVERIFY(!text.contains(accessToken));
        if (const QByteArray shot = qgetenv("TIERSYNC_OVERVIEW_SHOT"); !shot.isEmpty()) {
            QTest::qWait(300);  // let the charts settle for a person looking at it
            QVERIFY(window.grab().save(QString::fromLocal8Bit(shot)));
        }

        // Live: twelve more minutes on; the calls leave the window (the leases held expired
        // too), the token ages, the day keeps its count.
        snapshot.takenAtMs = usage.totals.atMs = nowMs + 12 * 60000;
        for (ZohoBudgetFamilySnapshot &family : usage.totals.families)
            family.windowUsed = family.inFlight = 0;
        usage.liveInstances = 0;
        usage.instances.clear();
        console.poll(snapshot);
        QTRY_COMPARE_WITH_TIMEOUT(booksMinute->text(), QStringLiteral("0 / 10"), kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(token->text(),
                                  QStringLiteral("Token: refreshed 24 min ago by host-a:101 · expires in 35 min"),
                                  kTimeoutMs);
        QCOMPARE(booksDay->text(), QStringLiteral("4 / 1000"));
    }

    // What the panel says when there is nothing to show yet or it cannot know.
    void budgetPanelSaysWhatIsMissing()
    {
        ui::ZohoBudgetPanel panel;
        auto *token = panel.findChild<QLabel *>(QStringLiteral("budgetTokenLabel"));
        auto *summary = panel.findChild<QLabel *>(QStringLiteral("budgetSummaryLabel"));
        auto *paused = panel.findChild<QLabel *>(QStringLiteral("budgetInventoryState"));
        auto *inventoryDay = panel.findChild<QProgressBar *>(QStringLiteral("budgetInventoryDay"));
        auto *table = panel.findChild<QTableWidget *>(QStringLiteral("budgetInstanceTable"));
        QVERIFY(token && summary && paused && inventoryDay && table);

        OverviewSnapshot snapshot;
        snapshot.budgetKnown = true;
        snapshot.budgetLimitsMessage = QStringLiteral("Zoho's default limits: PostgreSQL could not be read");
        snapshot.budget.totals.atMs = 1718117130000;
        ZohoBudgetFamilySnapshot &inventory = snapshot.budget.totals.families[size_t(ZohoApiFamily::Inventory)];
        inventory.windowUsed = 100;
        inventory.windowLimit = 100;
        inventory.dayUsed = 7;
        inventory.dayLimit = 0;
        inventory.pausedUntilMs = 1718117131000;
        snapshot.budget.otherWindowUsed[size_t(ZohoApiFamily::Inventory)] = 100;
        InstanceHeartbeat cut;
        cut.zohoBudgetMode = QStringLiteral("fallback");
        snapshot.instances << cut << InstanceHeartbeat{};
        panel.showSnapshot(snapshot);
        QVERIFY2(summary->text().contains(QStringLiteral("1 on its own share (cannot reach Redis)")),
                 qPrintable(summary->text()));
        QCOMPARE(token->text(), QStringLiteral("Token: no token yet — the first Zoho call refreshes it"));
        QVERIFY2(summary->text().endsWith(QStringLiteral("· Zoho's default limits: PostgreSQL could not be read")),
                 qPrintable(summary->text()));
        QVERIFY2(paused->text().startsWith(QLatin1String("Paused until")), qPrintable(paused->text()));
        QCOMPARE(inventoryDay->text(), QStringLiteral("7 (no daily limit)"));
        QCOMPARE(table->rowCount(), 2);  // the 44 padding, the total
        QCOMPARE(cell(table, QStringLiteral("(window filled after Zoho's 44)"),
                      ui::ZohoBudgetPanel::InventoryColumn), QStringLiteral("100"));

        snapshot.budget.token.problem = QStringLiteral("shared token record: unknown version");
        panel.showSnapshot(snapshot);
        QCOMPARE(token->text(), QStringLiteral("Token: unreadable record (shared token record: unknown version)"));

        snapshot.budgetKnown = false;
        snapshot.budgetMessage = QStringLiteral("Redis refused the connection");
        panel.showSnapshot(snapshot);
        QCOMPARE(summary->text(), QStringLiteral("Budget unknown: Redis refused the connection"));
        QCOMPARE(paused->text().left(12), QStringLiteral("Paused until"));  // the last figures stay
    }
};

QTEST_MAIN(TestOverviewPage)
#include "tst_overviewpage.moc"
