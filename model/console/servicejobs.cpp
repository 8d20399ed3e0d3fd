#include "console/servicejobs.h"

#include <QThreadPool>

namespace tiersync {

ServiceJobs::ServiceJobs(const QString &threadName, int expiryMs) : m_threads(std::make_unique<QThreadPool>())
{
    m_threads->setObjectName(threadName);
    m_threads->setMaxThreadCount(1);
    m_threads->setExpiryTimeout(expiryMs);
}

ServiceJobs::~ServiceJobs()
{
    stop();
}

void ServiceJobs::start(quint64 request, std::function<void(const CancelToken &)> job)
{
    if (m_stopped)
        return;
    auto token = std::make_shared<std::atomic<bool>>(false);
    m_tokens.insert(request, token);
    m_threads->start([job = std::move(job), token = CancelToken(token)] { job(token); });
}

void ServiceJobs::cancel(quint64 request)
{
    if (const auto token = m_tokens.value(request))
        token->store(true);
}

void ServiceJobs::forget(quint64 request)
{
    m_tokens.remove(request);
}

void ServiceJobs::stop(const std::function<void()> &last)
{
    if (m_stopped)
        return;
    m_stopped = true;
    m_threads->clear();  // jobs not begun never begin
    for (const auto &token : std::as_const(m_tokens))
        token->store(true);
    if (last)
        m_threads->start(last);
    m_threads->waitForDone();
}

}  // namespace tiersync
