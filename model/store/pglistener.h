#pragma once

#include "core/pgsettings.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <atomic>

class QThread;

namespace tiersync {

// LISTENs to PostgreSQL channels on a connection and thread of its own, and emits
// notification(channel, payload) for every NOTIFY.
//
// The signals are emitted from the listener's thread, so receivers living in other
// threads (the GUI) get them queued and never block on it. The thread waits for
// notifications in short slices (Options::pollIntervalMs), so stop() returns within
// about that long; only a connection attempt in progress can hold it up to the
// listener's connect timeout. When the connection drops (server restart,
// pg_terminate_backend) it emits connectionLost, reconnects with backoff, LISTENs
// again and emits connectionRestored. NOTIFYs sent while it was disconnected are lost:
// on connectionRestored a receiver should re-read whatever it watches.
//
// With several hosts in the DSN it connects to the read-write one (see
// PgSettings::withSessionDefaults), so after a switchover it LISTENs on the new primary:
// a stopped primary breaks the connection at once; one that stays up but turned
// read-only is noticed by the health check (healthCheckIntervalMs) and left.
class PgListener final : public QObject {
    Q_OBJECT

public:
    struct Options {
        int pollIntervalMs = 50;           // how often the thread checks for stop()
        int connectTimeoutSeconds = 3;
        int reconnectDelayMs = 250;        // first retry; doubles up to maxReconnectDelayMs
        int maxReconnectDelayMs = 5000;
        int healthCheckIntervalMs = 10000; // a quiet connection is probed this often
    };

    PgListener(PgSettings settings, QStringList channels, QObject *parent = nullptr);
    PgListener(PgSettings settings, QStringList channels, Options options,
               QObject *parent = nullptr);
    ~PgListener() override;
    Q_DISABLE_COPY_MOVE(PgListener)

    // Starts the thread; it connects and LISTENs in the background.
    void start();
    // Stops and joins the thread.
    void stop();

    [[nodiscard]] bool isRunning() const;
    [[nodiscard]] bool isListening() const;
    // The listener session's server pid (0 when not connected): for diagnostics and
    // tests that terminate it.
    [[nodiscard]] int backendPid() const;
    [[nodiscard]] const QStringList &channels() const;

signals:
    void notification(const QString &channel, const QString &payload);
    // LISTEN is in place: after the first connect and after every reconnect.
    void listening();
    void connectionLost(const QString &reason);
    void connectionRestored();

private:
    void run();
    // Sleeps up to delayMs in poll-sized slices; false when stop() was requested.
    [[nodiscard]] bool pause(int delayMs) const;

    PgSettings m_settings;
    QStringList m_channels;
    Options m_options;
    QThread *m_thread = nullptr;
    std::atomic_bool m_stopRequested{false};
    std::atomic_bool m_listening{false};
    std::atomic_int m_backendPid{0};
};

}  // namespace tiersync
