#include "sync/syncorchestrator.h"

#include "cache/cachekeys.h"
#include "cache/endpointregistry.h"
#include "cache/statsstore.h"
#include "cache/zohocallstore.h"
#include "cache/zohocalltally.h"
#include "core/logging.h"
#include "redis/redisbatch.h"
#include "redis/redisconnection.h"
#include "store/advisorylock.h"
#include "store/entityrepository.h"
#include "store/feedstaterepository.h"
#include "store/pgconnection.h"
#include "store/settingsrepository.h"
#include "store/syncrunrepository.h"
#include "sync/commitstep.h"
#include "sync/contenthasher.h"
#include "sync/entitystate.h"
#include "sync/syncpagefetcher.h"
#include "sync/syncwriter.h"
#include "sync/zohotime.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentMap>

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

namespace tiersync {

namespace {

QString idOf(const QJsonObject &record, const QString &field)
{
    const QJsonValue value = record.value(field);
    if (value.isString())
        return value.toString();
    if (value.isDouble())
        return QString::number(value.toInteger());
    return {};
}

}  // namespace

class SyncOrchestrator::Run final {
public:
    explicit Run(SyncOrchestrator &owner)
        : m_owner(owner)
        , m_entity(owner.m_entity)
        , m_options(owner.m_options)
        , m_pg(PgConnection::forCurrentThread(owner.m_pg))
        , m_redis(RedisConnection::forCurrentThread(owner.m_redis))
        , m_runs(m_pg)
        , m_entities(m_pg)
    {
        m_options.batchSize = std::max(1, m_options.batchSize);
        m_options.clock = orSystemEpochClock(std::move(m_options.clock));
    }

    Result<SyncReport> execute();

private:
    struct Entry {
        QString id;
        QString hash;
        const QJsonObject *record = nullptr;
    };
    struct Known {
        QString hash;
        int syncCount = 0;
        bool fromRedis = false;
    };

    [[nodiscard]] Error refusal();
    void abandonStaleRuns();
    // repeatedIds: ids an earlier page of the run listed already (SyncPageFetcher::Page):
    // written again (the newer answer wins) but counted once.
    [[nodiscard]] Status processPage(const QList<QJsonObject> &records, const QStringList &repeatedIds);
    [[nodiscard]] Result<QHash<QString, Known>> lookup(const QList<Entry> &entries);
    void writeStates(const QList<RedisHashWrite> &writes);
    void recordZohoCalls(qint64 totalCalls);
    [[nodiscard]] Status writerError() const;
    // A full run's listing of every page; listedEverything when it reached the last one.
    [[nodiscard]] Status listPass(SyncPageFetcher &fetcher, const AdvisoryLock &lock, bool &listedEverything);
    // After a complete full listing: catch-up, deletions proven, and while the listing
    // shifted (and maxListingPasses allows) a verification listing (syncorchestrator.cpp).
    [[nodiscard]] Status completeFullRun(SyncPageFetcher &fetcher, const AdvisoryLock &lock, const QDateTime &since);
    [[nodiscard]] Status catchUp(SyncPageFetcher &fetcher, const QDateTime &since);
    // CRM: the ids the deleted-records list says were deleted since `since`.
    [[nodiscard]] Result<QStringList> readDeletedSince(SyncPageFetcher &fetcher, const QDateTime &since);
    // midRunDeleted: ids Zoho's deleted list names since the run began; live rows among
    // them are checked by id too.
    [[nodiscard]] Status markDeleted(SyncPageFetcher &fetcher, const QStringList &midRunDeleted = {});
    void noteShift(const char *why);
    [[nodiscard]] Status drainWriters();
    // Notes where the run's failure came from (the first one noted wins), returns it.
    [[nodiscard]] Error failedAt(SyncFailureSource source, const Error &error);
    [[nodiscard]] Status fillRosterGaps();
    [[nodiscard]] bool isFeed() const;
    // Feed runs: CRM's deleted-records list since `since` (invalid: all of it); the ids
    // that are live rows and were not listed by this run go to the writers as deletions.
    [[nodiscard]] Status readDeletedList(SyncPageFetcher &fetcher, const QDateTime &since);
    [[nodiscard]] Status recordFeedSuccess(const QDateTime &startedAt);
    [[nodiscard]] bool redisUsable() const;
    void redisFailed(const Error &error);
    void reportProgress(bool force);

    SyncOrchestrator &m_owner;
    const EntityDefinition &m_entity;
    SyncOptions m_options;
    PgConnection &m_pg;
    RedisConnection &m_redis;
    SyncRunRepository m_runs;
    EntityRepository m_entities;

