#include "store/snapshotrepository.h"

#include "store/pgconnection.h"
#include "store/pgvalues.h"

#include <pqxx/pqxx>

#include <limits>

namespace tiersync {

namespace {

using Idempotency = PgConnection::Idempotency;

std::string snapshotColumns()
{
    return "endpoint, moodle_user_id, payload::text, content_hash, " + pgEpochMs("fetched_at");
}

SnapshotRepository::Snapshot toSnapshot(const pqxx::row &r)
{
    SnapshotRepository::Snapshot snapshot;
    snapshot.endpoint = fromPgText(r[0]);
    snapshot.moodleUserId = r[1].as<qint64>();
    snapshot.payload = QByteArray(r[2].c_str(), static_cast<qsizetype>(r[2].size()));
    snapshot.contentHash = fromPgText(r[3]);
    snapshot.fetchedAt = fromPgEpochMs(r[4]);
    return snapshot;
}

std::optional<std::string> optionalText(const QString &text)
{
    if (text.isEmpty())
        return std::nullopt;
    return text.toStdString();
}

}  // namespace

SnapshotRepository::SnapshotRepository(PgConnection &connection)
    : m_connection(connection)
{
}

QHash<QPair<QString, qint64>, QString> SnapshotRepository::hashesIn(pqxx::transaction_base &txn,
                                                                    const QStringList &endpoints,
                                                                    const QList<qint64> &moodleUserIds)
{
    QHash<QPair<QString, qint64>, QString> hashes;
    if (endpoints.isEmpty() || moodleUserIds.isEmpty())
        return hashes;
    QStringList students;
    for (qint64 id : moodleUserIds)
        students.append(QString::number(id));
    const auto result = txn.exec_params(
        "SELECT endpoint, moodle_user_id, content_hash FROM tiersync.endpoint_snapshots"
        " WHERE endpoint = ANY($1::text[]) AND moodle_user_id = ANY($2::text[]::bigint[])",
        toPgTextArray(endpoints), toPgTextArray(students));
    for (const auto &r : result)
        hashes.insert({fromPgText(r[0]), r[1].as<qint64>()}, fromPgText(r[2]));
    return hashes;
}

int SnapshotRepository::upsertIn(pqxx::transaction_base &txn, const QList<Snapshot> &snapshots,
                                 const QDateTime &fetchedAt)
{
    if (snapshots.isEmpty())
        return 0;
    QStringList endpoints, students, payloads, hashes;
    for (const Snapshot &snapshot : snapshots) {
        endpoints.append(snapshot.endpoint);
        students.append(QString::number(snapshot.moodleUserId));
        payloads.append(QString::fromUtf8(snapshot.payload));
        hashes.append(snapshot.contentHash);
    }
    // Arrays as parameters: the statement's text does not grow with the batch.
    return static_cast<int>(
        txn.exec_params("INSERT INTO tiersync.endpoint_snapshots AS s"
                        " (endpoint, moodle_user_id, payload, content_hash, fetched_at)"
                        " SELECT e, u::bigint, p::jsonb, h, coalesce($5::timestamptz, now())"
                        " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(e, u, p, h)"
                        " ON CONFLICT (endpoint, moodle_user_id) DO UPDATE SET"
                        " payload = EXCLUDED.payload, content_hash = EXCLUDED.content_hash,"
                        " fetched_at = EXCLUDED.fetched_at",
                        toPgTextArray(endpoints), toPgTextArray(students), toPgTextArray(payloads),
                        toPgTextArray(hashes), toPgTimestamp(fetchedAt))
            .affected_rows());
}

int SnapshotRepository::removeIn(pqxx::transaction_base &txn, const QList<QPair<QString, qint64>> &keys)
{
    if (keys.isEmpty())
        return 0;
    QStringList endpoints, students;
    for (const auto &key : keys) {
        endpoints.append(key.first);
        students.append(QString::number(key.second));
    }
    return static_cast<int>(
        txn.exec_params("DELETE FROM tiersync.endpoint_snapshots AS s"
                        " USING unnest($1::text[], $2::text[]) AS d(e, u)"
                        " WHERE s.endpoint = d.e AND s.moodle_user_id = d.u::bigint",
                        toPgTextArray(endpoints), toPgTextArray(students))
            .affected_rows());
}

Result<std::optional<SnapshotRepository::Snapshot>> SnapshotRepository::get(const QString &endpoint,
                                                                            qint64 moodleUserId)
{
    std::optional<Snapshot> found;
    Status status = m_connection.transaction(
        QStringLiteral("reading snapshot %1").arg(endpoint),
        [&](pqxx::transaction_base &txn) -> Status {
            const auto result = txn.exec_params(
                "SELECT " + snapshotColumns()
                    + " FROM tiersync.endpoint_snapshots WHERE endpoint = $1 AND moodle_user_id = $2",
                endpoint.toStdString(), moodleUserId);
            found.reset();
            if (!result.empty())
                found = toSnapshot(result[0]);
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return found;
}

Result<bool> SnapshotRepository::upsert(const Snapshot &snapshot)
{
    if (snapshot.endpoint.isEmpty())
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("snapshot without endpoint"));
    bool written = false;
    Status status = m_connection.transaction(
        QStringLiteral("storing snapshot %1").arg(snapshot.endpoint),
        [&](pqxx::transaction_base &txn) -> Status {
            const auto result = txn.exec_params(
                "INSERT INTO tiersync.endpoint_snapshots AS s"
                " (endpoint, moodle_user_id, payload, content_hash, fetched_at)"
                " VALUES ($1, $2, $3::jsonb, $4, coalesce($5::timestamptz, now()))"
                " ON CONFLICT (endpoint, moodle_user_id) DO UPDATE SET"
                " payload = EXCLUDED.payload, content_hash = EXCLUDED.content_hash,"
                " fetched_at = EXCLUDED.fetched_at"
                " WHERE s.fetched_at <= EXCLUDED.fetched_at",
                snapshot.endpoint.toStdString(), snapshot.moodleUserId,
                snapshot.payload.toStdString(), snapshot.contentHash.toStdString(),
                toPgTimestamp(snapshot.fetchedAt));
            written = result.affected_rows() == 1;
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return written;
}

Result<int> SnapshotRepository::remove(const QString &endpoint, qint64 moodleUserId)
{
    int removed = 0;
    Status status = m_connection.transaction(
        QStringLiteral("removing snapshots"),
        [&](pqxx::transaction_base &txn) -> Status {
            removed = static_cast<int>(
                txn.exec_params("DELETE FROM tiersync.endpoint_snapshots"
                                " WHERE moodle_user_id = $2 AND ($1::text IS NULL OR endpoint = $1)",
                                optionalText(endpoint), moodleUserId)
                    .affected_rows());
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return removed;
}

Result<qint64> SnapshotRepository::count(const QString &endpoint)
{
    qint64 rows = 0;
    Status status = m_connection.transaction(
        QStringLiteral("counting snapshots"),
        [&](pqxx::transaction_base &txn) -> Status {
            rows = txn.exec_params1("SELECT count(*) FROM tiersync.endpoint_snapshots"
                                    " WHERE $1::text IS NULL OR endpoint = $1",
                                    optionalText(endpoint))[0]
                       .as<qint64>();
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return rows;
}

Result<QList<SnapshotRepository::Snapshot>> SnapshotRepository::fetchChunk(
    const QString &afterEndpoint, qint64 afterMoodleUserId, int limit, const QString &onlyEndpoint)
{
    QList<Snapshot> snapshots;
    Status status = m_connection.transaction(
        QStringLiteral("reading snapshots"),
        [&](pqxx::transaction_base &txn) -> Status {
            snapshots.clear();
            const auto result = txn.exec_params(
                "SELECT " + snapshotColumns()
                    + " FROM tiersync.endpoint_snapshots"
                      " WHERE (endpoint, moodle_user_id) > ($1, $2)"
                      " AND ($3::text IS NULL OR endpoint = $3)"
                      " ORDER BY endpoint, moodle_user_id LIMIT $4",
                afterEndpoint.toStdString(), afterMoodleUserId, optionalText(onlyEndpoint), limit);
            snapshots.reserve(static_cast<qsizetype>(result.size()));
            for (const auto &r : result)
                snapshots << toSnapshot(r);
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return snapshots;
}

Status SnapshotRepository::forEachChunk(int chunkSize,
                                        const std::function<bool(const QList<Snapshot> &)> &consumer,
                                        const QString &onlyEndpoint)
{
    if (chunkSize <= 0)
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("chunk size must be positive"));
    QString afterEndpoint;
    qint64 afterUser = std::numeric_limits<qint64>::min();
    for (;;) {
        auto chunk = fetchChunk(afterEndpoint, afterUser, chunkSize, onlyEndpoint);
        if (!chunk)
            return chunk.error();
        if (chunk->isEmpty())
            return {};
        afterEndpoint = chunk->constLast().endpoint;
        afterUser = chunk->constLast().moodleUserId;
        if (!consumer(*chunk) || chunk->size() < chunkSize)
            return {};
    }
}

}  // namespace tiersync
