#pragma once

#include "core/result.h"
#include "store/syncrunstatus.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace tiersync {

class PgConnection;

// tiersync.sync_runs: one row per sync of an entity type, written as it progresses.
class SyncRunRepository final {
public:
    struct Counters {
        qint64 fetched = 0;
        qint64 synced = 0;
        qint64 skipped = 0;
        qint64 failed = 0;
        qint64 deleted = 0;
        int pages = 0;
        int zohoCalls = 0;
        int retries = 0;
        // Full runs: records the catch-up after the listing brought that the listing had not
        // named (inserted or moved meanwhile), how many times the type was listed (a listing
        // that shifted is listed again to prove it complete), and whether any listing shifted.
        qint64 caughtUp = 0;
        int listingPasses = 0;
        bool listingShifted = false;

        friend bool operator==(const Counters &, const Counters &) = default;
    };
    struct Run {
        qint64 id = 0;
        QString entityType;
        QString mode;      // "incremental" or "full"
        QString trigger;   // who started it: "manual", "schedule", "webhook", "cli"…
        SyncRunStatus status = SyncRunStatus::Running;
        QDateTime startedAt;
        QDateTime finishedAt;  // invalid while running
        Counters counters;
        qint64 durationMs = -1;  // -1 while running
        QString error;
    };

    explicit SyncRunRepository(PgConnection &connection);

    // Records a new running run; returns its id.
    [[nodiscard]] Result<qint64> start(const QString &entityType, const QString &mode,
                                       const QString &trigger);
    // Overwrites the counters of a running run.
    [[nodiscard]] Status updateProgress(qint64 id, const Counters &counters);
    // Final counters, status (succeeded/failed/cancelled) and error; sets finished_at
    // and duration_ms. A run that is already finished is a Conflict.
    [[nodiscard]] Status finish(qint64 id, SyncRunStatus status, const Counters &counters,
                                const QString &error = {});

    // Newest first, optionally of one type.
    [[nodiscard]] Result<QList<Run>> recent(int limit, const QString &entityType = {});
    [[nodiscard]] Result<std::optional<Run>> get(qint64 id);

private:
    PgConnection &m_connection;
};

}  // namespace tiersync
