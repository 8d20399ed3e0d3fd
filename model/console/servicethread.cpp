#include "console/servicethread.h"

#include <QMutex>
#include <QObject>
#include <QThread>

namespace tiersync {

ServiceThread::ServiceThread(const QString &name) : m_thread(std::make_unique<QThread>()), m_context(new QObject)
{
    m_thread->setObjectName(name);
    m_context->moveToThread(m_thread.get());
    m_thread->start();
}

ServiceThread::~ServiceThread()
{
    stop();
    delete m_context;  // its thread has ended: no job of it is running
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

void ServiceThread::post(std::function<void()> job)
{
    if (m_thread->isRunning())
        QMetaObject::invokeMethod(m_context, std::move(job), Qt::QueuedConnection);
}

// A lane's jobs hold `running` while they run and do nothing once the lane is closed;
// close() marks it closed, then takes `running` to wait for the job in progress, if any.
struct ServiceLane::State {
    QMutex running;
    mutable QMutex flag;  // guards closed (a mutex: GCC 12 misreads an atomic here)
    bool closed = false;

    [[nodiscard]] bool isClosed() const
    {
        QMutexLocker lock(&flag);
        return closed;
    }
};

ServiceLane::ServiceLane(std::shared_ptr<ServiceThread> thread)
    : m_thread(std::move(thread)), m_state(std::make_shared<State>())
{
}

ServiceLane::~ServiceLane()
{
    close();
}

void ServiceLane::post(std::function<void()> job)
{
    if (m_state->isClosed())
        return;
    m_thread->post([state = m_state, job = std::move(job)] {
        QMutexLocker lock(&state->running);
        if (!state->isClosed())
            job();
    });
}

void ServiceLane::close()
{
    {
        QMutexLocker lock(&m_state->flag);
        m_state->closed = true;
    }
    QMutexLocker lock(&m_state->running);  // waits for this lane's job in progress, if any
}

}  // namespace tiersync
