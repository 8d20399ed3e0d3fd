#pragma once

#include <QList>
#include <QPair>
#include <QString>
#include <QWidget>

class QChart;
class QChartView;
class QPieSeries;

namespace tiersync::ui {

// A titled donut of counts by category (the Overview's served-by-tier breakdown).
// Slices keep their order and colours; a zero count shows as an empty slice.
class TierDonutChart final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TierDonutChart)

public:
    explicit TierDonutChart(const QString &title, QWidget *parent = nullptr);
    ~TierDonutChart() override;

    void setCounts(const QList<QPair<QString, quint64>> &counts);

    [[nodiscard]] int sliceCount() const;
    [[nodiscard]] quint64 sliceValue(const QString &label) const;

private:
    QChart *m_chart;
    QChartView *m_view;
    QPieSeries *m_series;
    QList<QPair<QString, quint64>> m_counts;
};

}  // namespace tiersync::ui
