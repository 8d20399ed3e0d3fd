#pragma once

#include "console/keybrowserservice.h"
#include "console/longjobs.h"
#include "console/servicethread.h"

#include <functional>
#include <memory>

namespace tiersync {

class RedisConnection;
class RedisScanner;

// KeyBrowserService on Redis. Scans, details and deletes of a selection are quick: they
// run on the console's loading thread (a ServiceLane), on one Redis connection the lane
// owns, opened at first use and replaced when the settings change. Counting or deleting
// a pattern walks the whole keyspace, which takes minutes on a big database: each such
// job goes to a pool thread that exists only while it runs, on a connection of its own,
// with a cancel token per request, so a long count never holds up another page's loads.
// Answers hop back to the service's own thread. stop() (and the destructor) cancels the
// pattern jobs, waits for them, then closes its lane.
class EngineKeyBrowserService final : public KeyBrowserService {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EngineKeyBrowserService)

public:
    // A SCAN step over a sparse MATCH can return nothing; a page keeps stepping for up
    // to this long before it answers with an empty page, so the page is neither flooded
    // with empty pages nor kept waiting.
    static constexpr int kMaxPageMs = 50;

    // loads: the thread scans and details load on; null: one of the service's own.
    explicit EngineKeyBrowserService(std::shared_ptr<ServiceThread> loads = {}, QObject *parent = nullptr);
    ~EngineKeyBrowserService() override;

    // Calls after this do nothing (they return 0).
    void stop();

    void setSettings(const tiersync::RedisSettings &settings) override;
    quint64 startScan(const QByteArray &match, int count) override;
    void fetchPage(quint64 scan) override;
    quint64 loadDetails(const QByteArray &key) override;
    quint64 deleteKeys(const QList<QByteArray> &keys) override;
    quint64 countMatching(const QByteArray &match) override;
    quint64 deleteMatching(const QByteArray &match) override;
    void cancel(quint64 request) override;

private:

    // Emits on the service's own thread.
    void answer(std::function<void()> emitter);
    void fail(Request call, quint64 request, const ServiceError &error);
    // Starts a pattern job on the pool.
    quint64 startPatternJob(Request call, const QByteArray &match);
    // On the loading thread.
    [[nodiscard]] RedisConnection &laneConnection();
    void readPage(quint64 scan);
    void readDetails(quint64 request, const QByteArray &key);
    // On a pool thread.
    void walkPattern(Request call, quint64 request, const RedisSettings &settings, const QByteArray &match,
                     const std::shared_ptr<CancelToken> &cancelled);

    RedisSettings m_settings;  // the service's thread
    bool m_stopped = false;    // the service's thread
    quint64 m_lastRequest = 0;  // the service's thread
    // The loading thread only.
    RedisSettings m_laneSettings;
    std::unique_ptr<RedisConnection> m_laneConnection;
    std::unique_ptr<RedisScanner> m_scanner;
    quint64 m_scan = 0;
    LongJobs m_patternJobs;
    ServiceLane m_lane;
};

}  // namespace tiersync
