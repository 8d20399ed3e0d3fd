#include "cache/singleflight.h"

#include <condition_variable>
#include <exception>
#include <optional>

namespace tiersync {

struct SingleFlight::Call {
    std::condition_variable done;
    std::optional<Result<EndpointResponse>> result;  // guarded by SingleFlight::m_mutex
};

SingleFlight::Outcome SingleFlight::run(const QByteArray &key, const Work &work)
{
    std::unique_lock lock(m_mutex);
    if (const auto it = m_calls.constFind(key); it != m_calls.constEnd()) {
        const std::shared_ptr<Call> call = it.value();
        call->done.wait(lock, [&] { return call->result.has_value(); });
        return Outcome{*call->result, true};
    }
    const auto call = std::make_shared<Call>();
    m_calls.insert(key, call);
    lock.unlock();
    return Outcome{lead(key, call, work), false};
}

bool SingleFlight::tryRun(const QByteArray &key, const Work &work)
{
    std::unique_lock lock(m_mutex);
    if (m_calls.contains(key))
        return false;
    const auto call = std::make_shared<Call>();
    m_calls.insert(key, call);
    lock.unlock();
    (void)lead(key, call, work);
    return true;
}

int SingleFlight::inFlight() const
{
    std::lock_guard lock(m_mutex);
    return int(m_calls.size());
}

Result<EndpointResponse> SingleFlight::lead(const QByteArray &key, const std::shared_ptr<Call> &call,
                                            const Work &work)
{
    std::optional<Result<EndpointResponse>> result;
    try {
        result.emplace(work());
    } catch (const std::exception &exception) {
        // Waiters must be released whatever happens to the leader.
        result.emplace(makeError(ErrorKind::Internal, QString::fromUtf8(exception.what())));
    } catch (...) {
        result.emplace(makeError(ErrorKind::Internal, QStringLiteral("unknown exception in a cache fetch")));
    }
    {
        std::lock_guard lock(m_mutex);
        call->result = *result;
        m_calls.remove(key);
    }
    call->done.notify_all();
    return std::move(*result);
}

}  // namespace tiersync
