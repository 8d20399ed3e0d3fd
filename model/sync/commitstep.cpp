#include "sync/commitstep.h"

#include "cache/cachekeys.h"
#include "cache/endpointpayload.h"
#include "cache/endpointregistry.h"
#include "cache/rawcachedentry.h"
#include "core/canonicaljson.h"
#include "core/logging.h"
#include "redis/redisconnection.h"
#include "store/entityrepository.h"
#include "store/pgvalues.h"
#include "store/pgconnection.h"
#include "store/snapshotrepository.h"
#include "sync/entityregistry.h"
#include "sync/entitystate.h"
#include "sync/zohotime.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QMutex>
#include <QSet>

#include <pqxx/pqxx>

#include <algorithm>
#include <map>
#include <optional>

namespace tiersync {

namespace {

using SnapshotKey = QPair<QString, qint64>;  // (endpoint, moodle_user_id)

QList<qint64> sorted(const QSet<qint64> &set)
{
    QList<qint64> list(set.cbegin(), set.cend());
    std::sort(list.begin(), list.end());
    return list;
}

}  // namespace

// What the transaction decided, for the Redis step.
struct CommitStep::Planned {
    struct KeyWrite {
        QByteArray key;
        QByteArray value;  // empty: unlink
        qint64 ttlSeconds = 0;
    };
    QList<EntityRepository::Row> rows;
    QList<KeyWrite> keys;
    // The students whose session advisory locks this commit holds, and the session that
    // holds them (PgConnection::generation: a new session holds none).
    QList<qint64> lockedStudents;
    quint64 lockGeneration = 0;
};

Result<CommitStep::Layout> CommitStep::layout(const EntityRegistry &entities, const EndpointRegistry &endpoints)
{
    Layout layout;
    if (const EntityDefinition *roster = entities.roster())
        layout.rosterEntity = roster->name;
    // An endpoint is regrouped from the entity its feed names (endpoints.json "feed").
    for (const EndpointDefinition &endpoint : endpoints.endpoints()) {
        if (!endpoint.isFed())
            continue;
        const EntityDefinition *feed = entities.find(endpoint.feedEntity);
        if (!feed)
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("endpoint \"%1\" is fed by \"%2\", which is no entity type")
                                 .arg(endpoint.name, endpoint.feedEntity));
        if (feed->source != EntityDefinition::Source::Crm || feed->moodleUserIdField.isEmpty())
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("endpoint \"%1\" is fed by \"%2\", which names no student "
                                            "(a CRM entity with moodle_user_id_field)")
                                 .arg(endpoint.name, endpoint.feedEntity));
        layout.fed.append(FedEndpoint{endpoint, feed->name, feed->idField});
    }
    return layout;
}

Result<CommitStep::Layout> CommitStep::builtInLayout()
{
    static QMutex mutex;
    static std::optional<Result<Layout>> loaded;
    QMutexLocker locker(&mutex);
    if (!loaded) {
        auto entities = EntityRegistry::builtIn();
        auto endpoints = EndpointRegistry::builtIn();
        if (!entities)
            loaded = Result<Layout>(entities.error());
        else if (!endpoints)
            loaded = Result<Layout>(endpoints.error());
        else
            loaded = layout(*entities, *endpoints);
    }
    return *loaded;
}

CommitStep::CommitStep(EntityDefinition entity, Layout layout, PgConnection &pg, RedisConnection &redis)
    : m_entity(std::move(entity))
    , m_layout(std::move(layout))
    , m_pg(pg)
    , m_redis(redis)
{
}

qint64 CommitStep::moodleUserIdOf(const QJsonObject &record, const QString &field)
{
    if (field.isEmpty())
        return 0;
    const QJsonValue value = record.value(field);
    qint64 id = 0;
    if (value.isDouble()) {
        id = value.toDouble() == double(value.toInteger()) ? value.toInteger() : 0;
    } else if (value.isString()) {
        const QString text = value.toString();
        bool ok = text.size() <= 18
            && std::all_of(text.cbegin(), text.cend(), [](QChar c) { return c >= u'0' && c <= u'9'; });
        id = ok ? text.toLongLong(&ok) : 0;
        if (!ok)
            id = 0;
    }
    return id > 0 ? id : 0;
}

