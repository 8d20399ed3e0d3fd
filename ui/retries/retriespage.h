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
class RetryLogWorker;
struct RetryLogUpdate;
}  // namespace tiersync

namespace tiersync::ui {

class PagePoller;
class TimeSeriesChart;

// The live retry log: every failed Zoho attempt any engine stored (retry_events),
// newest first, filterable by target text, error class and outcome; the retries per
// minute of the last hour; and the circuit breaker of every running engine instance
// (their heartbeats). While the page is visible it asks the worker every kPollIntervalMs
// (PagePoller) for events newer than the last it saw; the page only renders. The worker
// may be null: the page stays idle.
class RetriesPage final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RetriesPage)

public:
    static constexpr int kPollIntervalMs = 1000;

    explicit RetriesPage(RetryLogWorker *worker, QWidget *parent = nullptr);
    ~RetriesPage() override;

    void setProfile(const tiersync::ConnectionProfile &profile);
    void refresh();

    [[nodiscard]] RetryEventModel *eventModel() const { return m_model; }
    [[nodiscard]] RetryEventFilterModel *filterModel() const { return m_filter; }
    [[nodiscard]] TimeSeriesChart *retriesChart() const { return m_chart; }

Q_SIGNALS:
    void profileChanged(const tiersync::ConnectionProfile &profile);
    void refreshRequested();

private:
    void onLoaded(const tiersync::RetryLogUpdate &update);
    void showInstances(const tiersync::RetryLogUpdate &update);
    void updateCount();

    RetryLogWorker *m_worker;
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