    qint64 m_runId = 0;
    SyncMode m_mode = SyncMode::Incremental;
    qint64 m_total = -1;
    SyncRunRepository::Counters m_counters;
    QSet<QString> m_seen;    // full mode: every id the current listing pass (and its catch-up) named
    QSet<QString> m_runIds;  // every id the run processed: one listed again is not synced twice
    QSet<QString> m_caughtUpIds;
    bool m_passShifted = false;  // the current listing pass shifted
    QDateTime m_catchUpSince;    // full runs: the run's start minus catchUpOverlapSeconds
    // A feed's full run read the deleted list from before m_catchUpSince already: the ids
    // it named as deleted since then (its first pass needs no second read).
    std::optional<QStringList> m_feedDeletedSinceStart;
    QElapsedTimer m_elapsed;
    qint64 m_lastProgressWriteMs = 0;
    qint64 m_redisRetryAtMs = -1;  // -1: Redis usable
    SyncReport m_report;
    SyncPageFetcher *m_fetcher = nullptr;
    ZohoCallTally m_callTally;  // the run's Zoho calls not yet counted in Redis; shared with the writers
    std::vector<std::unique_ptr<SyncWriter>> m_writers;

    bool m_cachingEnabled = true;
    qint64 m_markedDeleted = 0;  // by the full run's markDeleted (the writers count their own)
    qint64 m_rewrites = 0;       // records listed again in the run and written again: not synced twice
    // Feed runs (isFeed()): what the run saw, for the watermarks and the deleted list.
    bool m_feed = false;
    QDateTime m_maxModifiedSeen;
    QDateTime m_maxDeletedSeen;
    QSet<QString> m_listed;

