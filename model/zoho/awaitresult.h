#pragma once

#include "core/result.h"

#include <QFuture>

namespace tiersync {

// Blocks the calling worker thread until a Zoho future is fulfilled. A future whose
// client went away before answering becomes ErrorKind::Cancelled. Never call this on the
// Zoho client's own thread (it would wait for itself) or on the GUI thread (use
// QFutureWatcher there).
template <typename T>
[[nodiscard]] Result<T> awaitResult(QFuture<Result<T>> future)
{
    future.waitForFinished();
    if (future.resultCount() > 0)
        return future.result();
    return makeError(ErrorKind::Cancelled, QStringLiteral("Zoho request was cancelled"));
}

}  // namespace tiersync
