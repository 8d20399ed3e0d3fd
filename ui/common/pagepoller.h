#pragma once

#include <QObject>

#include <functional>

class QTimer;
class QWidget;

namespace tiersync::ui {

// Polls a worker on behalf of a page: every intervalMs, never more than one request in
// flight (a slow server must not pile requests up on the worker), and only while the
// page is visible — a hidden page stops hitting Redis and PostgreSQL, and asks once at
// once when it is shown again. The page calls start() when it has a profile, finished()
// when the worker's answer lands; request emits the page's queued signal to the worker.
class PagePoller final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PagePoller)

public:
    // The timer is named timerObjectName so tests can find it.
    PagePoller(QWidget *page, int intervalMs, const QString &timerObjectName, std::function<void()> request);
    ~PagePoller() override;

    // Begins polling (again, for a new profile): a request for the old profile may still
    // be running, so it is not waited for; one goes out now if the page is visible.
    void start();
    // One request, unless one is in flight, start() was never called or the page is hidden.
    void poll();
    // The answer to the request in flight has landed.
    void finished();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    [[nodiscard]] bool pageVisible() const;

    QWidget *m_page;
    QTimer *m_timer;
    std::function<void()> m_request;
    bool m_started = false;
    bool m_inFlight = false;
};

}  // namespace tiersync::ui
