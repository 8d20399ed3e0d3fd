#pragma once

#include "cache/endpointdefinition.h"
#include "core/epochclock.h"
#include "core/result.h"
#include "sync/entitydefinition.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace tiersync {

class EndpointRegistry;
class EntityRegistry;
class PgConnection;
class RedisConnection;

// The one commit step of every write of synchronised records: sync runs (SyncWriter),
// feed runs (they are sync runs), the full run's deletions and webhooks.
//
// commit(batch), in this order:
//  1. One PostgreSQL transaction: the stored rows of the batch are locked and read (their
//     previous student comes from the row, not from Redis); the affected students are
//     locked (transaction advisory locks, in id order, so two commits regrouping the same
//     student run one after the other); the rows are upserted (sync_count + 1 on every
//     write, 1 for a new row) with their moodle_user_id, the proven-deleted ids marked
//     deleted; then every affected student's snapshot of every endpoint this entity
//     feeds is regrouped from the live rows (endpointpayload: the same bytes as a
//     per-student Zoho fetch): written when its hash changed (an unchanged student writes
//     nothing), deleted when the student is no longer known (no live roster row, no
//     record). A roster row (students) inserted, deleted or moved regroups every fed
//     endpoint of its student(s), except those of a feed with no live row at all (a
//     feed that never ran must not make a student's module look empty).
//     Affected students: the current and the previous student of each upserted row, and
//     the student of each deleted row.
//  2. Commit. PostgreSQL failing: nothing is written to Redis, the error is returned.
//  3. Redis, one pipeline, with the students' locks still held (they are session locks,
//     released after it, so the keys of two commits of one student land in commit
//     order): the entity states (HSET + EXPIRE, sync_count as committed),
//     the deleted ids' states removed, each rewritten snapshot's endpoint key SET to the
//     new payload (RawCachedEntry, as the reader writes it; TTL = the endpoint's Redis
//     TTL), the keys of removed snapshots unlinked, and with caching off every affected
//     key unlinked instead. The caller's counting commands ride along (best effort).
//     Redis failing here is reported in the Report (redisError), not as a failure: the
//     database is the truth and the reader's next miss goes to it.
//
// Uses the calling thread's connections; one CommitStep per thread.
class CommitStep final {
public:
    // A fed endpoint: an endpoint and the entity whose rows make its snapshots.
    struct FedEndpoint {
        EndpointDefinition endpoint;
        QString feedEntity;
        QString feedIdField = QStringLiteral("id");
    };
    // What the registries say about feeding: which endpoints each entity feeds and which
    // entity is the roster. Until EndpointDefinition names its feed entity, an endpoint
    // is fed by the entity whose "affects" names it.
    struct Layout {
        QList<FedEndpoint> fed;
        QString rosterEntity;  // empty: no roster
    };
    [[nodiscard]] static Result<Layout> layout(const EntityRegistry &entities, const EndpointRegistry &endpoints);
    // The layout of the built-in registries (loaded once per process).
    [[nodiscard]] static Result<Layout> builtInLayout();

    struct Upsert {
        QString id;
        QString hash;  // content hash (ContentHasher, volatile fields left out)
        QJsonObject record;
        // Set: the record was made from the stored row with this content hash (a webhook's
        // delta); written only if the locked row is still live with it, else left out and
        // listed in Report::conflicted (another writer came first: the caller fetches it).
        QString expectedHash;
    };
    struct Batch {
        QList<Upsert> upserts;
        QStringList deletedIds;  // proven gone from Zoho; never a guess
        // Students whose endpoints fed by this entity are regrouped although no row of
        // theirs changed (a roster student the feed has no snapshot for yet gets its empty
        // answer: [] or null).
        QList<qint64> regroupStudents;
        // Best-effort Redis commands (HINCRBY of the Zoho call counts) sent with the
        // states; Report::countingApplied says whether they were applied.
        QList<QList<QByteArray>> countingCommands;
    };
    struct Report {
        int rowsUpserted = 0;
        int rowsDeleted = 0;        // live rows marked deleted
        int snapshotsWritten = 0;
        int snapshotsRemoved = 0;
        int keysRewritten = 0;      // endpoint keys SET with the new payload
        int keysUnlinked = 0;       // endpoint keys unlinked (snapshot gone, or caching off)
        int students = 0;           // distinct students whose snapshots were regrouped
        int statesWritten = 0;
        int statesRemoved = 0;
        // Every key the Redis step touched besides the states written, in order: the
        // deleted ids' state keys, then the endpoint keys (rewritten or unlinked).
        QList<QByteArray> touchedKeys;
        QHash<QString, int> syncCounts;  // zoho_id -> sync_count after the write
        QStringList conflicted;          // upserts left out: their expectedHash no longer held
        bool redisWritten = false;       // the Redis step succeeded (false also when there was none)
        bool countingApplied = false;
        Error redisError;                // set when Redis failed after the commit
        qint64 redisNs = 0;              // time spent in the Redis step
    };
    struct Options {
        qint64 stateTtlSeconds = 24 * 3600;
        bool cachingEnabled = true;
        bool writeRedis = true;  // false: the caller knows Redis is down (skip step 3, report nothing written)
        EpochClock clock;        // the Redis entries' and snapshots' time (null: the system clock)
    };

    CommitStep(EntityDefinition entity, Layout layout, PgConnection &pg, RedisConnection &redis);
    Q_DISABLE_COPY_MOVE(CommitStep)

    // Commits the batch (steps 1-3). An error means PostgreSQL failed and nothing was
    // written anywhere; a Redis failure after the commit is in Report::redisError.
    [[nodiscard]] Result<Report> commit(const Batch &batch, const Options &options);

    // After a complete listing of a fed entity: every live roster student that has no
    // snapshot of an endpoint this entity feeds is regrouped (in commits of chunkSize),
    // so a known student with no records is answered [] / null without a Zoho call.
    // Returns the students regrouped.
    [[nodiscard]] Result<qint64> fillRosterGaps(const Options &options, int chunkSize = 1000);

    // The student a record names in field (a positive integer or a digit string); 0: none.
    [[nodiscard]] static qint64 moodleUserIdOf(const QJsonObject &record, const QString &field);

private:
    struct Planned;
    void writeRedis(const Planned &planned, const Batch &batch, const Options &options, Report &report);
    void releaseStudents(const Planned &planned);

    EntityDefinition m_entity;
    Layout m_layout;
    PgConnection &m_pg;
    RedisConnection &m_redis;
};

}  // namespace tiersync
