#include "console/servicethread.h"

#include <QCoreApplication>
#include <QObject>
#include <QThread>

#include <utility>

namespace tiersync {

ServiceThread::ServiceThread(const QString &name) : m_thread(std::make_unique<QThread>())
{
    m_thread->setObjectName(name);
    m_thread->start();
}

ServiceThread::~ServiceThread()
{
    stop();
}

void ServiceThread::stop()
{
    if (!m_thread->isRunning())
        return;
    m_thread->quit();
    m_thread->wait();
}

bool ServiceThread::isRunning() const
{
    return m_thread->isRunning();
}

ServiceLane::ServiceLane(std::shared_ptr<ServiceThread> thread)
    : m_thread(std::move(thread)), m_context(new QObject)
{
    m_context->moveToThread(m_thread->thread());
}

ServiceLane::~ServiceLane()
{
    close();
}

void ServiceLane::post(std::function<void()> job)
{
    if (m_context && m_thread->isRunning())
        QMetaObject::invokeMethod(m_context, std::move(job), Qt::QueuedConnection);
}

void ServiceLane::close()
{
    if (!m_context)
        return;
    QObject *context = std::exchange(m_context, nullptr);
    QCoreApplication::removePostedEvents(context);  // the lane's jobs not begun
    if (m_thread->isRunning() && QThread::currentThread() != m_thread->thread()) {
        // Runs once the job in progress (of any lane) has ended.
        QMetaObject::invokeMethod(context, [context] { delete context; }, Qt::BlockingQueuedConnection);
    } else {
        delete context;  // the thread has ended (or this is it): no job of ours is running
    }
}

}  // namespace tiersync
