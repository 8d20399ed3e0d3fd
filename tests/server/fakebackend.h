#pragma once

#include "server/serverbackend.h"

#include <QJsonObject>
#include <QSet>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace tiersync::test {

// A ServerBackend for server tests: counts every call, answers what the test scripts,
// and can hold reads at a gate to keep them in flight.
class FakeBackend final : public ServerBackend {
public:
    using ReadFunction = std::function<Result<EndpointResponse>(const QString &, qint64, bool)>;

    FakeBackend();
    Q_DISABLE_COPY_MOVE(FakeBackend)
    ~FakeBackend() override;

    [[nodiscard]] bool hasEndpoint(const QString &endpoint) const override;
    [[nodiscard]] Result<EndpointResponse> read(const QString &endpoint, qint64 moodleUserId,
                                                bool forceRefresh) override;
    [[nodiscard]] QJsonObject health() override;
    [[nodiscard]] QByteArray metrics() override;

    // Default: {"data": {"id": N}, meta source redis}.
    void setReadFunction(ReadFunction function);
    void setHealth(const QJsonObject &health);
    void setMetrics(const QByteArray &metrics);

    // Reads of this user id wait at the gate until openGate() (0: none do).
    void holdUserId(qint64 moodleUserId);
    void openGate();
    [[nodiscard]] int waitingAtGate() const;

    [[nodiscard]] int readCalls() const { return m_readCalls.load(); }
    [[nodiscard]] int hasEndpointCalls() const { return m_hasEndpointCalls.load(); }
    [[nodiscard]] int healthCalls() const { return m_healthCalls.load(); }
    [[nodiscard]] bool lastForceRefresh() const { return m_lastForceRefresh.load(); }
    [[nodiscard]] qint64 lastMoodleUserId() const { return m_lastMoodleUserId.load(); }

private:
    QSet<QString> m_endpoints;
    mutable std::atomic<int> m_hasEndpointCalls{0};
    std::atomic<int> m_readCalls{0};
    std::atomic<int> m_healthCalls{0};
    std::atomic<bool> m_lastForceRefresh{false};
    std::atomic<qint64> m_lastMoodleUserId{0};

    mutable std::mutex m_mutex;
    std::condition_variable m_gateChanged;
    ReadFunction m_readFunction;
    QJsonObject m_health;
    QByteArray m_metrics;
    qint64 m_heldUserId = 0;
    bool m_gateOpen = false;
    int m_waiting = 0;
};

}  // namespace tiersync::test
