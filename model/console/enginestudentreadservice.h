#pragma once

#include "console/consoleclocks.h"
#include "console/longjobs.h"
#include "console/studentreadservice.h"
#include "console/workerprofile.h"

#include <functional>
#include <memory>

namespace tiersync {

class CacheEngine;
class EngineServicesPool;

// StudentReadService on the engine. It embeds the read path: a CacheEngine of its own
// (made at the first lookup after a profile change, so the page never waits for its
// migration or switch read) on the console's one EngineServicesPool (the process's one
// Zoho client), answering exactly as `tiersync serve` would. A lookup that goes to Zoho
// takes seconds, so lookups and invalidations run one at a time on a pool thread of the
// service's own, never on the console's loading thread, with a cancel token per request.
// The thread ends 30 s after the last job (a few lookups in a row share its Redis and
// PostgreSQL connections; an idle console holds none). Answers hop back to the service's
// own thread. stop() (and the destructor) cancels the lookups, waits for them, and
// closes the engine on that thread.
class EngineStudentReadService final : public StudentReadService {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EngineStudentReadService)

public:
    static constexpr int kThreadExpiryMs = 30000;

    // clocks: what the engine reads (its cache ages, the minute Zoho calls are counted
    // in); null: the system's.
    EngineStudentReadService(std::shared_ptr<EngineServicesPool> pool, ConsoleClocks clocks,
                             QObject *parent = nullptr);
    ~EngineStudentReadService() override;

    // Calls after this do nothing (they return 0).
    void stop();

    void setProfile(const tiersync::ConnectionProfile &profile) override;
    quint64 lookup(qint64 moodleUserId, const QString &endpoint, bool forceRefresh) override;
    quint64 invalidate(qint64 moodleUserId, bool dryRun) override;
    void cancel(quint64 request) override;

private:

    // Emits on the service's own thread, and forgets the request.
    void finish(quint64 request, std::function<void()> emitter);
    // Queues a job; a request without a profile fails at once.
    quint64 start(Request call, const std::function<void(quint64, const ConnectionProfile &, const std::shared_ptr<CancelToken> &)> &job);
    // On the job thread.
    void use(const ConnectionProfile &profile);
    [[nodiscard]] Result<CacheEngine *> engine();
    void read(quint64 request, qint64 moodleUserId, const QString &endpoint, bool forceRefresh,
              const std::shared_ptr<CancelToken> &cancelled);
    void deleteKeys(quint64 request, qint64 moodleUserId, bool dryRun);

    ConsoleClocks m_clocks;
    ConnectionProfile m_profile;  // the service's thread
    bool m_haveProfile = false;   // the service's thread
    bool m_stopped = false;       // the service's thread
    quint64 m_lastRequest = 0;    // the service's thread
    WorkerProfile m_jobProfile;          // the job thread only (one job at a time)
    std::unique_ptr<CacheEngine> m_engine;  // the job thread only
    LongJobs m_jobs;
};

}  // namespace tiersync
