#pragma once

#include "core/result.h"
#include "core/retryevent.h"

#include <QDateTime>
#include <QList>
#include <QString>

namespace tiersync {

class PgConnection;

// tiersync.retry_events: every failed Zoho attempt and what the client did about it.
class RetryEventRepository final {
public:
    struct Filter {
        QString target;       // exact match; empty: any
        QString errorClass;   // exact match; empty: any
        QString outcome;      // exact match; empty: any
        QDateTime since;      // at >= since; invalid: any time
        int limit = 100;
    };

    // An event with its row id (ids grow with insertion, so a live view polls for the
    // ids above the last it saw).
    struct Stored {
        qint64 id = 0;
        RetryEvent event;
    };

    explicit RetryEventRepository(PgConnection &connection);

    // Stores the events in one statement; returns how many.
    [[nodiscard]] Result<int> insert(const QList<RetryEvent> &events);
    // Newest first.
    [[nodiscard]] Result<QList<RetryEvent>> recent(const Filter &filter);
    // The newest `limit` events with id > afterId, in id order (oldest first): the
    // console's live retry log (afterId 0 for the first load).
    [[nodiscard]] Result<QList<Stored>> newerThan(qint64 afterId, int limit);
    // Deletes events older than the given time (housekeeping); returns how many.
    [[nodiscard]] Result<int> purgeBefore(const QDateTime &before);

private:
    PgConnection &m_connection;
};

}  // namespace tiersync
