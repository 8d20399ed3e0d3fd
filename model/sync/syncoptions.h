#pragma once

#include "core/epochclock.h"

#include <QString>
#include <QtGlobal>

#include <optional>

namespace tiersync {

enum class SyncMode {
    Incremental,  // skip entities whose content hash is unchanged
    Full,         // write every entity; also what runs when caching is disabled
};

[[nodiscard]] QString syncModeName(SyncMode mode);  // "incremental", "full"
[[nodiscard]] std::optional<SyncMode> syncModeFromName(const QString &name);

// How one sync run behaves. Defaults are for production.
struct SyncOptions final {
    SyncMode mode = SyncMode::Incremental;
    QString trigger = QStringLiteral("cli");  // cli, console, schedule, webhook
    int batchSize = 50;                        // entities per PostgreSQL transaction
    // Books pages requested at once (pages are numbered, so N+1..N+k can go out
    // together); the client's rate limiter and in-flight cap still apply. CRM lists
    // are followed by page token, one page ahead.
    int pagesInFlight = 8;
    // Threads writing batches, each with its own PostgreSQL session, so commits (and
    // their WAL flushes) overlap. An id always goes to the same writer, so two
    // versions of one entity in a run are written in listing order.
    int writerThreads = 2;
    qint64 stateTtlSeconds = 24 * 3600;        // Redis entity states
    qint64 progressWriteIntervalMs = 1000;     // sync_runs counters, at most this often
    // After a Redis failure the run treats states as unknown and tries Redis again
    // only after this long, so a dead server costs one refused connect, not one per page.
    qint64 redisRetryIntervalMs = 5000;
    // The minute of this clock the run's Zoho calls are counted in (ZohoCallStore), and a
    // feed run's start (its data_as_of, the bound of its watermarks); null: the system clock.
    EpochClock clock;
    // Feed runs (a CRM entity type some endpoint names as its feed, DESIGN.md "Feeds"):
    // nullopt decides from the built-in endpoint registry; true/false overrides it (tests).
    std::optional<bool> feed;
    // Incremental feed runs ask for what changed since the watermark minus this much, so
    // a record stamped by a Zoho clock running behind ours is not missed.
    qint64 feedOverlapSeconds = 300;
    // Every listing (and deleted-records list) ends after at most this many pages, as a
    // Protocol error: a server that never says "last page" cannot keep a run going.
    int maxPages = 50000;
    // A full run marks a row deleted only when Zoho confirms it is gone (Books GET by id →
    // 404, CRM → 204): a listing that shifted while it ran misses live records. At most
    // this many ids not listed are checked a run (one call each); the rest wait for the next.
    int maxDeletionChecks = 500;
    // A full run proves its listing complete: after it, the records modified since the run
    // began minus this much (a Zoho clock behind ours) are listed again and synced.
    qint64 catchUpOverlapSeconds = 300;
    // A listing that shifted while it ran (ids twice, records missed, records deleted behind
    // the cursor) is listed again, at most this many listings in all; what the last one
    // cannot prove stays as it is (never marked deleted unproven).
    int maxListingPasses = 2;
};

}  // namespace tiersync