Result<CommitStep::Report> CommitStep::commit(const Batch &batch, const Options &options)
{
    for (const Upsert &upsert : batch.upserts)
        if (!cachekeys::isValidZohoId(upsert.id) || upsert.hash.isEmpty())
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("%1: a record without a valid id or content hash").arg(m_entity.name));
    for (const QString &id : batch.deletedIds)
        if (!cachekeys::isValidZohoId(id))
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("%1: \"%2\" is not a Zoho id").arg(m_entity.name, id.left(64)));

    const EpochClock clock = orSystemEpochClock(options.clock);
    const qint64 nowMs = clock();
    const QDateTime fetchedAt = QDateTime::fromMSecsSinceEpoch(nowMs, Qt::UTC);
    const bool roster = !m_layout.rosterEntity.isEmpty() && m_layout.rosterEntity == m_entity.name;

    QStringList ids;
    QList<EntityRepository::Row> allRows;
    allRows.reserve(batch.upserts.size());
    for (const Upsert &upsert : batch.upserts) {
        EntityRepository::Row row;
        row.entityType = m_entity.name;
        row.zohoId = upsert.id;
        // The whole record in canonical form (volatile fields included): jsonb
        // normalises it anyway, and this skips a QJsonDocument pass.
        row.payload = canonicaljson::serialize(upsert.record, {});
        row.contentHash = upsert.hash;
        row.lastModifiedTime = parseZohoTime(upsert.record.value(m_entity.modifiedField));
        row.moodleUserId = moodleUserIdOf(upsert.record, m_entity.moodleUserIdField);
        allRows.append(std::move(row));
        ids.append(upsert.id);
    }
    ids.append(batch.deletedIds);

    Report report;
    Planned planned;
    Status committed = m_pg.transaction(
        QStringLiteral("committing %1 %2 record(s)").arg(ids.size()).arg(m_entity.name),
        [&](pqxx::transaction_base &txn) -> Status {
            report = Report();
            planned = Planned();
            // An entity that feeds no endpoint (products, customers) has no student to regroup.
            const bool feeds = roster
                || std::any_of(m_layout.fed.cbegin(), m_layout.fed.cend(),
                               [this](const FedEndpoint &fed) { return fed.feedEntity == m_entity.name; });
            const bool guarded = std::any_of(batch.upserts.cbegin(), batch.upserts.cend(),
                                             [](const Upsert &upsert) { return !upsert.expectedHash.isEmpty(); });
            const QHash<QString, EntityRepository::Owner> owners = feeds || guarded
                ? EntityRepository::lockOwnersIn(txn, m_entity.name, ids)
                : QHash<QString, EntityRepository::Owner>();
            // A guarded upsert whose base row changed since it was read is left out.
            QList<EntityRepository::Row> rows = allRows;
            for (qsizetype i = batch.upserts.size() - 1; guarded && i >= 0; --i) {
                const Upsert &upsert = batch.upserts.at(i);
                const auto owner = owners.constFind(upsert.id);
                if (upsert.expectedHash.isEmpty()
                    || (owner != owners.cend() && owner->live && owner->contentHash == upsert.expectedHash))
                    continue;
                report.conflicted.prepend(upsert.id);
                rows.removeAt(i);
            }

            // The students whose snapshots this batch may change.
            QSet<qint64> ownStudents;     // their endpoints fed by this entity
            QSet<qint64> rosterStudents;  // every fed endpoint (a roster row came or went)
            const auto add = [](QSet<qint64> &set, qint64 id) {
                if (id > 0)
                    set.insert(id);
            };
            for (const EntityRepository::Row &row : std::as_const(rows)) {
                if (!feeds)
                    break;
                const auto owner = owners.constFind(row.zohoId);
                const bool wasLive = owner != owners.cend() && owner->live;
                const qint64 previous = owner != owners.cend() ? owner->moodleUserId : 0;
                add(ownStudents, row.moodleUserId);
                add(ownStudents, previous);
                if (roster && (!wasLive || previous != row.moodleUserId)) {
                    add(rosterStudents, row.moodleUserId);
                    if (wasLive)
                        add(rosterStudents, previous);
                }
            }
            for (const QString &id : batch.deletedIds) {
                const auto owner = owners.constFind(id);
                if (owner == owners.cend() || !owner->live)
                    continue;
                add(ownStudents, owner->moodleUserId);
                if (roster)
                    add(rosterStudents, owner->moodleUserId);
            }
            if (feeds)
                for (qint64 student : batch.regroupStudents)
                    add(ownStudents, student);
            const QList<qint64> students = sorted(ownStudents + rosterStudents);
            // Regroups of one student run one after the other (in id order: no deadlock),
            // and each sees the rows the other committed. The locks are the session's, not
            // the transaction's: they are held until this commit's Redis step has written
            // the students' keys too, so two commits of one student reach Redis in the
            // order they reached PostgreSQL (with transaction locks, the earlier commit's
            // keys could land last and leave Redis a snapshot behind).
            if (!students.isEmpty()) {
                planned.lockedStudents = students;
                planned.lockGeneration = m_pg.generation();
                txn.exec_params("SELECT pg_advisory_lock(hashtextextended('tiersync.student.' || s, 0))"
                                " FROM (SELECT s FROM unnest($1::bigint[]) AS s ORDER BY s) AS ordered",
                                EntityRepository::toPgBigintArray(students));
            }

            report.syncCounts = EntityRepository::upsertIn(txn, rows);
            report.rowsUpserted = int(report.syncCounts.size());
            report.rowsDeleted = int(EntityRepository::markDeletedIn(txn, m_entity.name, batch.deletedIds).size());
            planned.rows = rows;
            if (students.isEmpty())
                return {};

            // Endpoint -> the students to regroup for it.
            std::map<int, QSet<qint64>> regroup;  // index into m_layout.fed
            QHash<QString, bool> fedAtAll;        // feed entity -> has live rows
            for (int i = 0; i < m_layout.fed.size(); ++i) {
                const FedEndpoint &fed = m_layout.fed.at(i);
                if (fed.feedEntity == m_entity.name) {
                    regroup[i] += ownStudents + rosterStudents;
                } else if (!rosterStudents.isEmpty()) {
                    auto known = fedAtAll.constFind(fed.feedEntity);
                    if (known == fedAtAll.cend())
                        known = fedAtAll.insert(fed.feedEntity, EntityRepository::hasLiveRowsIn(txn, fed.feedEntity));
                    if (*known)
                        regroup[i] += rosterStudents;
                }
            }
            QSet<qint64> regrouped;
            QStringList endpointNames;
            QHash<QString, QSet<qint64>> byFeed;
            for (const auto &[index, set] : regroup) {
                if (set.isEmpty())
                    continue;
                regrouped += set;
                endpointNames.append(m_layout.fed.at(index).endpoint.name);
                byFeed[m_layout.fed.at(index).feedEntity] += set;
            }
            report.students = int(regrouped.size());
            if (regrouped.isEmpty())
                return {};
            const QList<qint64> regroupedList = sorted(regrouped);
            const QList<qint64> rostered = EntityRepository::studentsWithLiveRowsIn(txn, m_layout.rosterEntity, regroupedList);
            const QSet<qint64> onRoster(rostered.cbegin(), rostered.cend());
            const auto stored = SnapshotRepository::hashesIn(txn, endpointNames, regroupedList);
            // feed entity -> student -> records
            QHash<QString, QHash<qint64, QList<QJsonObject>>> records;
            for (auto it = byFeed.cbegin(); it != byFeed.cend(); ++it) {
                QHash<qint64, QList<QJsonObject>> &perStudent = records[it.key()];
                for (const auto &owned : EntityRepository::liveRecordsOfIn(txn, it.key(), sorted(it.value())))
                    perStudent[owned.moodleUserId].append(QJsonDocument::fromJson(owned.payload).object());
            }

            QList<SnapshotRepository::Snapshot> writes;
            QList<SnapshotKey> removals;
            for (qint64 student : regroupedList) {
                for (const auto &[index, set] : regroup) {
                    if (!set.contains(student))
                        continue;
                    const FedEndpoint &fed = m_layout.fed.at(index);
                    const QList<QJsonObject> own = records.value(fed.feedEntity).value(student);
                    const QByteArray key = cachekeys::endpointKey(fed.endpoint.name, student);
                    const auto storedHash = stored.constFind({fed.endpoint.name, student});
                    if (!onRoster.contains(student) && own.isEmpty()) {
                        // Unknown to the replica: no snapshot, and no cached answer (a reader
                        // may have cached one from Zoho).
                        if (storedHash != stored.cend())
                            removals.append({fed.endpoint.name, student});
                        planned.keys.append({key, {}, 0});
                        continue;
                    }
                    endpointpayload::Payload payload =
                        endpointpayload::build(fed.endpoint.shape, own, fed.feedIdField);
                    if (storedHash != stored.cend() && *storedHash == payload.contentHash) {
                        if (!options.cachingEnabled)
                            planned.keys.append({key, {}, 0});
                        continue;  // unchanged: nothing written
                    }
                    writes.append(SnapshotRepository::Snapshot{fed.endpoint.name, student, payload.dataJson,
                                                               payload.contentHash, fetchedAt});
                    if (options.cachingEnabled)
                        planned.keys.append(
                            {key,
                             RawCachedEntry{payload.dataJson, nowMs, nowMs, fed.endpoint.redisTtlSeconds, 0}.encode(),
                             fed.endpoint.redisTtlSeconds});
                    else
                        planned.keys.append({key, {}, 0});
                }
            }
            report.snapshotsWritten = SnapshotRepository::upsertIn(txn, writes, fetchedAt);
            report.snapshotsRemoved = SnapshotRepository::removeIn(txn, removals);
            return {};
        });
    if (!committed) {
        releaseStudents(planned);  // a rolled-back transaction keeps session locks
        return committed.error();
    }
    if (options.writeRedis) {
        QElapsedTimer redisTime;
        redisTime.start();
        writeRedis(planned, batch, options, report);
        report.redisNs = redisTime.nsecsElapsed();
    }
    releaseStudents(planned);
    return report;
}

