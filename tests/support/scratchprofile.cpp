#include "scratchprofile.h"

#include "pgtestdatabase.h"
#include "redis/redisconnection.h"
#include "simtenant.h"
#include "store/migrator.h"
#include "store/pgconnection.h"

#include <atomic>

namespace tiersync::test {

Result<std::unique_ptr<ScratchProfile>> ScratchProfile::create(const ConnectionProfile &sandbox, const QString &name,
                                                                int redisDb, Schema schema)
{
    ConnectionProfile profile = sandbox;
    profile.name = name;
    profile.redis.db = redisDb;
    static std::atomic<int> created{0};
    auto tenant = ownSimTenant(sandbox.zoho, QStringLiteral("%1/%2/%3").arg(testProcessLabel(), name).arg(++created));
    if (!tenant)
        return tenant.error();
    profile.zoho = *tenant;
    if (auto flushed = RedisConnection(profile.redis).command({"FLUSHDB"}); !flushed)
        return flushed.error();
    auto database = PgTestDatabase::create(sandbox.pg, name);
    if (!database)
        return database.error();
    profile.pg = (*database)->settings();
    if (schema == Schema::Migrated) {
        PgConnection connection(profile.pg);
        if (auto migrated = Migrator().migrate(connection); !migrated)
            return migrated.error();
    }
    return std::unique_ptr<ScratchProfile>(new ScratchProfile(std::move(profile), sandbox.pg, std::move(*database)));
}

ScratchProfile::ScratchProfile(ConnectionProfile profile, PgSettings server, std::unique_ptr<PgTestDatabase> database)
    : m_profile(std::move(profile)),
      m_server(std::move(server)),
      m_database(std::move(database))
{
}

ScratchProfile::~ScratchProfile() = default;

}  // namespace tiersync::test
