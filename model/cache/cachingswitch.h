#pragma once

#include "core/pgsettings.h"

#include <QObject>
#include <QProcessEnvironment>

#include <atomic>
#include <condition_variable>
#include <mutex>

class QThread;

namespace tiersync {

class PgListener;

// The global caching switch (settings.caching_enabled) as this process sees it.
//
// `tiersync caching off` commits the value and NOTIFYs tiersync_settings; every running
// engine hears it through its PgListener and re-reads the row at once, so the change
// applies within a second everywhere. The row is also re-read periodically (every
// second while the listener is down, which loses NOTIFYs; every few seconds otherwise),
// so a missed notification is repaired by itself. The reads happen on the switch's own
// thread with its own PostgreSQL connection; isEnabled() is a lock-free load that the
// read path calls on every request.
//
// TIERSYNC_CACHE_ENABLED=false (or 0/off/no) forces caching off for this process
// whatever the database says; it never forces it on.
class CachingSwitch final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CachingSwitch)

public:
    static constexpr char kEnvironmentVariable[] = "TIERSYNC_CACHE_ENABLED";

    struct Options {
        int listeningRereadMs = 5000;  // safety-net re-read while the listener is up
        int deafRereadMs = 1000;       // re-read while it is down (NOTIFYs are lost)
        int listenerPollIntervalMs = 50;
        bool forcedOff = false;        // from the environment; see forcedOffBy()
    };

    CachingSwitch(PgSettings pg, Options options, QObject *parent = nullptr);
    ~CachingSwitch() override;

    // Whether `environment` forces caching off for this process.
    [[nodiscard]] static bool forcedOffBy(const QProcessEnvironment &environment);

    // Reads the stored value once (blocking, at most the connect timeout), then starts
    // the listener and the re-read thread. If PostgreSQL cannot be read, caching stays
    // on (the migration's default) until a read succeeds.
    void start();
    void stop();

    [[nodiscard]] bool isEnabled() const { return m_enabled.load(std::memory_order_relaxed); }
    [[nodiscard]] bool isForcedOff() const { return m_options.forcedOff; }
    // What the database says (true until first read).
    [[nodiscard]] bool storedValue() const { return m_stored.load(std::memory_order_relaxed); }
    [[nodiscard]] bool isListening() const;
    [[nodiscard]] quint64 readCount() const { return m_reads.load(); }

    // Re-read now on the switch's thread (after a notification; tests).
    void requestReread();

signals:
    // Emitted from the switch's thread when the effective value changes.
    void enabledChanged(bool enabled);

private:
    void run();
    void apply(bool stored);

    PgSettings m_pg;
    Options m_options;
    PgListener *m_listener = nullptr;
    QThread *m_thread = nullptr;
    std::atomic_bool m_enabled{true};
    std::atomic_bool m_stored{true};
    std::atomic<quint64> m_reads{0};

    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopRequested = false;  // guarded by m_mutex
    bool m_rereadRequested = false;
};

}  // namespace tiersync
