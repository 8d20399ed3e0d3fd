#pragma once

#include <QString>
#include <QtGlobal>

#include <functional>
#include <memory>

class QObject;
class QThread;

namespace tiersync {

// One thread on which several console services run their short jobs (a page's load, a
// save), each through a ServiceLane of its own: jobs run one at a time, in the order they
// were posted. The console has one, shared by every service's quick loads, so an idle
// console holds one loading thread whatever the number of pages. Long jobs (a sync run, a
// warm) never go here: they would hold up every page's loads behind them.
class ServiceThread final {
public:
    explicit ServiceThread(const QString &name);
    // stop()
    ~ServiceThread();
    Q_DISABLE_COPY_MOVE(ServiceThread)

    // Quits the thread's event loop after the job it is running and joins it; jobs not
    // begun never run. Call it once every lane's service has stopped posting.
    void stop();
    [[nodiscard]] bool isRunning() const;
    [[nodiscard]] QThread *thread() const { return m_thread.get(); }
    // Runs job on the thread (queued behind the jobs already posted); nothing once stopped.
    void post(std::function<void()> job);

private:
    std::unique_ptr<QThread> m_thread;
    QObject *m_context;  // lives on m_thread: the jobs' receiver; deleted once it has ended
};

// One service's queue on a ServiceThread. Jobs posted to a lane run on that thread in
// order; after close() (or the destructor) none runs: work not begun is skipped, and a
// job already running is waited for, so a job never outlives the service that posted it.
// Post and close from the service's own thread.
class ServiceLane final {
public:
    explicit ServiceLane(std::shared_ptr<ServiceThread> thread);
    // close()
    ~ServiceLane();
    Q_DISABLE_COPY_MOVE(ServiceLane)

    // Does nothing once closed or once the thread has stopped.
    void post(std::function<void()> job);
    void close();

private:
    struct State;

    std::shared_ptr<ServiceThread> m_thread;
    std::shared_ptr<State> m_state;  // shared with the jobs queued on the thread
};

}  // namespace tiersync
