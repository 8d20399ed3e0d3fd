#pragma once

#include "redis/redishashwrite.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

namespace tiersync {

// The Redis entity state (tiersync:v1:state:{entity_type}:{zoho_id}, a hash): what the
// last committed sync of an entity wrote. Only ever written after its PostgreSQL row
// committed, so a state never claims more than the database holds.
struct EntityState final {
    QString contentHash;
    QString localId;             // the row's key in tiersync.entities: the Zoho id
    QDateTime lastModifiedTime;  // Zoho's, invalid when unknown
    int syncCount = 0;           // 0: unknown (the field is then not written)

    // The fields read back by the sync (HMGET order): content_hash, sync_count.
    [[nodiscard]] static QList<QByteArray> lookupFields();
    // cachedAt: when the state is written, ISO 8601 UTC (formatted once per batch by
    // the caller: it is the same for every state of a pipeline).
    [[nodiscard]] RedisHashWrite toHashWrite(const QString &entityType, const QString &zohoId,
                                             const QByteArray &cachedAt) const;
    [[nodiscard]] static QByteArray nowText();
};

}  // namespace tiersync
