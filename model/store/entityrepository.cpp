#include "store/entityrepository.h"

#include "store/pgconnection.h"
#include "store/pgvalues.h"

#include <pqxx/pqxx>

#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>

namespace tiersync {

namespace {

using Idempotency = PgConnection::Idempotency;

const char kStagingTable[] = "tiersync_entities_in";

// The merge both methods share; the source is either the staging table or VALUES.
const char kOnConflict[] =
    " ON CONFLICT (entity_type, zoho_id) DO UPDATE SET"
    " payload = EXCLUDED.payload,"
    " content_hash = EXCLUDED.content_hash,"
    " last_modified_time = EXCLUDED.last_modified_time,"
    " moodle_user_id = EXCLUDED.moodle_user_id,"
    " synced_at = now(),"
    " sync_count = e.sync_count + 1,"
    " deleted_at = NULL";

const char kInsertInto[] =
    "INSERT INTO tiersync.entities AS e"
    " (entity_type, zoho_id, payload, content_hash, last_modified_time, moodle_user_id)";

std::string storedRowColumns()
{
    return "entity_type, zoho_id, payload::text, content_hash, " + pgEpochMs("last_modified_time")
        + ", " + pgEpochMs("synced_at") + ", sync_count, " + pgEpochMs("deleted_at") + ", moodle_user_id";
}

EntityRepository::StoredRow toStoredRow(const pqxx::row &r)
{
    EntityRepository::StoredRow stored;
    stored.row.entityType = fromPgText(r[0]);
    stored.row.zohoId = fromPgText(r[1]);
    stored.row.payload = QByteArray(r[2].c_str(), static_cast<qsizetype>(r[2].size()));
    stored.row.contentHash = fromPgText(r[3]);
    stored.row.lastModifiedTime = fromPgEpochMs(r[4]);
    stored.syncedAt = fromPgEpochMs(r[5]);
    stored.syncCount = r[6].as<int>();
    stored.deletedAt = fromPgEpochMs(r[7]);
    stored.row.moodleUserId = r[8].is_null() ? 0 : r[8].as<qint64>();
    return stored;
}

// The last occurrence of each key, in first-seen order: ON CONFLICT cannot touch one
// row twice in a statement.
QList<const EntityRepository::Row *> deduplicated(const QList<EntityRepository::Row> &rows)
{
    QHash<QPair<QString, QString>, qsizetype> position;
    QList<const EntityRepository::Row *> unique;
    unique.reserve(rows.size());
    for (const auto &row : rows) {
        const auto key = qMakePair(row.entityType, row.zohoId);
        const auto it = position.constFind(key);
        if (it == position.cend()) {
            position.insert(key, unique.size());
            unique << &row;
        } else {
            unique[*it] = &row;
        }
    }
    return unique;
}

Status validate(const QList<EntityRepository::Row> &rows)
{
    for (const auto &row : rows) {
        if (row.entityType.isEmpty() || row.zohoId.isEmpty())
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("entity row without entity_type or zoho_id"));
        if (row.contentHash.isEmpty())
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("entity %1/%2 has no content hash")
                                 .arg(row.entityType, row.zohoId));
    }
    return {};
}

std::optional<qint64> ownerOf(const EntityRepository::Row &row)
{
    if (row.moodleUserId <= 0)
        return std::nullopt;
    return row.moodleUserId;
}

// RETURNING zoho_id, sync_count (the commit step's states) or nothing.
const char kReturning[] = " RETURNING zoho_id, sync_count";

pqxx::result upsertByCopy(pqxx::transaction_base &txn, const QList<const EntityRepository::Row *> &rows,
                          bool createStaging, bool returning)
{
    // A session temporary table: created once per session, emptied at each commit
    // (and rolled back with a failed batch).
    if (createStaging)
        txn.exec(std::string("CREATE TEMP TABLE IF NOT EXISTS ") + kStagingTable
                 + " (entity_type text, zoho_id text, payload jsonb, content_hash text,"
                   " last_modified_time timestamptz, moodle_user_id bigint) ON COMMIT DELETE ROWS");
    {
        pqxx::stream_to copy(txn, kStagingTable);
        for (const auto *row : rows) {
            copy << std::make_tuple(row->entityType.toStdString(), row->zohoId.toStdString(),
                                    row->payload.toStdString(), row->contentHash.toStdString(),
                                    toPgTimestamp(row->lastModifiedTime), ownerOf(*row));
        }
        copy.complete();
    }
    return txn.exec(std::string(kInsertInto)
                    + " SELECT entity_type, zoho_id, payload, content_hash,"
                      " last_modified_time, moodle_user_id FROM "
                    + kStagingTable + kOnConflict + (returning ? kReturning : ""));
}

