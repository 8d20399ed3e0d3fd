#pragma once

#include "core/connectionprofile.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;
class QTableWidget;

namespace tiersync {
class RetryEventFilterModel;
class RetryEventModel;
class StatisticsService;
struct RetryLogUpdate;
}  // namespace tiersync

namespace tiersync::ui {

class PagePoller;
class TimeSeriesChart;

// The live retry log: every failed Zoho attempt any engine stored (retry_events),
// newest first, filterable by target text, error class and outcome; the retries per
// minute of the last hour; and the circuit breaker of every running engine instance
// (their heartbeats). While the page is visible it asks the statistics service every
// kPollIntervalMs (PagePoller) for events newer than the last it saw; the page only
// renders. The service may be null: the page stays idle.
class RetriesPage final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RetriesPage)

public:
    static constexpr int kPollIntervalMs = 1000;

    explicit RetriesPage(StatisticsService *service, QWidget *parent = nullptr);
    ~RetriesPage() override;

    void setProfile(const tiersync::ConnectionProfile &profile);
    void refresh();

    [[nodiscard]] RetryEventModel *eventModel() const { return m_model; }
    [[nodiscard]] RetryEventFilterModel *filterModel() const { return m_filter; }
    [[nodiscard]] TimeSeriesChart *retriesChart() const { return m_chart; }

private:
    void onLoaded(const tiersync::RetryLogUpdate &update);
    void showInstances(const tiersync::RetryLogUpdate &update);
    void updateCount();

    StatisticsService *m_service;
    RetryEventModel *m_model;
    RetryEventFilterModel *m_filter;
    QLineEdit *m_targetFilter;
    QComboBox *m_errorClassFilter;
    QComboBox *m_outcomeFilter;
    QLabel *m_count;
    QTableView *m_events;
    TimeSeriesChart *m_chart;
    QTableWidget *m_circuits;
    QLabel *m_circuitSummary;
    QLabel *m_status;
    PagePoller *m_poller;
};

}  // namespace tiersync::ui
