#pragma once

#include "core/result.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace tiersync {

class PgConnection;

// tiersync.feed_state (migration 0004): one row per feed (a CRM entity type some endpoint
// names as its feed). Written only after a succeeded run; every time in it only moves
// forward, so a late or repeated recordSuccess never takes a feed back.
class FeedStateRepository final {
public:
    struct State {
        QString entityType;
        QDateTime modifiedWatermark;  // invalid: none yet (the next run is a cold, full one)
        QDateTime deletedWatermark;   // invalid: none yet
        QDateTime lastSuccessAt;
        QDateTime dataAsOf;           // the start of the last succeeded run
        QDateTime lastFullAt;         // the start of the last succeeded full run; invalid: never
        qint64 lastRunId = 0;
        QDateTime updatedAt;
    };
    struct Success {
        QString entityType;
        qint64 runId = 0;
        QDateTime startedAt;          // becomes data_as_of (and last_full_at when full)
        QDateTime finishedAt;         // last_success_at
        bool full = false;
        // The latest Modified_Time / deleted_time the run saw, at most startedAt; invalid:
        // the run saw none, the stored watermark stays.
        QDateTime modifiedWatermark;
        QDateTime deletedWatermark;
    };

    explicit FeedStateRepository(PgConnection &connection);

    // nullopt: the feed never succeeded.
    [[nodiscard]] Result<std::optional<State>> get(const QString &entityType);
    // Inserts or advances the row: each time becomes the later of the stored one and the
    // given one (GREATEST; an invalid given time keeps the stored one). A watermark past
    // startedAt is an InvalidArgument (it would skip changes made during the run).
    [[nodiscard]] Status recordSuccess(const Success &success);
    // Every feed's state, by entity type.
    [[nodiscard]] Result<QList<State>> list();

private:
    PgConnection &m_connection;
};

}  // namespace tiersync
