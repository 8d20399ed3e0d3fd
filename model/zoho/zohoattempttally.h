#pragma once

#include <QtGlobal>

#include <atomic>

namespace tiersync {

// The HTTP attempts the client made for a group of requests (a sync run's pages), counted
// by the client as each attempt goes out: the exact figures a run reports, whatever
// became of the requests (answered, failed, cancelled while queued — then not counted).
struct ZohoAttemptTally final {
    std::atomic<qint64> sent{0};     // attempts sent, retries included
    std::atomic<qint64> retries{0};  // of those, attempts repeating an earlier one (after a failure or a token refresh)
};

}  // namespace tiersync
