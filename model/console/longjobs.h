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
    [[nodiscard]] bool isCancelled();
    // Until detach(), cancel() calls stop (the running object's own cancel), at once if
    // the token was cancelled already.
    void attach(std::function<void()> stop);
    void detach();

private:
    QMutex m_mutex;
    std::function<void()> m_stop;
    bool m_cancelled = false;
};

// The long jobs of one console service: each on a pool thread that exists only while it
// runs (an idle console holds no thread for them), one at a time, each with a cancel
// token, by request number. Used from the service's thread; the jobs run on theirs.
class LongJobs final {
public:
    explicit LongJobs(const QString &threadName);
    // stop()
    ~LongJobs();
    Q_DISABLE_COPY_MOVE(LongJobs)

    // Queues the job; its token is the request's until finished(request).
    void start(quint64 request, std::function<void(const std::shared_ptr<CancelToken> &)> job);
    // Does nothing for a request that has finished (so it never stops another job).
    void cancel(quint64 request);
    // The request's answer is out: forgets its token.
    void finished(quint64 request);
    // Jobs not begun never begin; the ones running are cancelled and waited for.
    void stop();

private:
    std::unique_ptr<QThreadPool> m_threads;
    QHash<quint64, std::shared_ptr<CancelToken>> m_tokens;
};

}  // namespace tiersync
