#include "console/syncworker.h"

#include "console/connectioncheck.h"
#include "store/pgconnection.h"
#include "sync/entityregistry.h"
#include "sync/syncoptions.h"
#include "sync/syncorchestrator.h"
#include "sync/syncrunner.h"

namespace tiersync {

namespace {

// A failed run records its error as Error::toString() ("unavailable: cannot connect to
// PostgreSQL at …"), which is for logs. The admin gets the same error in words, naming
// the server it came from, with the technical text after it.
QString describeRunError(const QString &recorded)
{
    Error error = makeError(ErrorKind::Internal, recorded);
    for (int k = int(ErrorKind::InvalidArgument); k <= int(ErrorKind::Internal); ++k) {
        const QString prefix = errorKindName(ErrorKind(k)) + QStringLiteral(": ");
        if (recorded.startsWith(prefix)) {
            error = makeError(ErrorKind(k), recorded.mid(prefix.size()));
            break;
        }
    }
    ConnectionCheck::Service service = ConnectionCheck::Service::Zoho;
    if (error.message.contains(QLatin1String("postgres"), Qt::CaseInsensitive))
        service = ConnectionCheck::Service::Postgres;
    else if (error.message.contains(QLatin1String("redis"), Qt::CaseInsensitive))
        service = ConnectionCheck::Service::Redis;
    return describeForAdmin(service, error);
}

}  // namespace

SyncWorker::SyncWorker(QObject *parent) : QObject(parent) {}

SyncWorker::~SyncWorker() = default;

void SyncWorker::cancel(quint64 requestId)
{
    QMutexLocker lock(&m_mutex);
    m_cancelRequest = requestId;
    if (m_running && m_runningRequest == requestId)
        m_running->cancel();
}

void SyncWorker::setClocks(ConsoleClocks clocks)
{
    m_clocks = std::move(clocks);
    m_profile.setFallbackOptions(engineServicesOptions(m_clocks));
}

void SyncWorker::setServicesPool(std::shared_ptr<EngineServicesPool> pool)
{
    m_profile.setPool(std::move(pool));
}

void SyncWorker::setProfile(const ConnectionProfile &profile)
{
    m_profile.set(profile);
}

void SyncWorker::runSync(quint64 requestId, const QString &entityType, const QString &mode, int batchSize)
{
    if (!m_profile.isSet()) {
        Q_EMIT syncRefused(entityType, tr("No connection profile is active yet."));
        return;
    }
    auto registry = EntityRegistry::builtIn();
    if (!registry) {
        Q_EMIT syncRefused(entityType, registry.error().message);
        return;
    }
    if (!registry->contains(entityType)) {
        Q_EMIT syncRefused(entityType, tr("“%1” is not a known entity type.").arg(entityType));
        return;
    }
    const auto syncMode = syncModeFromName(mode);
    if (!syncMode) {
        Q_EMIT syncRefused(entityType, tr("“%1” is not a sync mode.").arg(mode));
        return;
    }
    if (auto migrated = m_profile.ensureMigrated(); !migrated) {
        Q_EMIT syncRefused(entityType, describeForAdmin(ConnectionCheck::Service::Postgres, migrated.error()));
        return;
    }
    SyncOptions options;
    options.mode = *syncMode;
    options.trigger = QStringLiteral("console");
    options.batchSize = batchSize;
    options.clock = m_clocks.wall;

    // The process's one Zoho service and retry recorder, shared with the other pages.
    const std::shared_ptr<EngineServices> &services = m_profile.services();
    const SyncRunner runner(services->zoho(), services->database(), m_profile.profile().redis);
    SyncRunner::Hooks hooks;
    hooks.attached = [this, requestId, entityType](SyncOrchestrator &sync) {
        // Direct: re-emitted from whichever thread reports; receivers in the GUI are queued.
        connect(&sync, &SyncOrchestrator::started, this,
                [this, entityType](qint64 runId, const QString &runMode) {
                    Q_EMIT syncStarted(runId, entityType, runMode);
                },
                Qt::DirectConnection);
        connect(&sync, &SyncOrchestrator::progress, this, &SyncWorker::syncProgress, Qt::DirectConnection);
        QMutexLocker lock(&m_mutex);
        m_running = &sync;
        m_runningRequest = requestId;
        if (m_cancelRequest == requestId)
            sync.cancel();
    };
    hooks.detached = [this] {
        QMutexLocker lock(&m_mutex);
        m_running = nullptr;
    };
    const Result<SyncReport> report = runner.run(entityType, options, hooks);
    if (!report) {
        const bool refused = report.error().kind == ErrorKind::Conflict;
        Q_EMIT syncRefused(entityType, refused ? report.error().message
                                               : describeForAdmin(ConnectionCheck::Service::Postgres, report.error()));
        return;
    }
    SyncRunRepository::Run run = report->run;
    if (run.status == QLatin1String(SyncRunRepository::kFailed) && !run.error.isEmpty())
        run.error = describeRunError(run.error);
    Q_EMIT syncFinished(run);
}

void SyncWorker::loadRuns(int limit)
{
    if (!m_profile.isSet()) {
        Q_EMIT runsFailed(tr("No connection profile is active yet."));
        return;
    }
    PgConnection &connection = PgConnection::forCurrentThread(m_profile.profile().pg);
    if (auto migrated = m_profile.ensureMigrated(connection); !migrated) {
        Q_EMIT runsFailed(describeForAdmin(ConnectionCheck::Service::Postgres, migrated.error()));
        return;
    }
    SyncRunRepository runs(connection);
    auto recent = runs.recent(limit);
    if (!recent) {
        Q_EMIT runsFailed(describeForAdmin(ConnectionCheck::Service::Postgres, recent.error()));
        return;
    }
    QList<SyncRunRepository::Run> lastPerType;
    auto registry = EntityRegistry::builtIn();
    if (registry) {
        for (const QString &type : registry->names()) {
            auto last = runs.recent(1, type);
            if (!last) {
                Q_EMIT runsFailed(describeForAdmin(ConnectionCheck::Service::Postgres, last.error()));
                return;
            }
            if (last->isEmpty()) {
                SyncRunRepository::Run never;
                never.entityType = type;
                lastPerType.append(never);
            } else {
                lastPerType.append(last->first());
            }
        }
    }
    Q_EMIT runsLoaded(*recent, lastPerType);
}

}  // namespace tiersync