pqxx::result upsertByInsert(pqxx::transaction_base &txn, const QList<const EntityRepository::Row *> &rows,
                            bool returning)
{
    std::string sql = kInsertInto;
    size_t bytes = 0;
    for (const auto *row : rows)
        bytes += static_cast<size_t>(row->payload.size()) + 160;
    sql.reserve(sql.size() + bytes + 300);
    sql += " VALUES ";
    bool first = true;
    for (const auto *row : rows) {
        if (!first)
            sql += ',';
        first = false;
        const auto modified = toPgTimestamp(row->lastModifiedTime);
        sql += '(';
        sql += txn.quote(row->entityType.toStdString());
        sql += ',';
        sql += txn.quote(row->zohoId.toStdString());
        sql += ',';
        sql += txn.quote(row->payload.toStdString());
        sql += "::jsonb,";
        sql += txn.quote(row->contentHash.toStdString());
        sql += ',';
        sql += modified ? txn.quote(*modified) + "::timestamptz" : std::string("NULL");
        sql += ',';
        sql += row->moodleUserId > 0 ? std::to_string(row->moodleUserId) + "::bigint" : std::string("NULL::bigint");
        sql += ')';
    }
    sql += kOnConflict;
    if (returning)
        sql += kReturning;
    return txn.exec(sql);
}

}  // namespace

EntityRepository::EntityRepository(PgConnection &connection)
    : m_connection(connection)
{
}

void EntityRepository::setUpsertMethod(UpsertMethod method)
{
    m_method = method;
}

EntityRepository::UpsertMethod EntityRepository::upsertMethod() const
{
    return m_method;
}

Result<int> EntityRepository::upsert(const QList<Row> &rows)
{
    if (rows.isEmpty())
        return 0;
    if (Status valid = validate(rows); !valid)
        return valid.error();
    const auto unique = deduplicated(rows);
    const bool useCopy = m_method == UpsertMethod::Copy
        || (m_method == UpsertMethod::Auto && unique.size() >= kCopyThreshold);
    int written = 0;
    Status status = m_connection.transaction(
        QStringLiteral("upserting %1 entities").arg(unique.size()),
        [&](pqxx::transaction_base &txn) -> Status {
            written = static_cast<int>(
                (useCopy ? upsertByCopy(txn, unique, m_stagingGeneration != m_connection.generation(), false)
                         : upsertByInsert(txn, unique, false))
                    .affected_rows());
            return {};
        });
    if (!status) {
        // The CREATE may have been rolled back with the batch.
        m_stagingGeneration = 0;
        return status.error();
    }
    if (useCopy)
        m_stagingGeneration = m_connection.generation();
    return written;
}

QHash<QString, int> EntityRepository::upsertIn(pqxx::transaction_base &txn, const QList<Row> &rows)
{
    QHash<QString, int> syncCounts;
    if (rows.isEmpty())
        return syncCounts;
    if (Status valid = validate(rows); !valid)
        throw std::invalid_argument(valid.error().message.toStdString());
    const auto unique = deduplicated(rows);
    // The staging table may not exist in this session yet (or went with a rolled-back
    // batch): CREATE … IF NOT EXISTS costs one statement, the COPY saves many.
    const pqxx::result result = unique.size() >= kCopyThreshold ? upsertByCopy(txn, unique, true, true)
                                                                : upsertByInsert(txn, unique, true);
    syncCounts.reserve(static_cast<qsizetype>(result.size()));
    for (const auto &r : result)
        syncCounts.insert(fromPgText(r[0]), r[1].as<int>());
    return syncCounts;
}

std::string EntityRepository::toPgBigintArray(const QList<qint64> &values)
{
    std::string literal = "{";
    for (qsizetype i = 0; i < values.size(); ++i) {
        if (i > 0)
            literal += ',';
        literal += std::to_string(values.at(i));
    }
    literal += '}';
    return literal;
}

