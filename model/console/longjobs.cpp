#include "console/longjobs.h"

#include <QThreadPool>

namespace tiersync {

void CancelToken::cancel()
{
    QMutexLocker lock(&m_mutex);
    m_cancelled = true;
    if (m_stop)
        m_stop();
}

bool CancelToken::isCancelled() const
{
    QMutexLocker lock(&m_mutex);
    return m_cancelled;
}

void CancelToken::attach(std::function<void()> stop)
{
    QMutexLocker lock(&m_mutex);
    m_stop = std::move(stop);
    if (m_cancelled)
        m_stop();
}

void CancelToken::detach()
{
    QMutexLocker lock(&m_mutex);
    m_stop = nullptr;
}

LongJobs::LongJobs(const QString &threadName, int expiryMs) : m_threads(std::make_unique<QThreadPool>())
{
    m_threads->setObjectName(threadName);
    m_threads->setMaxThreadCount(1);
    m_threads->setExpiryTimeout(expiryMs);
}

LongJobs::~LongJobs()
{
    stop();
}

void LongJobs::start(quint64 request, std::function<void(const std::shared_ptr<CancelToken> &)> job)
{
    if (m_stopped)
        return;
    auto token = std::make_shared<CancelToken>();
    m_tokens.insert(request, token);
    m_threads->start([job = std::move(job), token] { job(token); });
}

void LongJobs::cancel(quint64 request)
{
    if (const std::shared_ptr<CancelToken> token = m_tokens.value(request))
        token->cancel();
}

void LongJobs::finished(quint64 request)
{
    m_tokens.remove(request);
}

void LongJobs::stop(const std::function<void()> &last)
{
    if (m_stopped)
        return;
    m_stopped = true;
    m_threads->clear();  // jobs not begun never begin
    for (const std::shared_ptr<CancelToken> &token : std::as_const(m_tokens))
        token->cancel();
    if (last)
        m_threads->start(last);
    m_threads->waitForDone();
}

}  // namespace tiersync
