#pragma once

#include <QList>
#include <QString>
#include <QWidget>

class QChart;
class QChartView;
class QDateTimeAxis;
class QLineSeries;
class QResizeEvent;
class QValueAxis;

namespace tiersync::ui {

// A titled line chart of per-minute values (one line per named series) over clock
// time, with an optional horizontal limit line (e.g. the Zoho rate limit). The only
// place besides TierDonutChart that knows Qt Charts (STYLE.md: Charts stays behind
// ui/charts/ so a move to Qt Graphs touches one folder).
class TimeSeriesChart final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TimeSeriesChart)

public:
    struct Series {
        QString name;
        QList<double> values;  // one per minute from firstMinute, oldest first; NaN: no point
    };

    TimeSeriesChart(const QString &title, const QString &valueAxisTitle, QWidget *parent = nullptr);
    ~TimeSeriesChart() override;

    // yMax <= 0: scale to the data (and the limit).
    void setFixedRange(double yMin, double yMax);
    // Shown as a dashed line named limitName; a value <= 0 hides it.
    void setLimit(double value, const QString &limitName);
    // Replaces every line. Series keep their colours across calls when their names stay.
    void setSeries(qint64 firstEpochMinute, const QList<Series> &series);

    [[nodiscard]] int seriesCount() const { return int(m_lines.size()); }
    [[nodiscard]] QString seriesName(int index) const;
    [[nodiscard]] int pointCount(int index) const;
    [[nodiscard]] double limit() const { return m_limit; }

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    QChart *m_chart;
    QChartView *m_view;
    QDateTimeAxis *m_timeAxis;
    QValueAxis *m_valueAxis;
    QList<QLineSeries *> m_lines;
    QLineSeries *m_limitLine = nullptr;
    double m_limit = 0.0;
    QString m_limitName;
    double m_fixedMin = 0.0;
    double m_fixedMax = 0.0;
};

}  // namespace tiersync::ui
