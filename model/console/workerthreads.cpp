#include "console/workerthreads.h"

#include <QThread>

namespace tiersync {

WorkerThreads::WorkerThreads(QObject *parent) : QObject(parent) {}

WorkerThreads::~WorkerThreads()
{
    stopAll();
}

void WorkerThreads::adopt(QObject *worker, const QString &threadName)
{
    Q_ASSERT(!worker->parent());
    auto *thread = new QThread(this);
    thread->setObjectName(threadName);
    worker->moveToThread(thread);
    // Deleted on its own thread, after its event loop stopped: a worker's Redis or
    // PostgreSQL connection is closed by the thread that used it.
    connect(thread, &QThread::finished, worker, &QObject::deleteLater);
    m_threads.append(thread);
    thread->start();
}

void WorkerThreads::stopAll()
{
    for (QThread *thread : std::as_const(m_threads))
        thread->quit();
    for (QThread *thread : std::as_const(m_threads)) {
        thread->wait();
        delete thread;
    }
    m_threads.clear();
}

}  // namespace tiersync
