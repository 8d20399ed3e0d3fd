#pragma once

#include "core/connectionprofile.h"

#include <QWidget>

class QLabel;
class QTableWidget;

namespace tiersync {
class StatisticsService;
struct OverviewSnapshot;
}  // namespace tiersync

namespace tiersync::ui {

class PagePoller;
class StatusTile;
class TierDonutChart;
class TimeSeriesChart;
class ZohoBudgetPanel;

// What every running server is doing, live: connection tiles (Redis, PostgreSQL, the
// Zoho circuit of each engine instance, the caching switch), the per-endpoint hit rate
// of the last hour per minute, the organisation's Zoho calls per minute (total, and
// read / sync / webhook lines) against the rate limit, the organisation's shared Zoho
// budget (ZohoBudgetPanel: per family and per instance, the token's age), the served-by-tier breakdown
// and p50/p99 latency per endpoint. While the page is visible it
// asks the statistics service every kPollIntervalMs (PagePoller) and only renders its
// snapshots. The service may be null (tests of other pages): the page then stays idle.
class OverviewPage final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OverviewPage)

public:
    static constexpr int kPollIntervalMs = 2000;

    explicit OverviewPage(StatisticsService *service, QWidget *parent = nullptr);
    ~OverviewPage() override;

    void setProfile(const tiersync::ConnectionProfile &profile);
    void refresh();

    [[nodiscard]] TimeSeriesChart *hitRateChart() const { return m_hitRateChart; }
    [[nodiscard]] TimeSeriesChart *zohoCallsChart() const { return m_zohoChart; }
    [[nodiscard]] TierDonutChart *tierChart() const { return m_tierChart; }
    [[nodiscard]] ZohoBudgetPanel *budgetPanel() const { return m_budget; }

private:
    void onLoaded(const tiersync::OverviewSnapshot &snapshot);
    void showTiles(const tiersync::OverviewSnapshot &snapshot);
    void showTraffic(const tiersync::OverviewSnapshot &snapshot);

    StatisticsService *m_service;
    StatusTile *m_redisTile;
    StatusTile *m_pgTile;
    StatusTile *m_zohoTile;
    StatusTile *m_cachingTile;
    QLabel *m_hitRate;
    QLabel *m_requests;
    QLabel *m_coalesced;
    QLabel *m_stale;
    QLabel *m_zohoCalls;
    QLabel *m_updated;
    ZohoBudgetPanel *m_budget;
    TimeSeriesChart *m_hitRateChart;
    TimeSeriesChart *m_zohoChart;
    TierDonutChart *m_tierChart;
    QTableWidget *m_endpoints;
    PagePoller *m_poller;
};

}  // namespace tiersync::ui
