#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <functional>

namespace tiersync {

class RedisConnection;

// Removes cache keys (DESIGN.md "Redis key schema"). A student's keys are deleted by
// name, one per endpoint; an endpoint, an entity type or the whole namespace by SCAN
// (COUNT ≈ 1000) + UNLINK per step, so no Redis call blocks for long. Never KEYS, and
// never a pattern built from an id: names are checked against the registries
// (endpointNames, entityTypes) and the key schema's rules, and escaped anyway.
//
// Every method with dryRun = true removes nothing and returns how many keys would go
// (for a pattern: distinct keys SCAN saw). Borrows the connection: same thread rule.
class CacheInvalidator final {
public:
    // Called after each SCAN step with the keys handled so far.
    using Progress = std::function<void(qint64 keysSoFar)>;

    CacheInvalidator(RedisConnection &redis, QStringList endpointNames, QStringList entityTypes);

    void setProgress(Progress progress) { m_progress = std::move(progress); }

    // tiersync:v1:ep:{endpoint}:{id} for every endpoint, by name.
    [[nodiscard]] Result<qint64> student(qint64 moodleUserId, bool dryRun);
    // Every tiersync:v1:ep:{endpoint}:* key.
    [[nodiscard]] Result<qint64> endpoint(const QString &name, bool dryRun);
    // One entity state, by name.
    [[nodiscard]] Result<qint64> entity(const QString &entityType, const QString &zohoId, bool dryRun);
    // Every tiersync:v1:state:{entity_type}:* key.
    [[nodiscard]] Result<qint64> entityType(const QString &entityType, bool dryRun);
    // Everything under tiersync:v1: but the organisation's Zoho token and budget
    // (tiersync:v1:oauth:*, tiersync:v1:zoho:*).
    [[nodiscard]] Result<qint64> all(bool dryRun);

private:
    [[nodiscard]] Result<qint64> byName(const QList<QByteArray> &keys, bool dryRun);
    // Keys starting with a prefix in `keep` stay.
    [[nodiscard]] Result<qint64> byPrefix(const QByteArray &prefix, bool dryRun, const QList<QByteArray> &keep = {});
    [[nodiscard]] Status checkEndpoint(const QString &name) const;
    [[nodiscard]] Status checkEntityType(const QString &name) const;

    RedisConnection &m_redis;
    QStringList m_endpointNames;
    QStringList m_entityTypes;
    Progress m_progress;
};

}  // namespace tiersync