void CommitStep::releaseStudents(const Planned &planned)
{
    // Gone with the session if it ended (the server released them); a failure here ends
    // the session, which releases them too.
    if (planned.lockedStudents.isEmpty() || planned.lockGeneration != m_pg.generation())
        return;
    const QString what = QStringLiteral("releasing the students' locks");
    Status released = m_pg.nonTransaction(what, [&](pqxx::transaction_base &tx) -> Status {
        tx.exec_params("SELECT pg_advisory_unlock(hashtextextended('tiersync.student.' || s, 0))"
                       " FROM unnest($1::bigint[]) AS s",
                       EntityRepository::toPgBigintArray(planned.lockedStudents));
        return {};
    });
    if (!released) {
        qCWarning(lcSync) << "cannot release the students' locks; closing the session:" << released.error().message;
        m_pg.close();
    }
}

void CommitStep::writeRedis(const Planned &planned, const Batch &batch, const Options &options, Report &report)
{
    QList<QList<QByteArray>> commands;
    commands.reserve(2 * planned.rows.size() + batch.deletedIds.size() + planned.keys.size()
                     + batch.countingCommands.size());
    const QByteArray now = EntityState::nowText();
    const QByteArray stateTtl = QByteArray::number(options.stateTtlSeconds);
    int states = 0;
    for (const EntityRepository::Row &row : planned.rows) {
        const auto count = report.syncCounts.constFind(row.zohoId);
        if (count == report.syncCounts.cend())
            continue;  // a duplicate id in the batch: written once
        EntityState state;
        state.contentHash = row.contentHash;
        state.localId = row.zohoId;
        state.lastModifiedTime = row.lastModifiedTime;
        state.syncCount = *count;
        const RedisHashWrite write = state.toHashWrite(m_entity.name, row.zohoId, now);
        QList<QByteArray> argv{QByteArrayLiteral("HSET"), write.key};
        for (const auto &[field, value] : write.fields)
            argv << field << value;
        commands.append(std::move(argv));
        if (options.stateTtlSeconds > 0)
            commands.append({QByteArrayLiteral("EXPIRE"), write.key, stateTtl});
        ++states;
    }
    QList<QByteArray> touched;
    // A deleted record's state must go, or its return with the same content would be skipped.
    for (const QString &id : batch.deletedIds) {
        touched.append(cachekeys::entityStateKey(m_entity.name, id));
        commands.append({QByteArrayLiteral("UNLINK"), touched.constLast()});
    }
    int rewritten = 0;
    int unlinked = 0;
    for (const Planned::KeyWrite &write : planned.keys) {
        touched.append(write.key);
        if (write.value.isEmpty()) {
            commands.append({QByteArrayLiteral("UNLINK"), write.key});
            ++unlinked;
        } else {
            commands.append({QByteArrayLiteral("SET"), write.key, write.value, QByteArrayLiteral("EX"),
                             QByteArray::number(std::max<qint64>(1, write.ttlSeconds))});
            ++rewritten;
        }
    }
    const qsizetype idempotent = commands.size();
    commands.append(batch.countingCommands);
    if (commands.isEmpty()) {
        report.redisWritten = true;
        report.countingApplied = true;
        return;
    }
    // One round trip: the counting commands must not push anything into a second one.
    const int chunk = int(std::max<qsizetype>(RedisConnection::kDefaultPipelineChunk, commands.size()));
    auto replies = m_redis.pipeline(commands, chunk);
    bool counted = !batch.countingCommands.isEmpty();
    if (!replies && !batch.countingCommands.isEmpty() && idempotent > 0) {
        // They are not idempotent: sent once more without them, the caller counts them later.
        commands.resize(idempotent);
        counted = false;
        replies = m_redis.pipeline(commands, chunk);
    }
    if (!replies) {
        report.redisError = replies.error();
        return;
    }
    for (qsizetype i = 0; i < idempotent; ++i) {
        if (replies->at(i).isError()) {
            report.redisError = RedisConnection::errorFromReply(replies->at(i));
            return;
        }
    }
    if (counted)
        for (qsizetype i = idempotent; i < replies->size(); ++i)
            counted = counted && !replies->at(i).isError();
    report.countingApplied = counted || batch.countingCommands.isEmpty();
    report.redisWritten = true;
    report.statesWritten = states;
    report.statesRemoved = int(batch.deletedIds.size());
    report.keysRewritten = rewritten;
    report.keysUnlinked = unlinked;
    report.touchedKeys = touched;
}

