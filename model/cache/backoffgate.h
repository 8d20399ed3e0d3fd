#pragma once

#include <QtGlobal>

#include <atomic>

namespace tiersync {

// Remembers that a server was unreachable, so the read path skips it for a short while
// instead of paying a connect timeout on every request; after backoffMs one caller
// tries again (and the others keep skipping until it reports), so service resumes by
// itself when the server is back. Shared by all threads; lock-free.
class BackoffGate final {
public:
    explicit BackoffGate(qint64 backoffMs = 1000);

    // Whether to try the server now (steady ms).
    [[nodiscard]] bool allow(qint64 nowMs);
    void recordFailure(qint64 nowMs);
    void recordSuccess();
    [[nodiscard]] bool isOpen() const { return m_retryAtMs.load(std::memory_order_relaxed) == 0; }

private:
    qint64 m_backoffMs;
    std::atomic<qint64> m_retryAtMs{0};  // 0: healthy
};

}  // namespace tiersync
