#pragma once

#include <QHash>
#include <QMutex>
#include <QString>
#include <QtGlobal>

#include <functional>
#include <memory>

class QThreadPool;

namespace tiersync {

// One long job's cancel token (a sync run, a warm). cancel() comes from the service's
// thread while the job's thread attaches and detaches the engine object doing the work:
// a cancel before the job begins is kept for it, one while it runs reaches that object.
class CancelToken final {
public:
    void cancel();
    [[nodiscard]] bool isCancelled() const;
    // Until detach(), cancel() calls stop (the running object's own cancel), at once if
    // the token was cancelled already.
    void attach(std::function<void()> stop);
    void detach();

private:
    mutable QMutex m_mutex;
    std::function<void()> m_stop;
    bool m_cancelled = false;
};

// The long jobs of one console service (a sync run, a warm, a pattern walk over the
// keyspace, a lookup that reads Zoho): one at a time, each on a pool thread that exists
// only while jobs run (and expiryMs after the last, so a few in a row reuse its
// connections; an idle console holds no thread for them), each with a cancel token of its
// own, by request number, so a cancel reaches only the request it names. Used from the
// service's thread; the jobs run on theirs.
class LongJobs final {
public:
    explicit LongJobs(const QString &threadName, int expiryMs = 0);
    // stop()
    ~LongJobs();
    Q_DISABLE_COPY_MOVE(LongJobs)

    // Queues the job; its token is the request's until finished(request).
    void start(quint64 request, std::function<void(const std::shared_ptr<CancelToken> &)> job);
    // Does nothing for a request that has finished (so it never stops another job).
    void cancel(quint64 request);
    // The request's answer is out: forgets its token.
    void finished(quint64 request);
    // Jobs not begun never begin; the ones running are cancelled and waited for. `last`
    // then runs on a job thread (to close what the jobs shared there), and the threads
    // end. Calls after it (and start()) do nothing.
    void stop(const std::function<void()> &last = {});

private:
    std::unique_ptr<QThreadPool> m_threads;
    QHash<quint64, std::shared_ptr<CancelToken>> m_tokens;
    bool m_stopped = false;
};

}  // namespace tiersync