Result<qint64> CommitStep::fillRosterGaps(const Options &options, int chunkSize)
{
    QStringList endpoints;
    for (const FedEndpoint &fed : std::as_const(m_layout.fed))
        if (fed.feedEntity == m_entity.name)
            endpoints.append(fed.endpoint.name);
    if (endpoints.isEmpty() || m_layout.rosterEntity.isEmpty())
        return qint64(0);
    QList<qint64> gaps;
    Status listed = m_pg.transaction(
        QStringLiteral("listing %1's roster gaps").arg(m_entity.name),
        [&](pqxx::transaction_base &txn) -> Status {
            gaps.clear();
            const pqxx::result rows = txn.exec_params(
                "SELECT DISTINCT e.moodle_user_id FROM tiersync.entities e"
                " WHERE e.entity_type = $1 AND e.deleted_at IS NULL AND e.moodle_user_id IS NOT NULL"
                "   AND EXISTS (SELECT 1 FROM unnest($2::text[]) AS wanted(endpoint)"
                "               WHERE NOT EXISTS (SELECT 1 FROM tiersync.endpoint_snapshots s"
                "                                 WHERE s.endpoint = wanted.endpoint"
                "                                   AND s.moodle_user_id = e.moodle_user_id))"
                " ORDER BY 1",
                m_layout.rosterEntity.toStdString(), toPgTextArray(endpoints));
            gaps.reserve(qsizetype(rows.size()));
            for (const auto &row : rows)
                gaps.append(row[0].as<qint64>());
            return {};
        },
        PgConnection::Idempotency::Idempotent);
    if (!listed)
        return listed.error();
    const int chunk = qMax(1, chunkSize);
    for (qsizetype begin = 0; begin < gaps.size(); begin += chunk) {
        Batch batch;
        batch.regroupStudents = gaps.mid(begin, chunk);
        auto committed = commit(batch, options);
        if (!committed)
            return committed.error();
    }
    return qint64(gaps.size());
}

}  // namespace tiersync
