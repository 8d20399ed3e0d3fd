#pragma once

#include "cache/endpointresponse.h"
#include "core/result.h"

#include <QByteArray>
#include <QHash>

#include <functional>
#include <memory>
#include <mutex>

namespace tiersync {

// At most one fetch per key at a time: the first caller for a key runs the work, callers
// arriving while it runs wait for its result instead of running their own (so a burst of
// misses for one student makes one Zoho call). Thread-safe; callers block, so this is
// for worker threads.
class SingleFlight final {
public:
    using Work = std::function<Result<EndpointResponse>()>;

    struct Outcome {
        Result<EndpointResponse> result;
        bool shared = false;  // true: another caller's result (this one was coalesced)
    };

    SingleFlight() = default;
    Q_DISABLE_COPY_MOVE(SingleFlight)

    // Runs work for key, or waits for the call already in flight for key.
    [[nodiscard]] Outcome run(const QByteArray &key, const Work &work);
    // Runs work for key only if no call for key is in flight; false (at once) otherwise.
    // For background refreshes, which must never queue up behind each other.
    bool tryRun(const QByteArray &key, const Work &work);

    [[nodiscard]] int inFlight() const;

private:
    struct Call;

    [[nodiscard]] Result<EndpointResponse> lead(const QByteArray &key, const std::shared_ptr<Call> &call,
                                                const Work &work);

    mutable std::mutex m_mutex;
    QHash<QByteArray, std::shared_ptr<Call>> m_calls;
};

}  // namespace tiersync
