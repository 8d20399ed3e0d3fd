#pragma once

#include <QtGlobal>

#include <mutex>

namespace tiersync {

// Zoho calls one piece of work made that are not in Redis yet (ZohoCallStore), shared
// by the threads that write for it: whoever sends a pipeline next take()s the calls
// and adds their HINCRBY to it, and gives them back when that pipeline failed, so a
// Redis outage delays the count instead of losing it. Thread-safe.
class ZohoCallTally final {
public:
    ZohoCallTally() = default;
    Q_DISABLE_COPY_MOVE(ZohoCallTally)

    // The work's calls so far (a running total that only grows; a smaller one is ignored).
    void raiseTo(qint64 totalCalls);
    // The calls not yet taken; they count as recorded from now on.
    [[nodiscard]] qint64 take();
    // Calls taken whose write failed: taken again by the next write.
    void giveBack(qint64 calls);

    [[nodiscard]] qint64 total() const;
    [[nodiscard]] qint64 pending() const;

private:
    mutable std::mutex m_mutex;
    qint64 m_total = 0;
    qint64 m_taken = 0;
};

}  // namespace tiersync
