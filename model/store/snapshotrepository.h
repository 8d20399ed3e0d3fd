#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QPair>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

namespace tiersync {

class PgConnection;

}  // namespace tiersync

namespace pqxx {
class transaction_base;
}

namespace tiersync {

// tiersync.endpoint_snapshots: tier 2 of the read path, one row per (endpoint,
// moodle_user_id) holding the last response fetched from Zoho.
class SnapshotRepository final {
public:
    struct Snapshot {
        QString endpoint;        // "profile", "academics", …
        qint64 moodleUserId = 0;
        QByteArray payload;      // JSON text, UTF-8
        QString contentHash;     // lowercase hex SHA-256
        QDateTime fetchedAt;     // invalid on upsert: now()
    };

    explicit SnapshotRepository(PgConnection &connection);

    // The commit step's regroup, inside its transaction (pqxx throws roll it back).
    // content_hash of the stored snapshots among endpoints × students, keyed (endpoint, student).
    [[nodiscard]] static QHash<QPair<QString, qint64>, QString> hashesIn(pqxx::transaction_base &txn,
                                                                        const QStringList &endpoints,
                                                                        const QList<qint64> &moodleUserIds);
    // Upserts the snapshots unconditionally (the caller compared the hashes), all with
    // fetched_at = fetchedAt (now() when invalid); returns how many rows were written.
    [[nodiscard]] static int upsertIn(pqxx::transaction_base &txn, const QList<Snapshot> &snapshots,
                                      const QDateTime &fetchedAt);
    // Deletes the (endpoint, student) snapshots; returns how many went.
    [[nodiscard]] static int removeIn(pqxx::transaction_base &txn, const QList<QPair<QString, qint64>> &keys);

    [[nodiscard]] Result<std::optional<Snapshot>> get(const QString &endpoint, qint64 moodleUserId);

    // Stores the snapshot unless the stored one was fetched later (two instances
    // refreshing the same key at once must not let the older answer win). Returns
    // whether it was written.
    [[nodiscard]] Result<bool> upsert(const Snapshot &snapshot);

    // Deletes one snapshot, or every endpoint of a student when endpoint is empty;
    // returns how many rows went (invalidation).
    [[nodiscard]] Result<int> remove(const QString &endpoint, qint64 moodleUserId);

    [[nodiscard]] Result<qint64> count(const QString &endpoint = {});

    // Snapshots in (endpoint, moodle_user_id) order after the given key (empty
    // endpoint: from the start), optionally of one endpoint only. Keyset paging.
    [[nodiscard]] Result<QList<Snapshot>> fetchChunk(const QString &afterEndpoint,
                                                     qint64 afterMoodleUserId, int limit,
                                                     const QString &onlyEndpoint = {});
    [[nodiscard]] Status forEachChunk(int chunkSize,
                                      const std::function<bool(const QList<Snapshot> &)> &consumer,
                                      const QString &onlyEndpoint = {});

private:
    PgConnection &m_connection;
};

}  // namespace tiersync
