#include "console/enginesyncrunservice.h"

#include "console/connectioncheck.h"
#include "host/engineservices.h"
#include "store/pgconnection.h"
#include "sync/entityregistry.h"
#include "sync/syncorchestrator.h"
#include "sync/syncrunner.h"

namespace tiersync {

namespace {

// Every server the history and a run's start talk to is PostgreSQL; a refusal of the
// input (an unknown type; the compiled-in registry) is the engine's own.
ServiceError startError(const Error &error)
{
    if (error.kind == ErrorKind::InvalidArgument || error.kind == ErrorKind::NotFound)
        return {std::nullopt, error};
    return {ConnectionCheck::Service::Postgres, error};
}

// A failed run's error in words for the admin, naming the server the run itself saw fail
// (SyncReport::failureSource), with the technical text after it; an error of the engine's
// own is its text.
QString describeRunError(const SyncReport &report)
{
    switch (report.failureSource) {
    case SyncFailureSource::Zoho:
        return describeForAdmin(ConnectionCheck::Service::Zoho, report.failure);
    case SyncFailureSource::Postgres:
        return describeForAdmin(ConnectionCheck::Service::Postgres, report.failure);
    case SyncFailureSource::Engine:
        return report.failure.toString();
    case SyncFailureSource::None:
        break;
    }
    return report.run.error;
}

ServiceError noProfile()
{
    return {std::nullopt, makeError(ErrorKind::Unavailable, QObject::tr("No connection profile is active yet."))};
}

}  // namespace

EngineSyncRunService::EngineSyncRunService(std::shared_ptr<EngineServicesPool> pool, ConsoleClocks clocks,
                                           std::shared_ptr<ServiceThread> loads, QObject *parent)
    : SyncRunService(parent),
      m_clocks(std::move(clocks)),
      // One run at a time, on a thread that ends with it: no thread waits idle for the
      // next "Sync now".
      m_runs(QStringLiteral("console-sync-run")),
      m_history(loads ? std::move(loads) : std::make_shared<ServiceThread>(QStringLiteral("console-sync-history")))
{
    m_runProfile.setPool(pool);
    m_runProfile.setFallbackOptions(engineServicesOptions(m_clocks));
    m_historyProfile.setPool(std::move(pool));
    m_historyProfile.setFallbackOptions(engineServicesOptions(m_clocks));
}

EngineSyncRunService::~EngineSyncRunService()
{
    stop();
}

void EngineSyncRunService::stop()
{
    if (m_stopped)
        return;
    m_stopped = true;
    m_runs.stop();
    m_history.close();
}

void EngineSyncRunService::answer(std::function<void()> emitter)
{
    // Dropped by Qt if the service is gone by then.
    QMetaObject::invokeMethod(this, std::move(emitter), Qt::QueuedConnection);
}

void EngineSyncRunService::setProfile(const ConnectionProfile &profile)
{
    if (m_stopped)
        return;
    m_profile = profile;
    m_haveProfile = true;
    m_history.post([this, profile] { m_historyProfile.set(profile); });
}

void EngineSyncRunService::loadRuns(int limit)
{
    if (m_stopped)
        return;
    m_history.post([this, limit] { readRuns(limit); });
}

quint64 EngineSyncRunService::startRun(const QString &entityType, SyncMode mode, int batchSize)
{
    if (m_stopped)
        return 0;
    const quint64 request = ++m_lastRequest;
    if (!m_haveProfile) {
        answer([this, request] { Q_EMIT failed(Request::StartRun, request, noProfile()); });
        return request;
    }
    m_runs.start(request, [this, request, profile = m_profile, entityType, mode,
                           batchSize](const std::shared_ptr<CancelToken> &token) {
        execute(request, profile, entityType, mode, batchSize, *token);
    });
    return request;
}

void EngineSyncRunService::cancel(quint64 request)
{
    m_runs.cancel(request);
}

void EngineSyncRunService::execute(quint64 request, const ConnectionProfile &profile, const QString &entityType,
                                   SyncMode mode, int batchSize, CancelToken &token)
{
    const auto notStarted = [this, request](const ServiceError &error) {
        answer([this, request, error] {
            m_runs.finished(request);
            Q_EMIT failed(Request::StartRun, request, error);
        });
    };
    m_runProfile.set(profile);
    auto registry = EntityRegistry::builtIn();
    if (!registry)
        return notStarted({std::nullopt, registry.error()});
    if (!registry->contains(entityType))
        return notStarted({std::nullopt, makeError(ErrorKind::InvalidArgument,
                                                   tr("“%1” is not a known entity type.").arg(entityType))});
    if (auto migrated = m_runProfile.ensureMigrated(); !migrated)
        return notStarted({ConnectionCheck::Service::Postgres, migrated.error()});

    SyncOptions options;
    options.mode = mode;
    options.trigger = QStringLiteral("console");
    options.batchSize = batchSize;
    options.clock = m_clocks.wall;
    // The process's one Zoho service and retry recorder, shared with the other pages.
    const std::shared_ptr<EngineServices> &services = m_runProfile.services();
    const SyncRunner runner(services->zoho(), services->database(), profile.redis);
    SyncRunner::Hooks hooks;
    hooks.attached = [this, request, entityType, mode, &token](SyncOrchestrator &sync) {
        // Direct: called on whichever thread reports, only to post the answer.
        connect(&sync, &SyncOrchestrator::started, &sync,
                [this, request, entityType, mode](qint64 runId, const QString &runMode) {
                    const SyncMode actual = syncModeFromName(runMode).value_or(mode);
                    answer([this, request, runId, entityType, actual] {
                        Q_EMIT runStarted(request, runId, entityType, actual);
                    });
                },
                Qt::DirectConnection);
        connect(&sync, &SyncOrchestrator::progress, &sync,
                [this, request](const SyncProgress &progress) {
                    answer([this, request, progress] { Q_EMIT runProgress(request, progress); });
                },
                Qt::DirectConnection);
        token.attach([&sync] { sync.cancel(); });
    };
    hooks.detached = [&token] { token.detach(); };
    const Result<SyncReport> report = runner.run(entityType, options, hooks);
    if (!report) {
        if (report.error().kind == ErrorKind::Conflict) {
            answer([this, request, entityType, error = ServiceError{std::nullopt, report.error()}] {
                m_runs.finished(request);
                Q_EMIT runRefused(request, entityType, error);
            });
            return;
        }
        return notStarted(startError(report.error()));
    }
    SyncRunRepository::Run run = report->run;
    if (run.status == SyncRunStatus::Failed)
        run.error = describeRunError(*report);
    answer([this, request, run] {
        m_runs.finished(request);
        Q_EMIT runFinished(request, run);
    });
}

void EngineSyncRunService::readRuns(int limit)
{
    const auto fail = [this](const ServiceError &error) {
        answer([this, error] { Q_EMIT failed(Request::LoadRuns, 0, error); });
    };
    if (!m_historyProfile.isSet())
        return fail(noProfile());
    PgConnection &connection = PgConnection::forCurrentThread(m_historyProfile.profile().pg);
    if (auto migrated = m_historyProfile.ensureMigrated(connection); !migrated)
        return fail({ConnectionCheck::Service::Postgres, migrated.error()});
    SyncRunRepository runs(connection);
    auto recent = runs.recent(limit);
    if (!recent)
        return fail({ConnectionCheck::Service::Postgres, recent.error()});
    QList<SyncRunRepository::Run> lastPerType;
    if (auto registry = EntityRegistry::builtIn()) {
        for (const QString &type : registry->names()) {
            auto last = runs.recent(1, type);
            if (!last)
                return fail({ConnectionCheck::Service::Postgres, last.error()});
            if (last->isEmpty()) {
                SyncRunRepository::Run never;
                never.entityType = type;
                lastPerType.append(never);
            } else {
                lastPerType.append(last->first());
            }
        }
    }
    answer([this, recent = *recent, lastPerType] { Q_EMIT runsLoaded(recent, lastPerType); });
}

}  // namespace tiersync