QHash<QString, EntityRepository::Owner> EntityRepository::lockOwnersIn(pqxx::transaction_base &txn,
                                                                      const QString &entityType,
                                                                      const QStringList &zohoIds)
{
    QHash<QString, Owner> owners;
    if (zohoIds.isEmpty())
        return owners;
    const auto result = txn.exec_params(
        "SELECT zoho_id, moodle_user_id, content_hash, deleted_at IS NULL FROM tiersync.entities"
        " WHERE entity_type = $1 AND zoho_id = ANY($2::text[]) ORDER BY zoho_id FOR UPDATE",
        entityType.toStdString(), toPgTextArray(zohoIds));
    owners.reserve(static_cast<qsizetype>(result.size()));
    for (const auto &r : result) {
        Owner owner{fromPgText(r[0]), r[1].is_null() ? 0 : r[1].as<qint64>(), fromPgText(r[2]), r[3].as<bool>()};
        owners.insert(owner.zohoId, owner);
    }
    return owners;
}

QList<EntityRepository::Owner> EntityRepository::markDeletedIn(pqxx::transaction_base &txn, const QString &entityType,
                                                              const QStringList &zohoIds)
{
    QList<Owner> marked;
    if (zohoIds.isEmpty())
        return marked;
    const auto result = txn.exec_params(
        "UPDATE tiersync.entities SET deleted_at = now()"
        " WHERE entity_type = $1 AND zoho_id = ANY($2::text[]) AND deleted_at IS NULL"
        " RETURNING zoho_id, moodle_user_id, content_hash",
        entityType.toStdString(), toPgTextArray(zohoIds));
    for (const auto &r : result)
        marked.append(Owner{fromPgText(r[0]), r[1].is_null() ? 0 : r[1].as<qint64>(), fromPgText(r[2]), false});
    return marked;
}

QList<EntityRepository::OwnedRecord> EntityRepository::liveRecordsOfIn(pqxx::transaction_base &txn,
                                                                      const QString &entityType,
                                                                      const QList<qint64> &moodleUserIds)
{
    QList<OwnedRecord> records;
    if (moodleUserIds.isEmpty())
        return records;
    const auto result = txn.exec_params(
        "SELECT moodle_user_id, zoho_id, payload::text FROM tiersync.entities"
        " WHERE entity_type = $1 AND moodle_user_id = ANY($2::bigint[]) AND deleted_at IS NULL",
        entityType.toStdString(), toPgBigintArray(moodleUserIds));
    records.reserve(static_cast<qsizetype>(result.size()));
    for (const auto &r : result)
        records.append(OwnedRecord{r[0].as<qint64>(), fromPgText(r[1]),
                                   QByteArray(r[2].c_str(), static_cast<qsizetype>(r[2].size()))});
    return records;
}

QList<qint64> EntityRepository::studentsWithLiveRowsIn(pqxx::transaction_base &txn, const QString &entityType,
                                                       const QList<qint64> &moodleUserIds)
{
    QList<qint64> students;
    if (moodleUserIds.isEmpty() || entityType.isEmpty())
        return students;
    const auto result = txn.exec_params(
        "SELECT DISTINCT moodle_user_id FROM tiersync.entities"
        " WHERE entity_type = $1 AND moodle_user_id = ANY($2::bigint[]) AND deleted_at IS NULL",
        entityType.toStdString(), toPgBigintArray(moodleUserIds));
    for (const auto &r : result)
        students.append(r[0].as<qint64>());
    return students;
}

bool EntityRepository::hasLiveRowsIn(pqxx::transaction_base &txn, const QString &entityType)
{
    return txn
        .exec_params1("SELECT EXISTS (SELECT 1 FROM tiersync.entities WHERE entity_type = $1 AND deleted_at IS NULL)",
                      entityType.toStdString())[0]
        .as<bool>();
}

