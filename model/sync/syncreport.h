#pragma once

#include "core/error.h"
#include "store/syncrunrepository.h"

#include <QMetaType>

namespace tiersync {

// Where a failed run's error came from, known where it happened (never read back from
// run.error's text): a Zoho call, PostgreSQL (the run's rows, its history, the feed's
// state, the commit step), or the engine itself (its compiled-in layout).
enum class SyncFailureSource { None, Zoho, Postgres, Engine };

// What a finished run did: its sync_runs row, and where its time went.
struct SyncReport final {
    SyncRunRepository::Run run;
    // A failed run (not a cancelled one): the error run.error records, and its source.
    SyncFailureSource failureSource = SyncFailureSource::None;
    Error failure;
    qint64 zohoWaitMs = 0;     // blocked waiting for Zoho pages
    qint64 engineMs = 0;       // the rest: hashing, Redis, PostgreSQL
    qint64 redisStateHits = 0; // states answered by Redis
    qint64 pgStateLookups = 0; // states Redis did not have (or Redis was down): read from PostgreSQL
    bool redisDegraded = false;  // Redis failed at some point of the run
    // The listing shifted while it ran: ids came twice (records inserted ahead), a full
    // listing missed live records (deleted ahead; found by id and synced) or records its
    // catch-up found, or records were deleted behind its cursor. Also in run.counters.
    bool listingShifted = false;
    // Where the engine's own time went.
    qint64 hashMs = 0;         // canonical JSON + SHA-256
    qint64 lookupMs = 0;       // state lookups (Redis, PostgreSQL fallback)
    qint64 upsertMs = 0;       // PostgreSQL transactions
    qint64 stateWriteMs = 0;   // Redis state writes and endpoint invalidation
};

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::SyncReport)
