#include "sync/entitystate.h"

#include "cache/cachekeys.h"

namespace tiersync {

QList<QByteArray> EntityState::lookupFields()
{
    return {QByteArrayLiteral("content_hash"), QByteArrayLiteral("sync_count")};
}

QByteArray EntityState::nowText()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toLatin1();
}

RedisHashWrite EntityState::toHashWrite(const QString &entityType, const QString &zohoId,
                                        const QByteArray &cachedAt) const
{
    RedisHashWrite write;
    write.key = cachekeys::entityStateKey(entityType, zohoId);
    write.fields.reserve(5);
    write.fields.append({QByteArrayLiteral("content_hash"), contentHash.toLatin1()});
    write.fields.append({QByteArrayLiteral("local_id"), localId.toUtf8()});
    if (lastModifiedTime.isValid())
        write.fields.append({QByteArrayLiteral("last_modified_time"),
                             lastModifiedTime.toUTC().toString(Qt::ISODate).toLatin1()});
    write.fields.append({QByteArrayLiteral("cached_at"), cachedAt});
    if (syncCount > 0)
        write.fields.append({QByteArrayLiteral("sync_count"), QByteArray::number(syncCount)});
    return write;
}

}  // namespace tiersync
