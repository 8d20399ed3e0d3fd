#include "warmseed.h"

#include "store/entityrepository.h"
#include "store/pgconnection.h"
#include "store/snapshotrepository.h"

namespace tiersync::test {

Status seedWarmableRows(PgConnection &connection)
{
    SnapshotRepository snapshots(connection);
    for (qint64 id : {101, 102, 103}) {
        for (const char *endpoint : {"profile", "academics"}) {
            SnapshotRepository::Snapshot snapshot;
            snapshot.endpoint = QLatin1String(endpoint);
            snapshot.moodleUserId = id;
            snapshot.payload = QByteArrayLiteral("{\"id\":") + QByteArray::number(id) + '}';
            snapshot.contentHash = QString(64, QLatin1Char('a'));
            if (auto upserted = snapshots.upsert(snapshot); !upserted)
                return upserted.error();
        }
    }
    QList<EntityRepository::Row> rows;
    for (int i = 1; i <= 4; ++i) {
        EntityRepository::Row row;
        row.entityType = QStringLiteral("products");
        row.zohoId = QStringLiteral("4600000000000%1").arg(i);
        row.payload = QByteArrayLiteral("{\"item_id\":\"") + row.zohoId.toUtf8() + "\"}";
        row.contentHash = QString(64, QLatin1Char('b'));
        rows.append(row);
    }
    if (auto upserted = EntityRepository(connection).upsert(rows); !upserted)
        return upserted.error();
    return {};
}

}  // namespace tiersync::test
