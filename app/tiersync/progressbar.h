#pragma once

#include <QElapsedTimer>
#include <QString>

namespace tiersync::cli {

// A one-line progress bar on stderr, drawn only when stderr is a terminal (so logs,
// pipes and --json consumers never see control characters). Redrawn at most every
// 100 ms; total < 0 shows a count without a bar.
class ProgressBar final {
public:
    explicit ProgressBar(QString label);
    ~ProgressBar();
    Q_DISABLE_COPY_MOVE(ProgressBar)

    [[nodiscard]] bool enabled() const { return m_enabled; }
    void update(qint64 done, qint64 total, double ratePerSecond = -1);
    // Draws the final state and ends the line.
    void finish();

private:
    void draw();

    QString m_label;
    bool m_enabled;
    bool m_drawn = false;
    qint64 m_done = 0;
    qint64 m_total = -1;
    double m_rate = -1;
    QElapsedTimer m_sinceDraw;
};

}  // namespace tiersync::cli
