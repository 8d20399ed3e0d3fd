#include "common/pagepoller.h"

#include <QEvent>
#include <QTimer>
#include <QWidget>

namespace tiersync::ui {

PagePoller::PagePoller(QWidget *page, int intervalMs, const QString &timerObjectName, std::function<void()> request)
    : QObject(page),
      m_page(page),
      m_timer(new QTimer(this)),
      m_request(std::move(request))
{
    m_timer->setObjectName(timerObjectName);
    m_timer->setInterval(intervalMs);
    connect(m_timer, &QTimer::timeout, this, &PagePoller::poll);
    m_page->installEventFilter(this);
}

PagePoller::~PagePoller() = default;

void PagePoller::start()
{
    m_started = true;
    m_inFlight = false;
    if (pageVisible())
        m_timer->start();
    poll();
}

void PagePoller::poll()
{
    if (!m_started || m_inFlight || !pageVisible())
        return;
    m_inFlight = true;
    m_request();
}

void PagePoller::finished()
{
    m_inFlight = false;
}

bool PagePoller::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_page && m_started) {
        if (event->type() == QEvent::Show) {
            m_timer->start();
            poll();
        } else if (event->type() == QEvent::Hide) {
            m_timer->stop();
        }
    }
    return QObject::eventFilter(watched, event);
}

bool PagePoller::pageVisible() const
{
    // isVisible, not isHidden: a page on a window that is not shown is not visible either.
    return m_page->isVisible();
}

}  // namespace tiersync::ui
