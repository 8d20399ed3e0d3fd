#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

namespace tiersync {

class PgConnection;

}  // namespace tiersync

namespace pqxx {
class transaction_base;
}

namespace tiersync {

// tiersync.entities: the synchronised Zoho entities, keyed by (entity_type, zoho_id).
//
// upsert() writes a batch in one transaction: rows that exist get the new payload and
// hash, synced_at = now(), sync_count + 1 and deleted_at cleared; new rows start at
// sync_count 1. The default method streams the batch with COPY into a session
// temporary table and merges it with one INSERT … SELECT … ON CONFLICT DO UPDATE;
// batches under kCopyThreshold rows use one multi-row INSERT … ON CONFLICT instead:
// there the extra COPY round trips and the per-commit emptying of the staging table
// cost more than COPY saves (tests/bench/bench_pg_upsert measures both: at 50 rows a
// batch multi-row INSERT is about 3x faster, from 200 rows on COPY is 1.3-1.7x faster).
class EntityRepository final {
public:
    struct Row {
        QString entityType;          // "products", "customers", "students"
        QString zohoId;
        QByteArray payload;          // JSON text, UTF-8
        QString contentHash;         // lowercase hex SHA-256 of the canonical JSON
        QDateTime lastModifiedTime;  // invalid: unknown
        qint64 moodleUserId = 0;     // the student the record names; 0: none (stored as NULL)
    };
    struct StoredRow {
        Row row;
        QDateTime syncedAt;
        int syncCount = 0;
        QDateTime deletedAt;         // invalid: live
    };
    enum class UpsertMethod {
        Auto,            // multi-row INSERT below kCopyThreshold rows, COPY from there on
        Copy,
        MultiRowInsert,
    };
    static constexpr int kCopyThreshold = 200;

    explicit EntityRepository(PgConnection &connection);

    void setUpsertMethod(UpsertMethod method);
    [[nodiscard]] UpsertMethod upsertMethod() const;

    // Inserts or updates the rows in one transaction; returns how many rows were
    // written (a key given twice counts once: its last occurrence wins). Invalid JSON
    // or any other bad value fails the whole batch and commits nothing.
    [[nodiscard]] Result<int> upsert(const QList<Row> &rows);
    // The same inside the caller's transaction (the commit step's): zoho_id -> the row's
    // sync_count after the write. Throws (pqxx) on failure, which rolls the caller back.
    [[nodiscard]] static QHash<QString, int> upsertIn(pqxx::transaction_base &txn, const QList<Row> &rows);

    // The commit step's reads and writes, inside its transaction (pqxx throws roll it back).
    struct Owner {
        QString zohoId;
        qint64 moodleUserId = 0;  // 0: none
        QString contentHash;
        bool live = false;
    };
    struct OwnedRecord {
        qint64 moodleUserId = 0;
        QString zohoId;
        QByteArray payload;  // JSON text
    };
    // The stored rows among zohoIds (live or deleted), locked FOR UPDATE in id order so
    // two commits of overlapping batches wait for each other instead of deadlocking.
    [[nodiscard]] static QHash<QString, Owner> lockOwnersIn(pqxx::transaction_base &txn, const QString &entityType,
                                                           const QStringList &zohoIds);
    // Sets deleted_at on the live rows among zohoIds; returns the rows it marked.
    [[nodiscard]] static QList<Owner> markDeletedIn(pqxx::transaction_base &txn, const QString &entityType,
                                                    const QStringList &zohoIds);
    // Live rows of the type that belong to any of the students.
    [[nodiscard]] static QList<OwnedRecord> liveRecordsOfIn(pqxx::transaction_base &txn, const QString &entityType,
                                                            const QList<qint64> &moodleUserIds);
    // Which of the students have a live row of the type.
    [[nodiscard]] static QList<qint64> studentsWithLiveRowsIn(pqxx::transaction_base &txn, const QString &entityType,
                                                              const QList<qint64> &moodleUserIds);
    // Whether the type has any live row at all.
    [[nodiscard]] static bool hasLiveRowsIn(pqxx::transaction_base &txn, const QString &entityType);
    // A bigint[] literal for $n::bigint[].
    [[nodiscard]] static std::string toPgBigintArray(const QList<qint64> &values);

    // zoho_id -> content_hash of the live (not deleted) rows among zohoIds. A deleted
    // row is left out on purpose, so an entity that reappears is written again.
    [[nodiscard]] Result<QHash<QString, QString>> contentHashes(const QString &entityType,
                                                              const QStringList &zohoIds);
    // The same for every live row of the type.
    [[nodiscard]] Result<QHash<QString, QString>> contentHashes(const QString &entityType);

    // Sets deleted_at on every live row of the type whose id is not in seenZohoIds
    // (the ids a full listing from Zoho returned); returns how many. An empty list
    // marks every row of the type.
    [[nodiscard]] Result<int> markMissingDeleted(const QString &entityType,
                                                 const QStringList &seenZohoIds);

    // Rows of the type (all types when empty).
    [[nodiscard]] Result<qint64> count(const QString &entityType = {}, bool includeDeleted = false);

    [[nodiscard]] Result<std::optional<StoredRow>> get(const QString &entityType,
                                                       const QString &zohoId);

    // Live rows of the type in zoho_id order, after afterZohoId (empty: from the start).
    // Keyset paging: no transaction stays open between chunks.
    [[nodiscard]] Result<QList<StoredRow>> fetchChunk(const QString &entityType,
                                                      const QString &afterZohoId, int limit);
    // Calls consumer with successive chunks until the rows run out or it returns false.
    [[nodiscard]] Status forEachChunk(const QString &entityType, int chunkSize,
                                      const std::function<bool(const QList<StoredRow> &)> &consumer);

private:
    PgConnection &m_connection;
    UpsertMethod m_method = UpsertMethod::Auto;
    quint64 m_stagingGeneration = 0;  // session in which the staging table is known to exist
};

}  // namespace tiersync
