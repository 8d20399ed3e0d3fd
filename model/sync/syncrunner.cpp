#include "sync/syncrunner.h"

#include "store/databaseopener.h"
#include "sync/entityregistry.h"
#include "sync/syncorchestrator.h"
#include "zoho/zohoservice.h"

namespace tiersync {

SyncRunner::SyncRunner(std::shared_ptr<ZohoService> zoho, std::shared_ptr<DatabaseOpener> database,
                       RedisSettings redis)
    : m_zoho(std::move(zoho))
    , m_database(std::move(database))
    , m_redis(std::move(redis))
{
}

Result<SyncReport> SyncRunner::run(const QString &entityType, SyncOptions options, const Hooks &hooks) const
{
    auto registry = EntityRegistry::builtIn();
    if (!registry)
        return registry.error();
    const EntityDefinition *entity = registry->find(entityType);
    if (!entity)
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("unknown entity type '%1' (known: %2)")
                                                         .arg(entityType, registry->names().join(QStringLiteral(", "))));
    if (auto migrated = m_database->ensureMigrated(); !migrated)
        return migrated.error();
    SyncOrchestrator sync(*entity, m_zoho->client(), m_database->settings(), m_redis, std::move(options));
    if (hooks.attached)
        hooks.attached(sync);
    Result<SyncReport> report = sync.run();
    if (hooks.detached)
        hooks.detached();
    return report;
}

}  // namespace tiersync
