#include "progressbar.h"

#include <QTextStream>

#include <cstdio>
#include <unistd.h>

namespace tiersync::cli {

ProgressBar::ProgressBar(QString label)
    : m_label(std::move(label))
    , m_enabled(isatty(fileno(stderr)) == 1)
{
}

ProgressBar::~ProgressBar()
{
    finish();
}

void ProgressBar::update(qint64 done, qint64 total, double ratePerSecond)
{
    m_done = done;
    m_total = total;
    m_rate = ratePerSecond;
    if (!m_enabled || (m_sinceDraw.isValid() && m_sinceDraw.elapsed() < 100))
        return;
    draw();
}

void ProgressBar::draw()
{
    constexpr int kWidth = 30;
    QString line = m_label + QLatin1Char(' ');
    if (m_total > 0) {
        const qint64 shown = std::min(m_done, m_total);
        const int filled = int(kWidth * shown / m_total);
        line += QLatin1Char('[') + QString(filled, QLatin1Char('#')) + QString(kWidth - filled, QLatin1Char(' '))
                + QStringLiteral("] %1/%2").arg(m_done).arg(m_total);
    } else {
        line += QString::number(m_done);
    }
    if (m_rate >= 0)
        line += QStringLiteral("  %1/s").arg(qint64(m_rate));
    QTextStream(stderr) << "\r\033[K" << line << Qt::flush;
    m_drawn = true;
    m_sinceDraw.start();
}

void ProgressBar::finish()
{
    if (!m_enabled || (!m_drawn && m_done == 0))
        return;
    draw();
    QTextStream(stderr) << '\n' << Qt::flush;
    m_enabled = false;
}

}  // namespace tiersync::cli
