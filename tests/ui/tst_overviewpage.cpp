#include "budget/rediszohobudget.h"
#include "budget/redistokenstore.h"
#include "budget/zoholimitsrepository.h"
#include "cache/instancestore.h"
#include "cache/statsstore.h"
#include "cache/zohocallstore.h"
#include "charts/tierdonutchart.h"
#include "charts/timeserieschart.h"
#include "console/overviewworker.h"
#include "consoleharness.h"
#include "manualepochclock.h"
#include "overview/overviewpage.h"
#include "overview/zohobudgetpanel.h"
#include "redis/redisconnection.h"
#include "scratchprofile.h"
#include "shell/mainwindow.h"
#include "store/pgconnection.h"
#include "store/settingsrepository.h"
#include "testsandbox.h"
#include "verifyok.h"

#include <QApplication>
#include <QLabel>
#include <QProgressBar>
#include <QTableWidget>
#include <QTest>

using namespace tiersync;

namespace {

// This test class's own Redis database: tests share the fixture's server.
constexpr int kDb = 61;
constexpr int kBudgetDb = 31;
constexpr int kSharedBudgetDb = 39;
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

ZohoBudgetRequest budgetRequest(ZohoApiFamily family, int credits = 1)
{
    ZohoBudgetRequest request;
    request.family = family;
    request.credits = credits;
    return request;
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
    // The organisation's shared budget as two processes left it in Redis, with the limits
    // of tiersync.zoho_limits and a token refreshed 12 minutes ago: exact figures per
    // family and per instance, the token's age and refresher, never the token.
    void showsTheSharedZohoBudget()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("overviewshared"), kSharedBudgetDb);
        VERIFY_OK(scratch);
        ConnectionProfile profile = (*scratch)->profile();
        profile.zoho.orgId = QStringLiteral("org-overviewpage");
        profile.zoho.clientId = QStringLiteral("client-overviewpage");
        profile.zoho.clientSecret = Secret(QStringLiteral("secret-overviewpage"));
        ZohoLimits limits;
        limits.books.perWindow = 10;
        limits.crm.perDay = 7000;
        {
            PgConnection connection(profile.pg);
            ZohoLimitsRepository repository(connection);
            auto rows = repository.rows();
            VERIFY_OK(rows);
            for (ZohoLimitsRepository::Row row : *rows) {
                row.limits = limits.of(row.family);
                VERIFY_OK(repository.save(row, QStringLiteral("tst_overviewpage")));
            }
        }

        const test::ManualEpochClock clock;
        const QString accessToken = QStringLiteral("1000.overview-page-access-token");
        QByteArray sealed;
        {
            RedisTokenStore::Options options;
            options.clock = clock.clock();
            options.owner = QStringLiteral("host-a:101");
            RedisTokenStore tokens(profile.redis, profile.zoho, options);
            auto ticket = tokens.beginRefresh(30000);
            VERIFY_OK(ticket);
            OAuthToken token;
            token.accessToken = Secret(accessToken);
            token.expiresInMs = 3540000;
            VERIFY_OK(tokens.finishRefresh(*ticket, token));
            auto record = RedisConnection(profile.redis).command({"GET", tokens.key()});
            VERIFY_OK(record);
            sealed = record->bytes().split('.').last();
        }
        clock.advance(12 * 60000);
        const auto budget = [&](const QString &id) {
            RedisZohoBudget::Options options;
            options.clock = clock.clock();
            options.instanceId = id;
            return std::make_unique<RedisZohoBudget>(profile.redis, profile.zoho, limits, options);
        };
        auto a = budget(QStringLiteral("host-a:101"));
        auto b = budget(QStringLiteral("host-b:202"));
        for (int i = 0; i < 3; ++i)
            QVERIFY(std::holds_alternative<ZohoBudget::Granted>(a->acquire(budgetRequest(ZohoApiFamily::Books))));
        QVERIFY(std::holds_alternative<ZohoBudget::Granted>(b->acquire(budgetRequest(ZohoApiFamily::Books))));
        QVERIFY(std::holds_alternative<ZohoBudget::Granted>(b->acquire(budgetRequest(ZohoApiFamily::Crm, 2))));
        Error spent = makeError(ErrorKind::RateLimited, QStringLiteral("daily limit"));
        spent.code = QStringLiteral("45");
        b->reportRejection(ZohoApiFamily::Books, spent, {});

        test::ConsoleHarness console({clock.clock(), {}});
        console.setPagePollIntervalMs(100);
        ui::MainWindow &window = console.window();
        window.resize(1500, 1000);
        window.show();
        window.setProfile(profile);
        window.showPage(ui::MainWindow::Page::Overview);
        ui::OverviewPage *page = window.overviewPage();
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
        QVERIFY(!text.contains(QString::fromLatin1(sealed.left(16))));
        if (const QByteArray shot = qgetenv("TIERSYNC_OVERVIEW_SHOT"); !shot.isEmpty()) {
            QTest::qWait(300);  // let the charts settle for a person looking at it
            QVERIFY(window.grab().save(QString::fromLocal8Bit(shot)));
        }

        // Live: twelve more minutes on; the calls leave the window, the token ages.
        clock.advance(12 * 60000);
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