Result<QHash<QString, QString>> EntityRepository::contentHashes(const QString &entityType,
                                                                const QStringList &zohoIds)
{
    QHash<QString, QString> hashes;
    if (zohoIds.isEmpty())
        return hashes;
    Status status = m_connection.transaction(
        QStringLiteral("reading %1 entity states").arg(zohoIds.size()),
        [&](pqxx::transaction_base &txn) -> Status {
            hashes.clear();
            hashes.reserve(zohoIds.size());
            const auto result = txn.exec_params(
                "SELECT zoho_id, content_hash FROM tiersync.entities"
                " WHERE entity_type = $1 AND zoho_id = ANY($2::text[]) AND deleted_at IS NULL",
                entityType.toStdString(), toPgTextArray(zohoIds));
            for (const auto &r : result)
                hashes.insert(QString::fromUtf8(r[0].c_str()), QString::fromUtf8(r[1].c_str()));
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return hashes;
}

Result<QHash<QString, QString>> EntityRepository::contentHashes(const QString &entityType)
{
    QHash<QString, QString> hashes;
    Status status = m_connection.transaction(
        QStringLiteral("reading %1 entity states").arg(entityType),
        [&](pqxx::transaction_base &txn) -> Status {
            hashes.clear();
            const auto result = txn.exec_params(
                "SELECT zoho_id, content_hash FROM tiersync.entities"
                " WHERE entity_type = $1 AND deleted_at IS NULL",
                entityType.toStdString());
            hashes.reserve(static_cast<qsizetype>(result.size()));
            for (const auto &r : result)
                hashes.insert(QString::fromUtf8(r[0].c_str()), QString::fromUtf8(r[1].c_str()));
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return hashes;
}

Result<int> EntityRepository::markMissingDeleted(const QString &entityType,
                                                 const QStringList &seenZohoIds)
{
    int marked = 0;
    Status status = m_connection.transaction(
        QStringLiteral("marking deleted %1").arg(entityType),
        [&](pqxx::transaction_base &txn) -> Status {
            // An anti-join against the unnested list (hashed by the planner), not
            // "<> ALL(array)", which compares every row with every id.
            const auto result = txn.exec_params(
                "UPDATE tiersync.entities AS e SET deleted_at = now()"
                " WHERE e.entity_type = $1 AND e.deleted_at IS NULL"
                " AND NOT EXISTS (SELECT 1 FROM unnest($2::text[]) AS seen(id)"
                "                 WHERE seen.id = e.zoho_id)",
                entityType.toStdString(), toPgTextArray(seenZohoIds));
            marked = static_cast<int>(result.affected_rows());
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return marked;
}

Result<qint64> EntityRepository::count(const QString &entityType, bool includeDeleted)
{
    qint64 rows = 0;
    Status status = m_connection.transaction(
        QStringLiteral("counting entities"),
        [&](pqxx::transaction_base &txn) -> Status {
            std::optional<std::string> type;
            if (!entityType.isEmpty())
                type = entityType.toStdString();
            rows = txn.exec_params1("SELECT count(*) FROM tiersync.entities"
                                    " WHERE ($1::text IS NULL OR entity_type = $1)"
                                    " AND ($2 OR deleted_at IS NULL)",
                                    type, includeDeleted)[0]
                       .as<qint64>();
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return rows;
}

Result<std::optional<EntityRepository::StoredRow>> EntityRepository::get(const QString &entityType,
                                                                         const QString &zohoId)
{
    std::optional<StoredRow> found;
    Status status = m_connection.transaction(
        QStringLiteral("reading entity"),
        [&](pqxx::transaction_base &txn) -> Status {
            const auto result = txn.exec_params("SELECT " + storedRowColumns()
                                                    + " FROM tiersync.entities"
                                                      " WHERE entity_type = $1 AND zoho_id = $2",
                                                entityType.toStdString(), zohoId.toStdString());
            found.reset();
            if (!result.empty())
                found = toStoredRow(result[0]);
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return found;
}

Result<QList<EntityRepository::StoredRow>> EntityRepository::fetchChunk(const QString &entityType,
                                                                        const QString &afterZohoId,
                                                                        int limit)
{
    QList<StoredRow> rows;
    Status status = m_connection.transaction(
        QStringLiteral("reading entities"),
        [&](pqxx::transaction_base &txn) -> Status {
            rows.clear();
            const auto result = txn.exec_params(
                "SELECT " + storedRowColumns()
                    + " FROM tiersync.entities"
                      " WHERE entity_type = $1 AND deleted_at IS NULL AND zoho_id > $2"
                      " ORDER BY zoho_id LIMIT $3",
                entityType.toStdString(), afterZohoId.toStdString(), limit);
            rows.reserve(static_cast<qsizetype>(result.size()));
            for (const auto &r : result)
                rows << toStoredRow(r);
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return rows;
}

Status EntityRepository::forEachChunk(const QString &entityType, int chunkSize,
                                      const std::function<bool(const QList<StoredRow> &)> &consumer)
{
    if (chunkSize <= 0)
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("chunk size must be positive"));
    QString after;
    for (;;) {
        auto chunk = fetchChunk(entityType, after, chunkSize);
        if (!chunk)
            return chunk.error();
        if (chunk->isEmpty())
            return {};
        after = chunk->constLast().row.zohoId;
        if (!consumer(*chunk) || chunk->size() < chunkSize)
            return {};
    }
}

}  // namespace tiersync
