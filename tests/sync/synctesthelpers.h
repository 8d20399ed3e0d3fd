#pragma once

#include "core/connectionprofile.h"
#include "core/result.h"
#include "sync/entitydefinition.h"
#include "sync/syncoptions.h"
#include "sync/syncreport.h"
#include "zoho/zohoclientoptions.h"

#include <QHash>
#include <QString>
#include <QStringList>

#include <memory>

namespace tiersync {
class SyncOrchestrator;
class ZohoClient;
class ZohoService;
}

namespace tiersync::test {

// Evaluates its argument once; fails the test with the error's text.
#define SYNC_VERIFY_OK(expression)                                                         \
    do {                                                                                   \
        const auto &verified = (expression);                                               \
        QVERIFY2(verified.ok(), qPrintable(verified.ok() ? QString() : verified.error().toString())); \
    } while (false)

// Client options for tests: no rate limit worth the name, fast retries.
[[nodiscard]] ZohoClientOptions fastClientOptions(int maxAttempts = 3);

[[nodiscard]] EntityDefinition entityDefinition(const QString &name);

class PgTestDatabase;
class PrivateZohoSim;

// What a test that injects Zoho faults syncs with: a private zoho-sim (started with
// simArguments), a client for it, a migrated scratch database on the fixture's PostgreSQL
// and the test's own Redis db of the fixture's server, flushed.
struct PrivateSyncSetup {
    PrivateSyncSetup();
    ~PrivateSyncSetup();
    PrivateSyncSetup(PrivateSyncSetup &&) noexcept;
    PrivateSyncSetup &operator=(PrivateSyncSetup &&) noexcept;

    std::unique_ptr<PrivateZohoSim> sim;
    std::unique_ptr<ZohoService> service;
    std::unique_ptr<PgTestDatabase> database;
    RedisSettings redis;
};
[[nodiscard]] Result<PrivateSyncSetup> startPrivateSync(const ConnectionProfile &fixture, const QString &databaseName,
                                                        int redisDb, const QStringList &simArguments,
                                                        const ZohoClientOptions &clientOptions);
// The CRM Grades module as a fed entity (the registry keeps it under endpoints.json).
[[nodiscard]] EntityDefinition gradesFeedEntity();

// Runs the orchestrator on a worker thread (as the engine does) and waits for it,
// delivering queued signals meanwhile.
[[nodiscard]] Result<SyncReport> runOnWorker(SyncOrchestrator &orchestrator);

// id -> hash of every record Zoho (the sim) lists for the type, computed here from
// the records themselves.
[[nodiscard]] Result<QHash<QString, QString>> zohoHashes(ZohoClient *client, const EntityDefinition &entity);
// id -> content_hash of every live row, and of every Redis state of the type.
[[nodiscard]] Result<QHash<QString, QString>> pgHashes(const PgSettings &pg, const QString &entityType);
[[nodiscard]] Result<QHash<QString, QString>> redisStateHashes(const RedisSettings &redis, const QString &entityType);

[[nodiscard]] Status flushRedisDb(const RedisSettings &redis);

}  // namespace tiersync::test
