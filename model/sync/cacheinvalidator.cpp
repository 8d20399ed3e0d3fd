#include "sync/cacheinvalidator.h"

#include "cache/cachekeys.h"
#include "redis/redisbatch.h"
#include "redis/redisconnection.h"
#include "redis/redisscanner.h"

#include <QSet>

#include <algorithm>

namespace tiersync {

CacheInvalidator::CacheInvalidator(RedisConnection &redis, QStringList endpointNames, QStringList entityTypes)
    : m_redis(redis)
    , m_endpointNames(std::move(endpointNames))
    , m_entityTypes(std::move(entityTypes))
{
}

Status CacheInvalidator::checkEndpoint(const QString &name) const
{
    if (!cachekeys::isValidName(name) || !m_endpointNames.contains(name))
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("unknown endpoint \"%1\" (known: %2)")
                                                         .arg(name, m_endpointNames.join(QStringLiteral(", "))));
    return {};
}

Status CacheInvalidator::checkEntityType(const QString &name) const
{
    if (!cachekeys::isValidName(name) || !m_entityTypes.contains(name))
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("unknown entity type \"%1\" (known: %2)")
                                                         .arg(name, m_entityTypes.join(QStringLiteral(", "))));
    return {};
}

Result<qint64> CacheInvalidator::byName(const QList<QByteArray> &keys, bool dryRun)
{
    Result<qint64> count = dryRun ? m_redis.exists(keys) : RedisBatch(m_redis).unlinkMany(keys);
    if (count && m_progress)
        m_progress(*count);
    return count;
}

Result<qint64> CacheInvalidator::byPrefix(const QByteArray &prefix, bool dryRun, const QList<QByteArray> &keep)
{
    // The prefix comes from validated names only; escaped all the same, so it can
    // only ever match itself.
    const QByteArray match = RedisScanner::escapeGlob(prefix) + '*';
    qint64 total = 0;
    QSet<QByteArray> seen;  // SCAN may return a key twice: count each once
    Status failure;
    Status walked = RedisScanner::forEachBatch(m_redis, match, [&](const QList<QByteArray> &scanned) {
        QList<QByteArray> batch;
        batch.reserve(scanned.size());
        for (const QByteArray &key : scanned)
            if (std::none_of(keep.cbegin(), keep.cend(), [&](const QByteArray &kept) { return key.startsWith(kept); }))
                batch.append(key);
        if (batch.isEmpty())
            return true;
        if (dryRun) {
            for (const QByteArray &key : batch)
                seen.insert(key);
            total = seen.size();
        } else {
            auto removed = RedisBatch(m_redis).unlinkMany(batch);
            if (!removed) {
                failure = removed.error();
                return false;
            }
            total += *removed;
        }
        if (m_progress)
            m_progress(total);
        return true;
    });
    if (!walked)
        return walked.error();
    if (!failure)
        return failure.error();
    return total;
}

Result<qint64> CacheInvalidator::student(qint64 moodleUserId, bool dryRun)
{
    if (moodleUserId <= 0)
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("a Moodle user id is a positive integer, not %1").arg(moodleUserId));
    QList<QByteArray> keys;
    for (const QString &endpoint : std::as_const(m_endpointNames))
        keys.append(cachekeys::endpointKey(endpoint, moodleUserId));
    return byName(keys, dryRun);
}

Result<qint64> CacheInvalidator::endpoint(const QString &name, bool dryRun)
{
    if (Status checked = checkEndpoint(name); !checked)
        return checked.error();
    return byPrefix(cachekeys::endpointPrefix(name), dryRun);
}

Result<qint64> CacheInvalidator::entity(const QString &entityType, const QString &zohoId, bool dryRun)
{
    if (Status checked = checkEntityType(entityType); !checked)
        return checked.error();
    if (!cachekeys::isValidZohoId(zohoId))
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("\"%1\" is not a Zoho id").arg(zohoId));
    return byName({cachekeys::entityStateKey(entityType, zohoId)}, dryRun);
}

Result<qint64> CacheInvalidator::entityType(const QString &entityType, bool dryRun)
{
    if (Status checked = checkEntityType(entityType); !checked)
        return checked.error();
    return byPrefix(cachekeys::entityStatePrefix(entityType), dryRun);
}

Result<qint64> CacheInvalidator::all(bool dryRun)
{
    // Not cached data but the organisation's hold on Zoho, shared by every process:
    // dropping the budget would forget today's calls (and let the processes pass Zoho's
    // daily limit), dropping the token would cost a refresh of the ten per ten minutes.
    static const QList<QByteArray> kept{QByteArray(cachekeys::kNamespace) + "oauth:",
                                        QByteArray(cachekeys::kNamespace) + "zoho:"};
    return byPrefix(QByteArray(cachekeys::kNamespace), dryRun, kept);
}

}  // namespace tiersync
