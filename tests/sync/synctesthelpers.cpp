#include "synctesthelpers.h"

#include "pgtestdatabase.h"
#include "privatezohosim.h"

#include "cache/cachekeys.h"
#include "redis/redisbatch.h"
#include "redis/redisconnection.h"
#include "redis/redisscanner.h"
#include "store/entityrepository.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "sync/contenthasher.h"
#include "sync/entityregistry.h"
#include "sync/syncorchestrator.h"
#include "zoho/zohoapi.h"
#include "zoho/zohoservice.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

namespace tiersync::test {

ZohoClientOptions fastClientOptions(int maxAttempts)
{
    ZohoClientOptions options;
    FamilyLimits generous;  // no test reaches them by accident
    generous.perWindow = 1000000;
    generous.windowMs = 1000;  // an injected 44 holds the family for 1 s, not a minute
    generous.windowSlackMs = 0;
    generous.perDay = 0;
    generous.concurrency = 8;
    options.limits = ZohoLimits::uniform(generous);
    options.retry.maxAttempts = maxAttempts;
    options.retry.baseDelayMs = 5;
    options.retry.maxDelayMs = 50;
    options.requestTimeoutMs = 10000;
    options.circuitFailureThreshold = 1000000;
    return options;
}

PrivateSyncSetup::PrivateSyncSetup() = default;
PrivateSyncSetup::~PrivateSyncSetup() = default;
PrivateSyncSetup::PrivateSyncSetup(PrivateSyncSetup &&) noexcept = default;
PrivateSyncSetup &PrivateSyncSetup::operator=(PrivateSyncSetup &&) noexcept = default;

Result<PrivateSyncSetup> startPrivateSync(const ConnectionProfile &fixture, const QString &databaseName, int redisDb,
                                          const QStringList &simArguments, const ZohoClientOptions &clientOptions)
{
    PrivateSyncSetup setup;
    auto sim = PrivateZohoSim::start(simArguments);
    if (!sim)
        return sim.error();
    setup.sim = std::move(*sim);
    setup.service = std::make_unique<ZohoService>(setup.sim->settings(), clientOptions);
    auto database = PgTestDatabase::create(fixture.pg, databaseName);
    if (!database)
        return database.error();
    setup.database = std::move(*database);
    PgConnection connection(setup.database->settings());
    if (auto migrated = Migrator().migrate(connection); !migrated)
        return migrated.error();
    setup.redis = fixture.redis;
    setup.redis.db = redisDb;
    if (Status flushed = flushRedisDb(setup.redis); !flushed)
        return flushed.error();
    return setup;
}

EntityDefinition gradesFeedEntity()
{
    EntityDefinition grades;
    grades.name = QStringLiteral("grades");
    grades.source = EntityDefinition::Source::Crm;
    grades.module = QStringLiteral("Grades");
    grades.idField = QStringLiteral("id");
    grades.modifiedField = QStringLiteral("Modified_Time");
    grades.moodleUserIdField = QStringLiteral("Moodle_User_ID");
    grades.volatileFields = {QStringLiteral("Modified_Time")};
    grades.affects = {QStringLiteral("academics")};
    return grades;
}

EntityDefinition entityDefinition(const QString &name)
{
    auto registry = EntityRegistry::builtIn();
    if (!registry || !registry->find(name))
        qFatal("no entity definition %s", qPrintable(name));
    return *registry->find(name);
}

Result<SyncReport> runOnWorker(SyncOrchestrator &orchestrator)
{
    // The run blocks a pool thread; this thread's event loop keeps delivering the queued
    // signals the run depends on (the Zoho client lives here) until it ends.
    QFutureWatcher<Result<SyncReport>> watcher;
    QEventLoop loop;
    QObject::connect(&watcher, &QFutureWatcherBase::finished, &loop, &QEventLoop::quit);
    watcher.setFuture(QtConcurrent::run([&orchestrator] { return orchestrator.run(); }));
    if (!watcher.isFinished())
        loop.exec();
    return watcher.result();
}

Result<QHash<QString, QString>> zohoHashes(ZohoClient *client, const EntityDefinition &entity)
{
    ZohoApi api(client);
    Result<QList<QJsonObject>> records = entity.source == EntityDefinition::Source::Books
                                             ? api.booksListAll(entity.path, entity.listKey)
                                             : api.crmListAll(entity.module);
    if (!records)
        return records.error();
    ContentHasher hasher;
    QHash<QString, QString> hashes;
    for (const QJsonObject &record : *records)
        hashes.insert(record.value(entity.idField).toString(), hasher.hash(record, entity.volatileFields));
    return hashes;
}

Result<QHash<QString, QString>> pgHashes(const PgSettings &pg, const QString &entityType)
{
    PgConnection connection(pg);
    return EntityRepository(connection).contentHashes(entityType);
}

Result<QHash<QString, QString>> redisStateHashes(const RedisSettings &redis, const QString &entityType)
{
    RedisConnection connection(redis);
    QList<QByteArray> keys;
    Status scanned = RedisScanner::forEachBatch(connection, cachekeys::entityStatePrefix(entityType) + '*',
                                                [&keys](const QList<QByteArray> &batch) {
                                                    keys.append(batch);
                                                    return true;
                                                });
    if (!scanned)
        return scanned.error();
    auto values = RedisBatch(connection).hmgetMany(keys, {QByteArrayLiteral("content_hash")});
    if (!values)
        return values.error();
    const qsizetype prefix = cachekeys::entityStatePrefix(entityType).size();
    QHash<QString, QString> hashes;
    for (qsizetype i = 0; i < keys.size(); ++i)
        hashes.insert(QString::fromUtf8(keys.at(i).mid(prefix)),
                      QString::fromLatin1(values->at(i).value(0).value_or(QByteArray())));
    return hashes;
}

Status flushRedisDb(const RedisSettings &redis)
{
    RedisConnection connection(redis);
    auto reply = connection.command({QByteArrayLiteral("FLUSHDB")});
    if (!reply)
        return reply.error();
    return {};
}

}  // namespace tiersync::test
