#include "charts/tierdonutchart.h"

#include <QChart>
#include <QChartView>
#include <QPieSeries>
#include <QPieSlice>
#include <QVBoxLayout>

namespace tiersync::ui {

namespace {

// Tier colours, in the order the Overview lists them: redis, postgres, zoho, stale, errors.
const QList<QColor> kColours = {QColor(0x27, 0xae, 0x60), QColor(0x29, 0x80, 0xb9), QColor(0xf3, 0x9c, 0x12),
                                QColor(0x8e, 0x44, 0xad), QColor(0xc0, 0x39, 0x2b)};

}  // namespace

TierDonutChart::TierDonutChart(const QString &title, QWidget *parent)
    : QWidget(parent),
      m_chart(new QChart),
      m_view(new QChartView(m_chart, this)),
      m_series(new QPieSeries(m_chart))
{
    m_view->setObjectName(QStringLiteral("donutView"));
    m_chart->setTitle(title);
    m_chart->setAnimationOptions(QChart::NoAnimation);
    m_chart->legend()->setAlignment(Qt::AlignRight);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_series->setHoleSize(0.45);
    m_chart->addSeries(m_series);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setMinimumHeight(200);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
}

TierDonutChart::~TierDonutChart() = default;

void TierDonutChart::setCounts(const QList<QPair<QString, quint64>> &counts)
{
    m_counts = counts;
    quint64 total = 0;
    for (const auto &[label, count] : counts)
        total += count;
    if (m_series->count() != counts.size()) {
        m_series->clear();
        for (int i = 0; i < counts.size(); ++i) {
            auto *slice = m_series->append(counts.at(i).first, 0);
            slice->setColor(kColours.at(i % kColours.size()));
        }
    }
    const QList<QPieSlice *> slices = m_series->slices();
    for (int i = 0; i < counts.size(); ++i) {
        const auto &[label, count] = counts.at(i);
        const double share = total > 0 ? 100.0 * double(count) / double(total) : 0.0;
        slices.at(i)->setValue(double(count));
        // A narrow legend: name and share only (the page shows the counts).
        slices.at(i)->setLabel(tr("%1 %2 %").arg(label).arg(share, 0, 'f', 1));
    }
}

int TierDonutChart::sliceCount() const
{
    return int(m_series->count());
}

quint64 TierDonutChart::sliceValue(const QString &label) const
{
    for (const auto &[name, count] : m_counts) {
        if (name == label)
            return count;
    }
    return 0;
}

}  // namespace tiersync::ui
