#pragma once

#include <QList>
#include <QObject>
#include <QString>

class QThread;

namespace tiersync {

// The console's worker threads: each adopted worker gets its own QThread, is moved
// there, and is deleted on that thread when it ends. stopAll() (and the destructor)
// quit every thread and join it, so nothing outlives the window.
class WorkerThreads final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WorkerThreads)

public:
    explicit WorkerThreads(QObject *parent = nullptr);
    ~WorkerThreads() override;

    // Takes ownership of worker (which must have no parent) and starts its thread.
    void adopt(QObject *worker, const QString &threadName);
    void stopAll();

private:
    QList<QThread *> m_threads;
};

}  // namespace tiersync
