#pragma once

#include <QHash>
#include <QString>
#include <QtGlobal>

#include <atomic>
#include <functional>
#include <memory>

class QThreadPool;

namespace tiersync {

// A console service's long jobs (a pattern walk over the keyspace, a lookup that reads
// Zoho): one at a time, each on a pool thread that exists only while jobs run (and
// expiryMs after the last), each with a cancel token of its own, so a cancel reaches
// only the request it names. Used from the service's own thread only: start, cancel,
// forget (with the job's answer) and stop.
class ServiceJobs final {
public:
    using CancelToken = std::shared_ptr<const std::atomic<bool>>;

    ServiceJobs(const QString &threadName, int expiryMs);
    // stop()
    ~ServiceJobs();
    Q_DISABLE_COPY_MOVE(ServiceJobs)

    // Queues the job behind those already queued; it reads its token between steps.
    void start(quint64 request, std::function<void(const CancelToken &)> job);
    // Sets that request's token; does nothing for a request already forgotten.
    void cancel(quint64 request);
    // The request has answered: a later cancel of its number does nothing.
    void forget(quint64 request);
    // Jobs not begun never begin; those running are cancelled and waited for. `last`
    // then runs on a job thread (to close what the jobs shared there), and the threads
    // end. Calls after it do nothing.
    void stop(const std::function<void()> &last = {});

private:
    QHash<quint64, std::shared_ptr<std::atomic<bool>>> m_tokens;
    std::unique_ptr<QThreadPool> m_threads;
    bool m_stopped = false;
};

}  // namespace tiersync