    // Set where a failure happened; a failure nothing noted is PostgreSQL's (every other
    // step of a run is a read or write there).
    SyncFailureSource m_failureSource = SyncFailureSource::None;
    bool m_typeWasEmpty = false;  // no live row of the type at the start: nothing to look up in PostgreSQL
    qint64 m_hashNs = 0;
    qint64 m_lookupNs = 0;
    qint64 m_stateWriteNs = 0;
};

Error SyncOrchestrator::Run::refusal()
{
    auto recent = m_runs.recent(20, m_entity.name);
    if (recent) {
        for (const SyncRunRepository::Run &run : *recent) {
            if (run.status == SyncRunStatus::Running)
                return makeError(ErrorKind::Conflict,
                                 QStringLiteral("a %1 sync is already running: run %2, started %3 (trigger %4)")
                                     .arg(m_entity.name)
                                     .arg(run.id)
                                     .arg(run.startedAt.toUTC().toString(Qt::ISODate), run.trigger));
        }
    }
    return makeError(ErrorKind::Conflict,
                     QStringLiteral("a %1 sync is already running in another instance (its run is not recorded yet)")
                         .arg(m_entity.name));
}

// Holding the lock proves no run of this type is alive anywhere: a row still
// "running" belongs to an instance that died, or could not record its end because
// PostgreSQL went away.
void SyncOrchestrator::Run::abandonStaleRuns()
{
    auto recent = m_runs.recent(50, m_entity.name);
    if (!recent)
        return;
    for (const SyncRunRepository::Run &run : *recent) {
        if (run.status != SyncRunStatus::Running)
            continue;
        Status finished = m_runs.finish(run.id, SyncRunStatus::Failed, run.counters,
                                        QStringLiteral("abandoned: its instance stopped or lost PostgreSQL "
                                                       "before recording the end"));
        if (!finished)
            qCWarning(lcSync) << "could not close abandoned run" << run.id << finished.error().toString();
    }
}

bool SyncOrchestrator::Run::redisUsable() const
{
    return m_redisRetryAtMs < 0 || m_elapsed.elapsed() >= m_redisRetryAtMs;
}

void SyncOrchestrator::Run::redisFailed(const Error &error)
{
    if (m_redisRetryAtMs < 0 || m_elapsed.elapsed() >= m_redisRetryAtMs)
        qCWarning(lcSync) << "Redis unavailable, using PostgreSQL hashes:" << error.toString();
    m_report.redisDegraded = true;
    m_redisRetryAtMs = m_elapsed.elapsed() + std::max<qint64>(0, m_options.redisRetryIntervalMs);
}

Result<QHash<QString, SyncOrchestrator::Run::Known>> SyncOrchestrator::Run::lookup(const QList<Entry> &entries)
{
    QHash<QString, Known> known;
    known.reserve(entries.size());
    if (redisUsable()) {
        // entityStateKey() is the prefix + the id: built once per page, not per key.
        const QByteArray prefix = cachekeys::entityStatePrefix(m_entity.name);
        QList<QByteArray> keys;
        keys.reserve(entries.size());
        for (const Entry &entry : entries)
            keys.append(prefix + entry.id.toUtf8());
        auto states = RedisBatch(m_redis).hmgetMany(keys, EntityState::lookupFields());
        if (states) {
            m_redisRetryAtMs = -1;
            for (qsizetype i = 0; i < entries.size(); ++i) {
                const QList<std::optional<QByteArray>> &fields = states->at(i);
                if (fields.size() < 2 || !fields.at(0))
                    continue;
                known.insert(entries.at(i).id,
                             Known{QString::fromLatin1(*fields.at(0)), fields.at(1) ? fields.at(1)->toInt() : 0, true});
            }
            m_report.redisStateHits += known.size();
        } else {
            redisFailed(states.error());
        }
    }
    if (known.size() == entries.size() || m_typeWasEmpty)
        return known;
    QStringList missing;
    missing.reserve(entries.size() - known.size());
    for (const Entry &entry : entries)
        if (!known.contains(entry.id))
            missing.append(entry.id);
    auto hashes = m_entities.contentHashes(m_entity.name, missing);
    if (!hashes)
        return hashes.error();
    m_report.pgStateLookups += missing.size();
    for (auto it = hashes->cbegin(); it != hashes->cend(); ++it)
        known.insert(it.key(), Known{it.value(), 0, false});
    return known;
}

void SyncOrchestrator::Run::writeStates(const QList<RedisHashWrite> &writes)
{
    if (writes.isEmpty() || !redisUsable())
        return;
    const qint64 calls = m_callTally.take();
    auto written = RedisBatch(m_redis).hsetExpireManyCounting(
        writes, m_options.stateTtlSeconds,
        ZohoCallStore::addCommands(StatsStore::epochMinute(m_options.clock()),
                                   ZohoCallPurpose::Sync, quint64(calls)));
    if (calls > 0 && !(written && *written))
        m_callTally.giveBack(calls);
    if (written)
        m_redisRetryAtMs = -1;
    else
        redisFailed(written.error());
}

// What the state writes did not take along yet: one round trip at the end of the run at
// most (none when the last batch carried every call). Best effort: Redis down never fails
// the run, it only leaves these calls uncounted.
void SyncOrchestrator::Run::recordZohoCalls(qint64 totalCalls)
{
    m_callTally.raiseTo(totalCalls);
    const qint64 calls = m_callTally.take();
    if (calls <= 0)
        return;
    if (!redisUsable()) {
        qCDebug(lcSync) << "run" << m_runId << ":" << calls << "Zoho call(s) not counted (Redis unavailable)";
        return;
    }
    Status added = ZohoCallStore(m_redis).add(StatsStore::epochMinute(m_options.clock()),
                                              ZohoCallPurpose::Sync, quint64(calls));
    if (!added)
        redisFailed(added.error());
}

Status SyncOrchestrator::Run::processPage(const QList<QJsonObject> &records, const QStringList &repeatedIds)
{
    QElapsedTimer phase;
    phase.start();
    // Hashing is the CPU-heavy part of a resync: spread a page over the pool's threads
    // (each with a hasher of its own) when there are cores to spare.
    QList<Entry> hashed(records.size());
    const auto hashOne = [this, &records, &hashed](Entry &entry) {
        thread_local ContentHasher hasher;
        const QJsonObject &record = records.at(&entry - hashed.data());
        entry.record = &record;
        entry.id = idOf(record, m_entity.idField);
        if (cachekeys::isValidZohoId(entry.id))
            entry.hash = hasher.hash(record, m_entity.volatileFields);
    };
    if (records.size() >= 64 && QThreadPool::globalInstance()->maxThreadCount() > 1)
        QtConcurrent::blockingMap(hashed, hashOne);
    else
        std::for_each(hashed.begin(), hashed.end(), hashOne);
    QList<Entry> entries;
    entries.reserve(hashed.size());
    for (Entry &entry : hashed) {
        if (entry.hash.isEmpty()) {
            ++m_counters.failed;
            qCWarning(lcSync) << m_entity.name << "record without a usable" << m_entity.idField << "skipped";
            continue;
        }
        entries.append(std::move(entry));
    }
    if (m_mode == SyncMode::Full)
        for (const Entry &entry : std::as_const(entries))
            m_seen.insert(entry.id);
    if (m_feed) {
        for (const Entry &entry : std::as_const(entries)) {
            m_listed.insert(entry.id);
            const QDateTime modified = parseZohoTime(entry.record->value(m_entity.modifiedField));
            if (modified.isValid() && (!m_maxModifiedSeen.isValid() || modified > m_maxModifiedSeen))
                m_maxModifiedSeen = modified;
        }
    }
    m_hashNs += phase.nsecsElapsed();
    phase.restart();

    auto known = lookup(entries);
    m_lookupNs += phase.nsecsElapsed();
    phase.restart();
    if (!known)
        return known.error();

    if (!repeatedIds.isEmpty())
        noteShift("ids listed twice: records inserted ahead of the cursor");
    QList<SyncWriter::Item> toWrite;
    QList<RedisHashWrite> repairs;  // unchanged, but Redis did not know: write the state back
    const QByteArray now = EntityState::nowText();
    for (const Entry &entry : std::as_const(entries)) {
        // Processed before in this run (an earlier page, pass or the catch-up): written
        // again if it changed (the newer answer wins) but counted once.
        bool repeated = m_runIds.contains(entry.id);
        if (!repeated)
            m_runIds.insert(entry.id);
        const auto found = known->constFind(entry.id);
        const bool existed = found != known->cend();
        const bool unchanged = existed && found->hash == entry.hash;
        if (m_mode == SyncMode::Full || !unchanged) {
            toWrite.append(SyncWriter::Item{entry.id, entry.hash, *entry.record});
            m_rewrites += repeated ? 1 : 0;
            continue;
        }
        if (!repeated)
            ++m_counters.skipped;
        if (!found->fromRedis) {
            EntityState state;
            state.contentHash = entry.hash;
            state.localId = entry.id;
            state.lastModifiedTime = parseZohoTime(entry.record->value(m_entity.modifiedField));
            repairs.append(state.toHashWrite(m_entity.name, entry.id, now));
        }
    }
    writeStates(repairs);
    m_stateWriteNs += phase.nsecsElapsed();

    const size_t writers = m_writers.size();
    std::vector<QList<SyncWriter::Item>> groups(writers);
    for (SyncWriter::Item &item : toWrite)
        groups[writers == 1 ? 0 : qHash(item.id) % writers].append(std::move(item));
    for (size_t w = 0; w < writers; ++w) {
        const QList<SyncWriter::Item> &group = groups[w];
        for (qsizetype begin = 0; begin < group.size(); begin += m_options.batchSize) {
            if (m_owner.m_cancelled.load())
                return makeError(ErrorKind::Cancelled, QStringLiteral("sync cancelled"));
            if (!m_writers[w]->submit(group.mid(begin, m_options.batchSize)))
                return m_owner.m_cancelled.load()
                           ? Status(makeError(ErrorKind::Cancelled, QStringLiteral("sync cancelled")))
                           : writerError();
        }
    }
    return writerError();
}

Status SyncOrchestrator::Run::writerError() const
{
    for (const auto &writer : m_writers)
        if (Status error = writer->error(); !error)
            return error;
    return {};
}

Error SyncOrchestrator::Run::failedAt(SyncFailureSource source, const Error &error)
{
    if (m_failureSource == SyncFailureSource::None)
        m_failureSource = source;
    return error;
}

Status SyncOrchestrator::Run::drainWriters()
{
    Status outcome;
    for (const auto &writer : m_writers)
        if (Status drained = writer->drain(); !drained && outcome)
            outcome = drained;
    return outcome;
}

void SyncOrchestrator::Run::noteShift(const char *why)
{
    if (!m_passShifted)
        qCInfo(lcSync) << "run" << m_runId << m_entity.name << ": the listing shifted while it ran (" << why << ")";
    m_passShifted = true;
    m_report.listingShifted = true;
    m_counters.listingShifted = true;
}

Status SyncOrchestrator::Run::listPass(SyncPageFetcher &fetcher, const AdvisoryLock &lock, bool &listedEverything)
{
    listedEverything = false;
    while (true) {
        auto page = fetcher.next(m_owner.m_cancelled);
        m_callTally.raiseTo(fetcher.calls());
        if (!page)
            return failedAt(SyncFailureSource::Zoho, page.error());
        if (!*page) {
            listedEverything = true;
            return {};
        }
        // A PostgreSQL restart ends the session and with it the lock: another instance
        // may have started this type meanwhile, so this run must not go on.
        if (!lock.isHeld())
            return makeError(ErrorKind::Unavailable,
                             QStringLiteral("lost the %1 sync lock (the PostgreSQL session ended)").arg(m_entity.name));
        ++m_counters.pages;
        m_counters.fetched += (*page)->records.size();
        if (Status processed = processPage((*page)->records, (*page)->repeatedIds); !processed)
            return processed;
        reportProgress(false);
    }
}

// A listing is complete only if nothing moved under it. After it: the records modified
// since the run began (the catch-up: inserted or moved meanwhile, missed by the pages),
// CRM's deletions since the run began, and the rows the listing did not name checked by id.
// A pass that shifted is listed again (at most maxListingPasses listings), so records that
// moved past the cursor are listed and rows deleted behind it are proven gone.
Status SyncOrchestrator::Run::completeFullRun(SyncPageFetcher &fetcher, const AdvisoryLock &lock,
                                              const QDateTime &since)
{
    for (int pass = 1;; ++pass) {
        if (Status caught = catchUp(fetcher, since); !caught)
            return caught;
        QStringList midRunDeleted;
        if (pass == 1 && m_feedDeletedSinceStart) {
            midRunDeleted = *m_feedDeletedSinceStart;
        } else if (m_entity.source == EntityDefinition::Source::Crm) {
            auto deleted = readDeletedSince(fetcher, since);
            if (!deleted)
                return deleted.error();
            midRunDeleted = *deleted;
        }
        if (Status marked = markDeleted(fetcher, midRunDeleted); !marked)
            return marked;
        if (!m_passShifted || pass >= std::max(1, m_options.maxListingPasses))
            return {};
        qCInfo(lcSync) << "run" << m_runId << m_entity.name << ": listing again to prove it complete (pass"
                       << pass + 1 << ")";
        fetcher.restart();
        m_seen.clear();
        m_passShifted = false;
        m_counters.listingPasses = pass + 1;
        bool listedEverything = false;
        Status listed = listPass(fetcher, lock, listedEverything);
        if (Status drained = drainWriters(); !drained && listed)
            listed = drained;
        if (!listed)
            return listed;
    }
}

Status SyncOrchestrator::Run::catchUp(SyncPageFetcher &fetcher, const QDateTime &since)
{
    while (true) {
        auto page = fetcher.nextChanged(since, m_owner.m_cancelled);
        m_callTally.raiseTo(fetcher.calls());
        if (!page)
            return failedAt(SyncFailureSource::Zoho, page.error());
        if (!*page)
            break;
        qint64 missed = 0;
        for (const QJsonObject &record : std::as_const((*page)->records)) {
            const QString id = idOf(record, m_entity.idField);
            if (m_seen.contains(id))
                continue;
            ++missed;
            if (!m_caughtUpIds.contains(id)) {
                m_caughtUpIds.insert(id);
                ++m_counters.caughtUp;
            }
        }
        if (missed > 0)
            noteShift("the catch-up found records the listing missed");
        m_counters.fetched += (*page)->records.size();
        if (Status processed = processPage((*page)->records, {}); !processed)
            return processed;
    }
    return drainWriters();
}

Result<QStringList> SyncOrchestrator::Run::readDeletedSince(SyncPageFetcher &fetcher, const QDateTime &since)
{
    fetcher.restartDeleted();
    QStringList ids;
    while (true) {
        auto page = fetcher.nextDeleted(since, m_owner.m_cancelled);
        m_callTally.raiseTo(fetcher.calls());
        if (!page)
            return failedAt(SyncFailureSource::Zoho, page.error());
        if (!*page)
            return ids;
        for (const CrmDeletedRecord &record : std::as_const((*page)->records))
            ids.append(record.id);
    }
}

// The live rows a complete listing did not name may be gone from Zoho — or have moved
// between pages while the listing ran (a deletion ahead of them shifts them onto a page
// already read). Each is asked for by id: those Zoho confirms gone are marked deleted
// through the commit step (their students' snapshots and keys regrouped too); those still
// there are synced. Past maxDeletionChecks the rest wait for the next full run.
Status SyncOrchestrator::Run::markDeleted(SyncPageFetcher &fetcher, const QStringList &midRunDeleted)
{
    auto live = m_entities.contentHashes(m_entity.name);
    if (!live)
        return live.error();
    QStringList notListed;
    // Deleted after the listing passed them (Zoho's deleted list says so): the listing is
    // not stable (later records moved up a page), and each is checked like the others.
    QSet<QString> midRun;
    for (const QString &id : midRunDeleted) {
        if (!live->contains(id) || midRun.contains(id))
            continue;
        if (m_seen.contains(id))
            noteShift("records deleted behind the cursor");
        midRun.insert(id);
        notListed.append(id);
    }
    for (auto it = live->cbegin(); it != live->cend(); ++it)
        if (!m_seen.contains(it.key()) && !midRun.contains(it.key()))
            notListed.append(it.key());
    if (notListed.isEmpty())
        return {};
    const qsizetype checks = std::min<qsizetype>(notListed.size(), std::max(0, m_options.maxDeletionChecks));
    if (checks < notListed.size())
        qCWarning(lcSync) << "run" << m_runId << m_entity.name << ":" << notListed.size() - checks
                          << "row(s) not listed left for the next full run (at most" << checks << "checked a run)";
    auto presence = fetcher.checkPresence(notListed.mid(0, checks), m_owner.m_cancelled);
    m_callTally.raiseTo(fetcher.calls());
    if (!presence)
        return failedAt(SyncFailureSource::Zoho, presence.error());
    if (!presence->present.isEmpty()) {
        qCInfo(lcSync) << "run" << m_runId << m_entity.name << ":" << presence->present.size()
                       << "record(s) the listing missed are still in Zoho: synced, not deleted";
        for (const QJsonObject &record : std::as_const(presence->present))
            if (!m_seen.contains(idOf(record, m_entity.idField)))
                noteShift("live records missed: records deleted ahead of the cursor");
        m_counters.fetched += presence->present.size();
        if (Status synced = processPage(presence->present, {}); !synced)
            return synced;
        if (Status drained = drainWriters(); !drained)
            return drained;
    }
    const QStringList gone = presence->gone;
    if (gone.isEmpty())
        return {};
    auto layout = CommitStep::builtInLayout();
    if (!layout)
        return failedAt(SyncFailureSource::Engine, layout.error());
    CommitStep step(m_entity, *layout, m_pg, m_redis);
    CommitStep::Options options;
    options.stateTtlSeconds = m_options.stateTtlSeconds;
    options.cachingEnabled = m_cachingEnabled;
    options.clock = m_options.clock;
    constexpr qsizetype kDeletionsPerCommit = 1000;
    for (qsizetype begin = 0; begin < gone.size(); begin += kDeletionsPerCommit) {
        options.writeRedis = redisUsable();
        CommitStep::Batch batch;
        batch.deletedIds = gone.mid(begin, kDeletionsPerCommit);
        auto committed = step.commit(batch, options);
        if (!committed)
            return committed.error();
        m_markedDeleted += committed->rowsDeleted;
        if (options.writeRedis && !committed->redisWritten)
            redisFailed(committed->redisError);
    }
    return {};
}

// A complete listing of a fed entity: every roster student it has no snapshot for gets
// its empty answer ([] / null), so a known student without records costs no Zoho call.
Status SyncOrchestrator::Run::fillRosterGaps()
{
    auto layout = CommitStep::builtInLayout();
    if (!layout)
        return failedAt(SyncFailureSource::Engine, layout.error());
    CommitStep step(m_entity, *layout, m_pg, m_redis);
    CommitStep::Options options;
    options.stateTtlSeconds = m_options.stateTtlSeconds;
    options.cachingEnabled = m_cachingEnabled;
    options.clock = m_options.clock;
    options.writeRedis = redisUsable();
    auto filled = step.fillRosterGaps(options);
    if (!filled)
        return filled.error();
    if (*filled > 0)
        qCInfo(lcSync) << "run" << m_runId << m_entity.name << ":" << *filled
                       << "roster student(s) without records given their empty answer";
    return {};
}

bool SyncOrchestrator::Run::isFeed() const
{
    if (m_entity.source != EntityDefinition::Source::Crm)
        return false;
    if (m_options.feed)
        return *m_options.feed;
    auto endpoints = EndpointRegistry::builtIn();
    return endpoints && endpoints->isFeed(m_entity.name);
}

Status SyncOrchestrator::Run::readDeletedList(SyncPageFetcher &fetcher, const QDateTime &since)
{
    // From before the run began (the watermark minus the overlap, or all of it): it names
    // the deletions made while the full listing ran too.
    if (m_mode == SyncMode::Full && m_catchUpSince.isValid() && (!since.isValid() || since <= m_catchUpSince))
        m_feedDeletedSinceStart.emplace();
    while (true) {
        auto page = fetcher.nextDeleted(since, m_owner.m_cancelled);
        m_callTally.raiseTo(fetcher.calls());
        if (!page)
            return failedAt(SyncFailureSource::Zoho, page.error());
        if (!*page)
            return {};
        QStringList ids;
        for (const CrmDeletedRecord &record : (*page)->records) {
            if (!m_maxDeletedSeen.isValid() || record.deletedTime > m_maxDeletedSeen)
                m_maxDeletedSeen = record.deletedTime;
            if (m_feedDeletedSinceStart && (!record.deletedTime.isValid() || record.deletedTime >= m_catchUpSince))
                m_feedDeletedSinceStart->append(record.id);
            // Listed by this very run: alive now (restored), whatever the list says.
            if (!m_listed.contains(record.id))
                ids.append(record.id);
        }
        if (ids.isEmpty())
            continue;
        // Only live rows: the deleted list names every deletion since the watermark, most
        // of them already marked (or never synced).
        auto live = m_entities.contentHashes(m_entity.name, ids);
        if (!live)
            return live.error();
        if (live->isEmpty())
            continue;
        const size_t writers = m_writers.size();
        std::vector<QStringList> groups(writers);
        for (auto it = live->cbegin(); it != live->cend(); ++it)
            groups[writers == 1 ? 0 : qHash(it.key()) % writers].append(it.key());
        for (size_t w = 0; w < writers; ++w) {
            if (groups[w].isEmpty())
                continue;
            if (!m_writers[w]->submitDeletions(groups[w]))
                return m_owner.m_cancelled.load()
                           ? Status(makeError(ErrorKind::Cancelled, QStringLiteral("sync cancelled")))
                           : writerError();
        }
    }
}

Status SyncOrchestrator::Run::recordFeedSuccess(const QDateTime &startedAt)
{
    FeedStateRepository::Success success;
    success.entityType = m_entity.name;
    success.runId = m_runId;
    success.startedAt = startedAt;
    success.finishedAt = std::max(startedAt, QDateTime::fromMSecsSinceEpoch(m_options.clock(), Qt::UTC));
    success.full = m_mode == SyncMode::Full;
    // Never past the run's start: a record stamped later by a Zoho clock ahead of ours
    // would otherwise move the watermark over changes not yet listed.
    if (m_maxModifiedSeen.isValid())
        success.modifiedWatermark = std::min(m_maxModifiedSeen.toUTC(), startedAt);
    if (m_maxDeletedSeen.isValid())
        success.deletedWatermark = std::min(m_maxDeletedSeen.toUTC(), startedAt);
    return FeedStateRepository(m_pg).recordSuccess(success);
}

void SyncOrchestrator::Run::reportProgress(bool force)
{
    if (!m_writers.empty()) {
        qint64 upserted = 0;
        m_counters.deleted = m_markedDeleted;
        for (const auto &writer : m_writers) {
            upserted += writer->synced();
            m_counters.deleted += writer->deleted();  // rows the commit step marked, not ids asked for
        }
        // Distinct entities: an id listed twice (records moved between pages) counts once.
        m_counters.synced = std::max<qint64>(0, upserted - m_rewrites);
    }
    m_counters.zohoCalls = m_fetcher ? m_fetcher->calls() : 0;
    m_counters.listingShifted = m_report.listingShifted;
    m_counters.retries = m_fetcher ? m_fetcher->retries() : 0;
    SyncProgress progress;
    progress.runId = m_runId;
    progress.entityType = m_entity.name;
    progress.done = m_counters.synced + m_counters.skipped + m_counters.failed;
    progress.total = m_total >= 0 ? std::max(m_total, progress.done) : -1;
    progress.elapsedMs = m_elapsed.elapsed();
    progress.ratePerSecond = progress.elapsedMs > 0 ? progress.done * 1000.0 / double(progress.elapsedMs) : 0.0;
    progress.counters = m_counters;
    emit m_owner.progress(progress);
    if (force || progress.elapsedMs - m_lastProgressWriteMs >= m_options.progressWriteIntervalMs) {
        m_lastProgressWriteMs = progress.elapsedMs;
        Status written = m_runs.updateProgress(m_runId, m_counters);
        if (!written)
            qCDebug(lcSync) << "progress not recorded:" << written.error().toString();
    }
}

Result<SyncReport> SyncOrchestrator::Run::execute()
{
    m_elapsed.start();
    AdvisoryLock lock(m_pg, AdvisoryLock::syncLockName(m_entity.name));
    auto locked = lock.tryLock();
    if (!locked)
        return locked.error();
    if (!*locked)
        return refusal();
    abandonStaleRuns();

    m_mode = m_options.mode;
    auto caching = SettingsRepository(m_pg).cachingEnabled();
    if (!caching)
        return caching.error();
    m_cachingEnabled = *caching;
    if (!*caching)
        m_mode = SyncMode::Full;  // caching off: nothing may be skipped on the strength of a hash

    // A feed's incremental run asks only for what changed since its watermark (minus the
    // overlap); with no watermark yet it is the cold, full run.
    m_feed = isFeed();
    QDateTime modifiedSince;
    QDateTime deletedSince;
    if (m_feed) {
        auto feedState = FeedStateRepository(m_pg).get(m_entity.name);
        if (!feedState)
            return feedState.error();
        const qint64 overlapSeconds = std::max<qint64>(0, m_options.feedOverlapSeconds);
        if (*feedState && (*feedState)->modifiedWatermark.isValid())
            modifiedSince = (*feedState)->modifiedWatermark.addSecs(-overlapSeconds);
        else
            m_mode = SyncMode::Full;
        if (*feedState && (*feedState)->deletedWatermark.isValid())
            deletedSince = (*feedState)->deletedWatermark.addSecs(-overlapSeconds);
        if (m_mode == SyncMode::Full)
            modifiedSince = QDateTime();
    }

    auto runId = m_runs.start(m_entity.name, syncModeName(m_mode), m_options.trigger);
    if (!runId)
        return runId.error();
    m_runId = *runId;
    const QDateTime startedAt = QDateTime::currentDateTimeUtc();
    // The feed's clock (injected): data_as_of and the bound of the watermarks.
    const QDateTime feedStartedAt = QDateTime::fromMSecsSinceEpoch(m_options.clock(), Qt::UTC);
    // A full run's catch-up lists what changed from here on (minus the overlap).
    const QDateTime catchUpSince = feedStartedAt.addSecs(-std::max<qint64>(0, m_options.catchUpOverlapSeconds));
    m_catchUpSince = catchUpSince;
    emit m_owner.started(m_runId, syncModeName(m_mode));
    qCInfo(lcSync) << "run" << m_runId << m_entity.name << syncModeName(m_mode) << "started";

    auto count = m_entities.count(m_entity.name);
    if (count && *count > 0)
        m_total = *count;
    // Rows written meanwhile by others (a webhook) are upserted again at worst.
    m_typeWasEmpty = count && *count == 0;
    const int estimatedPages = (m_entity.source == EntityDefinition::Source::Books && m_total > 0)
                                   ? int((m_total + ZohoApi::kPerPage - 1) / ZohoApi::kPerPage)
                                   : 0;
    SyncPageFetcher fetcher(m_entity, m_owner.m_client, m_options.pagesInFlight, estimatedPages,
                            m_options.maxPages);
    if (modifiedSince.isValid())
        fetcher.setIfModifiedSince(modifiedSince);
    m_fetcher = &fetcher;
    for (int i = 0; i < std::max(1, m_options.writerThreads); ++i)
        m_writers.push_back(std::make_unique<SyncWriter>(m_entity, m_owner.m_pg, m_owner.m_redis,
                                                         m_options.stateTtlSeconds, m_options.redisRetryIntervalMs,
                                                         8, &m_callTally, m_options.clock, m_cachingEnabled));

    Status outcome;
    bool listedEverything = false;
    m_counters.listingPasses = modifiedSince.isValid() ? 0 : 1;  // a feed's changes are not a listing
    outcome = listPass(fetcher, lock, listedEverything);
    // Cancelled: batches not yet started are dropped, the one in progress completes.
    // Otherwise everything queued is written before the run ends.
    if (!outcome && outcome.error().kind == ErrorKind::Cancelled)
        for (const auto &writer : m_writers)
            writer->cancel();
    for (const auto &writer : m_writers)
        if (Status drained = writer->drain(); !drained && outcome)
            outcome = drained;
    // Deletions proven by CRM's deleted-records list, after the listing's rows committed.
    if (outcome && listedEverything && m_feed) {
        outcome = readDeletedList(fetcher, deletedSince);
        if (!outcome && outcome.error().kind == ErrorKind::Cancelled)
            for (const auto &writer : m_writers)
                writer->cancel();
        for (const auto &writer : m_writers)
            if (Status drained = writer->drain(); !drained && outcome)
                outcome = drained;
    }
    if (outcome && listedEverything && m_mode == SyncMode::Full) {
        outcome = completeFullRun(fetcher, lock, catchUpSince);
        if (!outcome && outcome.error().kind == ErrorKind::Cancelled)
            for (const auto &writer : m_writers)
                writer->cancel();
        if (Status drained = drainWriters(); !drained && outcome)
            outcome = drained;
    }
    if (outcome && listedEverything && m_feed && m_mode == SyncMode::Full)
        outcome = fillRosterGaps();
    if (outcome && m_feed)
        outcome = recordFeedSuccess(feedStartedAt);

    SyncRunStatus status = SyncRunStatus::Succeeded;
    QString error;
    if (!outcome) {
        const bool cancelled = outcome.error().kind == ErrorKind::Cancelled && m_owner.m_cancelled.load();
        status = cancelled ? SyncRunStatus::Cancelled : SyncRunStatus::Failed;
        // A call the open circuit refused names the failure that opened it first (its
        // message starts with it); "circuit_open:" in front would hide the cause again.
        const Error &failure = outcome.error();
        error = cancelled                                  ? QStringLiteral("cancelled")
                : failure.kind == ErrorKind::CircuitOpen ? failure.message
                                                           : failure.toString();
        if (!cancelled) {
            m_report.failure = failure;
            m_report.failureSource =
                m_failureSource == SyncFailureSource::None ? SyncFailureSource::Postgres : m_failureSource;
        }
    }
    reportProgress(false);
    m_fetcher = nullptr;
    recordZohoCalls(m_counters.zohoCalls);
    m_report.zohoWaitMs = fetcher.waitMs();
    SyncWriter::Totals written;
    for (const auto &writer : m_writers) {
        const SyncWriter::Totals totals = writer->totals();
        written.upsertNs += totals.upsertNs;
        written.stateWriteNs += totals.stateWriteNs;
        written.redisDegraded = written.redisDegraded || totals.redisDegraded;
    }
    m_writers.clear();
    m_report.redisDegraded = m_report.redisDegraded || written.redisDegraded;

    Status finished = m_runs.finish(m_runId, status, m_counters, error);
    if (!finished)
        qCWarning(lcSync) << "run" << m_runId << "ended" << syncRunStatusName(status)
                          << "but could not be recorded:" << finished.error().toString();
    SyncRunRepository::Run &run = m_report.run;
    run.id = m_runId;
    run.entityType = m_entity.name;
    run.mode = syncModeName(m_mode);
    run.trigger = m_options.trigger;
    run.status = status;
    run.startedAt = startedAt;
    run.finishedAt = QDateTime::currentDateTimeUtc();
    run.counters = m_counters;
    run.durationMs = m_elapsed.elapsed();
    run.error = error;
    m_report.engineMs = run.durationMs - m_report.zohoWaitMs;
    m_report.hashMs = m_hashNs / 1000000;
    m_report.lookupMs = m_lookupNs / 1000000;
    m_report.upsertMs = written.upsertNs / 1000000;
    m_report.stateWriteMs = (m_stateWriteNs + written.stateWriteNs) / 1000000;
    qCInfo(lcSync) << "run" << m_runId << m_entity.name << syncRunStatusName(status) << "fetched" << m_counters.fetched << "synced"
                   << m_counters.synced << "skipped" << m_counters.skipped << "in" << run.durationMs << "ms";
    Status unlocked = lock.unlock();
    if (!unlocked)
        qCDebug(lcSync) << "unlock:" << unlocked.error().toString();
    emit m_owner.finished(m_report);
    return m_report;
}

SyncOrchestrator::SyncOrchestrator(EntityDefinition entity, ZohoClient *client, PgSettings pg, RedisSettings redis,
                                   SyncOptions options, QObject *parent)
    : QObject(parent)
    , m_entity(std::move(entity))
    , m_client(client)
    , m_pg(std::move(pg))
    , m_redis(std::move(redis))
    , m_options(std::move(options))
{
    qRegisterMetaType<SyncProgress>();
    qRegisterMetaType<SyncReport>();
}

SyncOrchestrator::~SyncOrchestrator() = default;

void SyncOrchestrator::cancel()
{
    m_cancelled.store(true);
}

Result<SyncReport> SyncOrchestrator::run()
{
    Run run(*this);
    return run.execute();
}

}  // namespace tiersync
