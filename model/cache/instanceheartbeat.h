#pragma once

#include <QByteArray>
#include <QHash>
#include <QMetaType>
#include <QString>

namespace tiersync {

// What one running engine (a `tiersync serve`, the console's own) says about itself,
// so the console can show every instance: the circuit breaker and the caching switch
// are per process. Published by StatsFlusher as the hash
// tiersync:v1:instance:{host}:{pid} with a short TTL, so a dead instance disappears
// by itself.
struct InstanceHeartbeat final {
    static constexpr char kKeyPrefix[] = "tiersync:v1:instance:";

    QString host;
    qint64 pid = 0;
    QString circuit = QStringLiteral("closed");  // circuitStateName(): closed, open, half_open
    bool cachingEnabled = true;                  // effective for this process
    bool cachingForcedOff = false;               // TIERSYNC_CACHE_ENABLED=false
    int zohoInFlight = 0;
    int zohoQueued = 0;
    double zohoRequestsPerMinute = 0.0;  // the client's rate-limit budget; 0: no Zoho client
    QString zohoBudgetMode;              // zohoBudgetModeName(): local, shared, fallback; empty: no client
    qint64 startedAtMs = 0;              // epoch ms
    qint64 lastSeenMs = 0;               // epoch ms of this heartbeat

    // tiersync:v1:instance:{host}:{pid}
    [[nodiscard]] QByteArray key() const;
    // This process: host name and pid filled in, the rest default.
    [[nodiscard]] static InstanceHeartbeat forThisProcess();

    [[nodiscard]] QHash<QByteArray, QByteArray> toFields() const;
    // Missing or bad fields keep their defaults (an older instance may write fewer).
    [[nodiscard]] static InstanceHeartbeat fromFields(const QHash<QByteArray, QByteArray> &fields);

    friend bool operator==(const InstanceHeartbeat &, const InstanceHeartbeat &) = default;
};

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::InstanceHeartbeat)
