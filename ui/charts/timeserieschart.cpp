#include "charts/timeserieschart.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLineSeries>
#include <QPen>
#include <QResizeEvent>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace tiersync::ui {

TimeSeriesChart::TimeSeriesChart(const QString &title, const QString &valueAxisTitle, QWidget *parent)
    : QWidget(parent),
      m_chart(new QChart),
      m_view(new QChartView(m_chart, this)),
      m_timeAxis(new QDateTimeAxis(m_chart)),
      m_valueAxis(new QValueAxis(m_chart))
{
    m_view->setObjectName(QStringLiteral("chartView"));
    m_chart->setTitle(title);
    m_chart->setAnimationOptions(QChart::NoAnimation);  // redrawn every poll: animation would only lag
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_timeAxis->setFormat(QStringLiteral("HH:mm"));
    m_timeAxis->setTitleText(tr("Time (per minute)"));
    m_timeAxis->setTickCount(7);
    m_valueAxis->setTitleText(valueAxisTitle);
    m_valueAxis->setLabelFormat(QStringLiteral("%.0f"));
    m_valueAxis->setRange(0, 1);
    // A real range from the start: an axis first laid out on the default (empty) range
    // keeps its time labels hidden once data arrives.
    const qint64 nowMinuteMs = QDateTime::currentMSecsSinceEpoch() / 60000 * 60000;
    m_timeAxis->setRange(QDateTime::fromMSecsSinceEpoch(nowMinuteMs - 59 * 60000),
                         QDateTime::fromMSecsSinceEpoch(nowMinuteMs + 60000));
    m_chart->addAxis(m_timeAxis, Qt::AlignBottom);
    m_chart->addAxis(m_valueAxis, Qt::AlignLeft);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setMinimumHeight(220);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
}

TimeSeriesChart::~TimeSeriesChart() = default;

void TimeSeriesChart::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    // Ticks every 10, 15, 20 or 30 minutes of the hour, as many as the width holds.
    const int w = width();
    m_timeAxis->setTickCount(w >= 560 ? 7 : w >= 400 ? 5 : w >= 300 ? 4 : 3);
}

void TimeSeriesChart::setFixedRange(double yMin, double yMax)
{
    m_fixedMin = yMin;
    m_fixedMax = yMax;
    if (yMax > yMin)
        m_valueAxis->setRange(yMin, yMax);
}

void TimeSeriesChart::setLimit(double value, const QString &limitName)
{
    m_limit = value;
    m_limitName = limitName;
}

QString TimeSeriesChart::seriesName(int index) const
{
    return index >= 0 && index < m_lines.size() ? m_lines.at(index)->name() : QString();
}

int TimeSeriesChart::pointCount(int index) const
{
    return index >= 0 && index < m_lines.size() ? int(m_lines.at(index)->count()) : 0;
}

void TimeSeriesChart::setSeries(qint64 firstEpochMinute, const QList<Series> &series)
{
    // Reuse the line objects when the names match (the usual poll): no flicker, stable colours.
    bool sameNames = series.size() == m_lines.size();
    for (int i = 0; sameNames && i < series.size(); ++i)
        sameNames = m_lines.at(i)->name() == series.at(i).name;
    if (!sameNames) {
        for (QLineSeries *line : std::as_const(m_lines)) {
            m_chart->removeSeries(line);
            delete line;
        }
        m_lines.clear();
        for (const Series &s : series) {
            auto *line = new QLineSeries(m_chart);
            line->setName(s.name);
            m_chart->addSeries(line);
            line->attachAxis(m_timeAxis);
            line->attachAxis(m_valueAxis);
            m_lines.append(line);
        }
    }
    const qint64 firstMs = firstEpochMinute * 60000;
    double maxValue = 0.0;
    int points = 0;
    for (int i = 0; i < series.size(); ++i) {
        QList<QPointF> xy;
        xy.reserve(series.at(i).values.size());
        for (int m = 0; m < series.at(i).values.size(); ++m) {
            const double value = series.at(i).values.at(m);
            if (std::isnan(value))
                continue;  // no data that minute: no point (the line joins its neighbours)
            xy.append(QPointF(double(firstMs + qint64(m) * 60000), value));
            maxValue = std::max(maxValue, value);
        }
        points = std::max(points, int(series.at(i).values.size()));
        m_lines.at(i)->replace(xy);
    }

    if (m_limit > 0) {
        if (!m_limitLine) {
            m_limitLine = new QLineSeries(m_chart);
            QPen pen(QColor(0xc0, 0x39, 0x2b));
            pen.setStyle(Qt::DashLine);
            pen.setWidth(2);
            m_limitLine->setPen(pen);
            m_chart->addSeries(m_limitLine);
            m_limitLine->attachAxis(m_timeAxis);
            m_limitLine->attachAxis(m_valueAxis);
        }
        m_limitLine->setName(m_limitName);
        const double lastMs = double(firstMs + qint64(std::max(points, 1)) * 60000);
        m_limitLine->replace({QPointF(double(firstMs), m_limit), QPointF(lastMs, m_limit)});
        maxValue = std::max(maxValue, m_limit);
    } else if (m_limitLine) {
        m_chart->removeSeries(m_limitLine);
        delete m_limitLine;
        m_limitLine = nullptr;
    }

    // One minute past the last point: an hour spans 60 minutes, so the ticks fall every 10.
    const qint64 lastMs = firstMs + qint64(std::max(points, 1)) * 60000;
    m_timeAxis->setRange(QDateTime::fromMSecsSinceEpoch(firstMs), QDateTime::fromMSecsSinceEpoch(lastMs));
    if (m_fixedMax <= m_fixedMin) {
        // A little headroom, rounded up to a readable number.
        const double top = std::max(1.0, std::ceil(maxValue * 1.15));
        m_valueAxis->setRange(0, top);
        m_valueAxis->applyNiceNumbers();
    }
}

}  // namespace tiersync::ui
