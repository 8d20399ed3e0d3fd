#pragma once

#include "store/syncrunrepository.h"

#include <QMetaType>
#include <QString>

namespace tiersync {

// One progress report of a running sync, emitted once per page.
struct SyncProgress final {
    qint64 runId = 0;
    QString entityType;
    qint64 done = 0;           // entities handled (synced + skipped + failed)
    qint64 total = -1;         // expected entities, -1 when unknown (first sync of a type)
    double ratePerSecond = 0;  // done / elapsed
    qint64 elapsedMs = 0;
    SyncRunRepository::Counters counters;
};

// What a finished run did: its sync_runs row, and where its time went.
struct SyncReport final {
    SyncRunRepository::Run run;
    qint64 zohoWaitMs = 0;     // blocked waiting for Zoho pages
    qint64 engineMs = 0;       // the rest: hashing, Redis, PostgreSQL
    qint64 redisStateHits = 0; // states answered by Redis
    qint64 pgStateLookups = 0; // states Redis did not have (or Redis was down): read from PostgreSQL
    bool redisDegraded = false;  // Redis failed at some point of the run
    // Where the engine's own time went.
    qint64 hashMs = 0;         // canonical JSON + SHA-256
    qint64 lookupMs = 0;       // state lookups (Redis, PostgreSQL fallback)
    qint64 upsertMs = 0;       // PostgreSQL transactions
    qint64 stateWriteMs = 0;   // Redis state writes and endpoint invalidation
};

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::SyncProgress)
Q_DECLARE_METATYPE(tiersync::SyncReport)
